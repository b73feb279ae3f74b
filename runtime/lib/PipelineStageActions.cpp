//===- PipelineStageActions.cpp - Executing a stage's action list ---------===//
//
// One step runs the stage's actions in order. Each holds the tensors of its
// microbatch and chunk only as long as a later action reads them, and labels
// them for the stage's memory accounting: saved values and cotangents are
// activations, tensors waiting to be sent or read after a receive are
// communication buffers, accumulated weight gradients are gradients.
//
//===----------------------------------------------------------------------===//

#include "PipelineStageImpl.h"

#include "pp/Runtime/FloatEnvironment.h"
#include "pp/Runtime/Profiler.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>

using namespace pp::rt;

namespace {

/// What an action does, for activity lines.
std::string describeAction(const program::Action &a) {
  std::string mb = std::to_string(a.microbatch());
  std::string peer = std::to_string(a.peer());
  switch (a.kind()) {
  case program::Action::FORWARD:
    return "forward of microbatch " + mb;
  case program::Action::BACKWARD_INPUT:
    return "backward-input of microbatch " + mb;
  case program::Action::BACKWARD_WEIGHT:
    return "backward-weight of microbatch " + mb;
  case program::Action::BACKWARD:
    return "backward of microbatch " + mb;
  case program::Action::SEND_FORWARD:
    return "sending activations of microbatch " + mb + " to stage " + peer;
  case program::Action::RECV_FORWARD:
    return "receiving activations of microbatch " + mb + " from stage " + peer;
  case program::Action::SEND_BACKWARD:
    return "sending gradients of microbatch " + mb + " to stage " + peer;
  case program::Action::RECV_BACKWARD:
    return "receiving gradients of microbatch " + mb + " from stage " + peer;
  case program::Action::REDUCE_TIED:
    return "reducing tied gradients with stage " + peer;
  case program::Action::OPTIMIZER_STEP:
    return "optimizer step";
  default:
    return "unknown action";
  }
}

/// The value of a 0-d f32 or f64 tensor.
double scalarValue(const Tensor &t) {
  return t.dtype() == DType::F64 ? *t.data<double>() : double(*t.data<float>());
}

/// The index of the first NaN of a float tensor, or -1.
int64_t firstNaN(const Tensor &t) {
  int64_t n = t.numel();
  if (t.dtype() == DType::F32) {
    const float *d = t.data<float>();
    for (int64_t i = 0; i < n; ++i)
      if (d[i] != d[i])
        return i;
  } else if (t.dtype() == DType::F64) {
    const double *d = t.data<double>();
    for (int64_t i = 0; i < n; ++i)
      if (d[i] != d[i])
        return i;
  }
  return -1;
}

void fillNaN(Tensor &t) {
  if (t.dtype() == DType::F32)
    std::fill(t.data<float>(), t.data<float>() + t.numel(),
              std::numeric_limits<float>::quiet_NaN());
  else if (t.dtype() == DType::F64)
    std::fill(t.data<double>(), t.data<double>() + t.numel(),
              std::numeric_limits<double>::quiet_NaN());
}

/// fillNaN for a tensor in any memory space, ordered on `queue`.
Status poisonNaN(Tensor &t, void *queue) {
  if (t.space() == MemorySpace::Host) {
    fillNaN(t);
    return Status::ok();
  }
  Tensor host = Tensor::empty(t.type());
  fillNaN(host);
  return copyTensor(host, t, queue);
}

/// Releases `tensors[indices]`.
void release(std::vector<Tensor> &tensors, const std::vector<size_t> &indices) {
  for (size_t i : indices)
    tensors[i] = Tensor();
}

} // namespace

void PipelineStage::resetStep() {
  state_.assign(chunks_, std::vector<MicrobatchState>(microbatches_));
  for (auto &chunk : accumulators_)
    for (Accumulator &acc : chunk) {
      acc.sum = Tensor();
      acc.next = 0;
      acc.early.clear();
    }
  for (Tie &tie : ties_)
    tie.received.clear();
  gradients_.assign(trainable_.size(), Tensor());
  gradientsFinished_ = false;
}

Status PipelineStage::trainStep(int64_t step, const Batch &batch,
                                Transport &transport, double &lossSum) {
  if (!options_.training)
    return Status::error("stage " + std::to_string(stage_) +
                         " was prepared for inference only");
  ScopedFlushDenormals flush(options_.flushDenormals);
  transport.setQueue(ctx_.stream);
  resetStep();
  ctx_.step = step;
  lossSum = 0;
  if (profiler_)
    profiler_->setStep(step);
  ProfileClock::time_point start;
  if (profiler_)
    start = ProfileClock::now();
  for (int i = 0; i < program_->actions_size(); ++i)
    if (Status s = run(i, batch, transport, lossSum))
      return actionError(i, s);
  // A list without an optimizer step still leaves the step's gradients.
  if (Status s = finishGradients())
    return Status::error("stage " + std::to_string(stage_) +
                         ", end of step: " + s.message());
  if (Status s = finishTies(/*required=*/false))
    return Status::error("stage " + std::to_string(stage_) +
                         ", end of step: " + s.message());
  state_.clear();
  if (profiler_)
    profiler_->stepDone(start, ProfileClock::now());
  transport.setActivity("stage " + std::to_string(stage_) + ": step " +
                        std::to_string(step) + " done");
  return Status::ok();
}

Status PipelineStage::actionError(int index, const Status &status) const {
  const program::Action &action = program_->actions(index);
  return Status::error("stage " + std::to_string(stage_) + ", action " +
                       std::to_string(index) + " '" +
                       actionText(action, chunks_) + "' (" +
                       describeAction(action) + "): " + status.message());
}

Status PipelineStage::infer(const Batch &batch, Transport &transport,
                            std::map<std::string, Tensor> &outputs) {
  ScopedFlushDenormals flush(options_.flushDenormals);
  transport.setQueue(ctx_.stream);
  resetStep();
  outputs.clear();
  double lossSum = 0;
  for (int i = 0; i < program_->actions_size(); ++i) {
    const program::Action &action = program_->actions(i);
    program::Action::Kind kind = action.kind();
    if (kind != program::Action::FORWARD &&
        kind != program::Action::SEND_FORWARD &&
        kind != program::Action::RECV_FORWARD)
      continue;
    if (Status s = run(i, batch, transport, lossSum))
      return actionError(i, s);
    if (kind != program::Action::FORWARD)
      continue;
    // The outputs of this microbatch, stacked (a 0-d float output, the
    // loss, averaged).
    uint32_t mb = action.microbatch(), m = microbatches_;
    Chunk &chunk = *chunkPlans_[action.chunk()];
    MicrobatchState &st = state_[action.chunk()][mb];
    std::vector<size_t> results = chunk.outputResults;
    if (chunk.lossResult >= 0)
      results.push_back(size_t(chunk.lossResult));
    for (size_t r : results) {
      const PortInfo &port = chunk.forward.results()[r];
      const Tensor part = toHost(st.forwardResults[r], ctx_.stream);
      Tensor &whole = outputs[port.key];
      if (port.type.shape.empty()) {
        if (port.type.dtype != DType::F32 && port.type.dtype != DType::F64)
          return Status::error("output '" + port.key + "' is " +
                               port.type.str() + ": a 0-d output of " +
                               std::to_string(m) +
                               " microbatches must be f32 or f64 (averaged)");
        if (!whole.valid() || whole.numel() == 0)
          whole = Tensor::zeros(port.type);
        if (port.type.dtype == DType::F64)
          *whole.data<double>() += *part.data<double>() / m;
        else
          *whole.data<float>() += *part.data<float>() / float(m);
        continue;
      }
      if (!whole.valid() || whole.numel() == 0) {
        TensorType type = part.type();
        type.shape[0] *= m;
        whole = Tensor::empty(type);
      }
      std::memcpy(static_cast<char *>(whole.raw()) + size_t(mb) * part.bytes(),
                  part.raw(), part.bytes());
    }
    // Inference keeps nothing for a backward.
    for (size_t r = 0; r < st.forwardResults.size(); ++r)
      if (std::find(chunk.boundaryOut.begin(), chunk.boundaryOut.end(), r) ==
          chunk.boundaryOut.end())
        st.forwardResults[r] = Tensor();
  }
  state_.clear();
  return Status::ok();
}

Status PipelineStage::run(int index, const Batch &batch, Transport &transport,
                          double &lossSum) {
  const program::Action &action = program_->actions(index);
  if (activities_.empty())
    for (const program::Action &a : program_->actions())
      activities_.push_back("stage " + std::to_string(stage_) + ": " +
                            actionText(a, chunks_) + ", " + describeAction(a));
  transport.setActivity(activities_[size_t(index)]);
  uint32_t mb = action.microbatch(), chunk = action.chunk();
  uint32_t peer = uint32_t(std::max(0, action.peer()));
  ctx_.microbatch = int32_t(mb);
  if (profiler_) {
    profiler_->setMicrobatch(int32_t(mb));
    profiler_->setChunk(int32_t(chunk));
  }
  if (Status s = inject(action))
    return s;
  ProfileClock::time_point start;
  bool timed = profiler_ && action.kind() != program::Action::FORWARD &&
               action.kind() != program::Action::BACKWARD_INPUT &&
               action.kind() != program::Action::BACKWARD_WEIGHT &&
               action.kind() != program::Action::OPTIMIZER_STEP;
  if (timed)
    start = ProfileClock::now();
  Status status = Status::ok();
  switch (action.kind()) {
  case program::Action::FORWARD: {
    bool poison = options_.fault.kind == InjectedFault::Kind::NaN &&
                  int(stage_) == options_.fault.stage &&
                  actionText(action, chunks_) == options_.fault.action;
    status = forward(mb, chunk, batch, lossSum, poison);
    break;
  }
  case program::Action::BACKWARD_INPUT:
    status = backwardInput(mb, chunk);
    break;
  case program::Action::BACKWARD_WEIGHT:
    status = backwardWeight(mb, chunk);
    break;
  case program::Action::BACKWARD:
    status = backwardInput(mb, chunk);
    if (!status)
      status = backwardWeight(mb, chunk);
    break;
  case program::Action::SEND_FORWARD:
    status = sendActivations(mb, chunk, peer, transport);
    break;
  case program::Action::RECV_FORWARD:
    status = recvActivations(mb, chunk, peer, transport);
    break;
  case program::Action::SEND_BACKWARD:
    status = sendGradients(mb, chunk, peer, transport);
    break;
  case program::Action::RECV_BACKWARD:
    status = recvGradients(mb, chunk, peer, transport);
    break;
  case program::Action::REDUCE_TIED:
    status = reduceTied(peer, transport);
    break;
  case program::Action::OPTIMIZER_STEP:
    status = optimizerStep();
    break;
  default:
    status = Status::error("unknown action kind " +
                           std::to_string(int(action.kind())));
  }
  if (timed && !status)
    profiler_->actionDone(action, start, ProfileClock::now());
  return status;
}

Status PipelineStage::inject(const program::Action &action) {
  const InjectedFault &fault = options_.fault;
  if (fault.kind == InjectedFault::Kind::None ||
      fault.kind == InjectedFault::Kind::NaN || int(stage_) != fault.stage ||
      actionText(action, chunks_) != fault.action)
    return Status::ok();
  if (fault.kind == InjectedFault::Kind::Kill)
    std::raise(SIGKILL);
  return Status::error("injected fault (--inject-fault)");
}

Status PipelineStage::forward(uint32_t mb, uint32_t c, const Batch &batch,
                              double &lossSum, bool poison) {
  Chunk &chunk = *chunkPlans_[c];
  MicrobatchState &st = state_[c][mb];
  if (st.forwardDone)
    return Status::error("the microbatch's forward already ran");
  // The boundary inputs: received, or made by the previous virtual stage's
  // forward on this stage.
  std::vector<Tensor> received;
  if (!chunk.inTypes.empty()) {
    if (chunk.prevLocalChunk >= 0) {
      Chunk &prev = *chunkPlans_[size_t(chunk.prevLocalChunk)];
      MicrobatchState &from = state_[size_t(chunk.prevLocalChunk)][mb];
      if (!from.forwardDone)
        return Status::error("the forward of virtual stage " +
                             std::to_string(prev.virtualStage) +
                             " has not run for this microbatch");
      for (size_t r : prev.boundaryOut)
        received.push_back(from.forwardResults[r]);
      release(from.forwardResults, prev.boundaryOut);
    } else {
      if (st.received.empty())
        return Status::error("its activations were not received");
      received = std::move(st.received);
      st.received.clear();
    }
  }
  std::vector<Tensor> args;
  uint32_t m = microbatches_;
  for (const Chunk::Arg &arg : chunk.forwardArgs) {
    if (!arg.data) {
      args.push_back(received[arg.index]);
      continue;
    }
    const std::string &name = chunk.dataNames[arg.index];
    auto it = batch.find(name);
    if (it == batch.end())
      return Status::error("no data for input '" + name + "'");
    const Tensor &whole = it->second;
    if (m == 1) {
      args.push_back(whole);
      continue;
    }
    int64_t rows = whole.dim(0) / m;
    args.push_back(whole.slice(int64_t(mb) * rows, rows));
  }
  // A device stage uploads the microbatch's rows.
  if (pool_.space() != MemorySpace::Host)
    for (size_t a = 0; a < args.size(); ++a)
      if (args[a].space() == MemorySpace::Host) {
        Tensor rows;
        if (Status s = upload(args[a], rows))
          return Status::error("uploading input '" +
                               chunk.forward.arguments()[a].key +
                               "': " + s.message());
        args[a] = std::move(rows);
      }
  if (Status s = chunk.forward.run(ctx_, args, st.forwardResults))
    return s;
  st.forwardDone = true;
  args.clear();
  received.clear();
  for (size_t r = 0; r < st.forwardResults.size(); ++r) {
    program::PortRole role = chunk.forward.results()[r].role;
    st.forwardResults[r].setMemoryKind(role == program::BOUNDARY_OUT
                                           ? MemoryKind::Communication
                                           : MemoryKind::Activations);
  }
  if (poison) {
    // --inject-fault S:F<mb>:nan: this microbatch's boundary outputs and
    // loss become NaN, as a diverging layer would make them.
    for (size_t r : chunk.boundaryOut)
      if (Status s = poisonNaN(st.forwardResults[r], ctx_.stream))
        return s;
    if (chunk.lossResult >= 0)
      if (Status s = poisonNaN(st.forwardResults[size_t(chunk.lossResult)],
                               ctx_.stream))
        return s;
  }
  if (chunk.lossResult >= 0 && options_.training) {
    // On a device this waits for the forward: the loss is checked at once.
    double loss = scalarValue(
        toHost(st.forwardResults[size_t(chunk.lossResult)], ctx_.stream));
    if (!std::isfinite(loss))
      return Status::error(std::string("loss is ") + (std::isnan(loss) ? "nan"
                                                      : loss > 0       ? "inf"
                                                                 : "-inf"));
    lossSum += loss;
  }
  return Status::ok();
}

Status PipelineStage::checkSent(const std::vector<Tensor> &tensors,
                                const std::vector<std::string> &names,
                                uint32_t mb, const char *what) const {
  if (!options_.checkNaN)
    return Status::ok();
  for (size_t i = 0; i < tensors.size(); ++i) {
    // A device tensor is checked on a host copy (pp-run --no-check-nan
    // saves the copy).
    int64_t at = firstNaN(toHost(tensors[i], ctx_.stream));
    if (at >= 0)
      return Status::error(std::string(what) + " '" + names[i] +
                           "' of microbatch " + std::to_string(mb) +
                           " holds NaN (element " + std::to_string(at) +
                           " of " + tensors[i].type().str() + ")");
  }
  return Status::ok();
}

Status PipelineStage::sendActivations(uint32_t mb, uint32_t c, uint32_t peer,
                                      Transport &transport) {
  Chunk &chunk = *chunkPlans_[c];
  MicrobatchState &st = state_[c][mb];
  if (!st.forwardDone)
    return Status::error("the microbatch's forward has not run");
  std::vector<Tensor> tensors;
  for (size_t r : chunk.boundaryOut)
    tensors.push_back(st.forwardResults[r]);
  if (Status s = checkSent(tensors, chunk.boundaryOutNames, mb, "activation"))
    return s;
  if (Status s = transport.send(
          peer, MessageTag::activations(mb, chunk.virtualStage), tensors))
    return s;
  release(st.forwardResults, chunk.boundaryOut);
  return Status::ok();
}

Status PipelineStage::recvActivations(uint32_t mb, uint32_t c, uint32_t peer,
                                      Transport &transport) {
  Chunk &chunk = *chunkPlans_[c];
  std::vector<Tensor> tensors;
  for (const TensorType &type : chunk.inTypes) {
    tensors.push_back(Tensor::empty(type, pool_));
    tensors.back().setMemoryKind(MemoryKind::Communication);
  }
  if (Status s = transport.recv(
          peer, MessageTag::activations(mb, chunk.virtualStage - 1), tensors))
    return s;
  state_[c][mb].received = std::move(tensors);
  return Status::ok();
}

Status PipelineStage::backwardInput(uint32_t mb, uint32_t c) {
  Chunk &chunk = *chunkPlans_[c];
  MicrobatchState &st = state_[c][mb];
  if (!chunk.hasBackward)
    return Status::error("chunk " + std::to_string(c) +
                         " has no backward functions");
  if (!st.forwardDone || st.backwardInputDone)
    return Status::error(st.forwardDone
                             ? "the microbatch's backward-input already ran"
                             : "the microbatch's forward has not run");
  // The gradients of the boundary outputs: received, or made by the next
  // virtual stage's backward on this stage.
  std::vector<Tensor> grads;
  if (!chunk.gradTypes.empty()) {
    if (chunk.nextLocalChunk >= 0) {
      Chunk &next = *chunkPlans_[size_t(chunk.nextLocalChunk)];
      MicrobatchState &from = state_[size_t(chunk.nextLocalChunk)][mb];
      if (!from.backwardInputDone)
        return Status::error("the backward-input of virtual stage " +
                             std::to_string(next.virtualStage) +
                             " has not run for this microbatch");
      for (size_t r : next.boundaryInGrad)
        grads.push_back(from.backwardResults[r]);
      release(from.backwardResults, next.boundaryInGrad);
    } else {
      if (st.receivedGrads.empty())
        return Status::error("its gradients were not received");
      grads = std::move(st.receivedGrads);
      st.receivedGrads.clear();
    }
  }
  std::vector<Tensor> args;
  const std::vector<PortInfo> &ports = chunk.backwardInput.arguments();
  for (size_t a = 0; a < chunk.backwardInputArgs.size(); ++a) {
    const Chunk::BArg &arg = chunk.backwardInputArgs[a];
    switch (arg.kind) {
    case Chunk::BArg::Saved:
      args.push_back(st.forwardResults[arg.index]);
      break;
    case Chunk::BArg::Gradient:
      args.push_back(grads[arg.index]);
      break;
    default: {
      // Made on the host, then uploaded to a device stage.
      bool host = pool_.space() == MemorySpace::Host;
      Tensor seed = host ? Tensor::zeros(ports[a].type, pool_)
                         : Tensor::zeros(ports[a].type);
      if (arg.kind == Chunk::BArg::LossSeed) {
        if (seed.dtype() == DType::F64)
          *seed.data<double>() = 1.0 / microbatches_;
        else
          *seed.data<float>() = float(1.0 / microbatches_);
      }
      if (!host)
        if (Status s = upload(Tensor(seed), seed))
          return s;
      args.push_back(seed);
      break;
    }
    }
  }
  if (Status s = chunk.backwardInput.run(ctx_, args, st.backwardResults))
    return s;
  st.backwardInputDone = true;
  for (size_t r = 0; r < st.backwardResults.size(); ++r)
    st.backwardResults[r].setMemoryKind(chunk.backwardInput.results()[r].role ==
                                                program::BOUNDARY_IN_GRAD
                                            ? MemoryKind::Communication
                                            : MemoryKind::Activations);
  // What only B read (and the outputs) goes now; W's saved values stay.
  for (size_t r = 0; r < st.forwardResults.size(); ++r)
    if (!chunk.forwardResultReadByW[r])
      st.forwardResults[r] = Tensor();
  return Status::ok();
}

Status PipelineStage::sendGradients(uint32_t mb, uint32_t c, uint32_t peer,
                                    Transport &transport) {
  Chunk &chunk = *chunkPlans_[c];
  MicrobatchState &st = state_[c][mb];
  if (!st.backwardInputDone)
    return Status::error("the microbatch's backward-input has not run");
  std::vector<Tensor> tensors;
  for (size_t r : chunk.boundaryInGrad)
    tensors.push_back(st.backwardResults[r]);
  if (Status s =
          checkSent(tensors, chunk.boundaryInGradNames, mb, "gradient of"))
    return s;
  if (Status s = transport.send(
          peer, MessageTag::gradients(mb, chunk.virtualStage - 1), tensors))
    return s;
  release(st.backwardResults, chunk.boundaryInGrad);
  return Status::ok();
}

Status PipelineStage::recvGradients(uint32_t mb, uint32_t c, uint32_t peer,
                                    Transport &transport) {
  Chunk &chunk = *chunkPlans_[c];
  std::vector<Tensor> tensors;
  for (const TensorType &type : chunk.gradTypes) {
    tensors.push_back(Tensor::empty(type, pool_));
    tensors.back().setMemoryKind(MemoryKind::Communication);
  }
  if (Status s = transport.recv(
          peer, MessageTag::gradients(mb, chunk.virtualStage), tensors))
    return s;
  state_[c][mb].receivedGrads = std::move(tensors);
  return Status::ok();
}

Status PipelineStage::backwardWeight(uint32_t mb, uint32_t c) {
  Chunk &chunk = *chunkPlans_[c];
  MicrobatchState &st = state_[c][mb];
  if (!st.backwardInputDone || st.weightDone)
    return Status::error(st.weightDone
                             ? "the microbatch's backward-weight already ran"
                             : "the microbatch's backward-input has not run");
  std::vector<Tensor> args, results;
  for (const Chunk::WArg &arg : chunk.backwardWeightArgs)
    args.push_back(arg.saved ? st.forwardResults[arg.index]
                             : st.backwardResults[arg.index]);
  if (Status s = chunk.backwardWeight.run(ctx_, args, results))
    return s;
  st.weightDone = true;
  args.clear();
  // The microbatch's activations die here; only gradients still to be sent
  // (a fused BW runs before its SB) stay.
  for (Tensor &t : st.forwardResults)
    t = Tensor();
  for (size_t r = 0; r < st.backwardResults.size(); ++r)
    if (std::find(chunk.boundaryInGrad.begin(), chunk.boundaryInGrad.end(),
                  r) == chunk.boundaryInGrad.end())
      st.backwardResults[r] = Tensor();
  // Gradients add up in microbatch order: a W that runs early waits.
  for (size_t r = 0; r < results.size(); ++r) {
    Accumulator &acc = accumulators_[c][chunk.accumulatorOf[r]];
    results[r].setMemoryKind(MemoryKind::Gradients);
    acc.early[mb] = std::move(results[r]);
    for (auto it = acc.early.begin();
         it != acc.early.end() && it->first == acc.next;
         it = acc.early.erase(it), ++acc.next) {
      if (!acc.sum.valid() || acc.sum.numel() == 0) {
        acc.sum = std::move(it->second);
        continue;
      }
      const Tensor *in = &it->second;
      Tensor *out = &acc.sum;
      try {
        accumulate_.at(acc.sum.type().str())(ctx_, &in, &out);
      } catch (const std::exception &e) {
        return Status::error(std::string("gradient accumulation failed: ") +
                             e.what());
      }
    }
  }
  // The accumulation is W's work: its run's event ends after it.
  if (profiler_)
    profiler_->extendLastFunction(ProfileClock::now());
  return Status::ok();
}

Status PipelineStage::finishGradients() {
  if (gradientsFinished_ || !options_.training)
    return Status::ok();
  gradients_.assign(trainable_.size(), Tensor());
  // Every microbatch's W ran; the chunks' sums add up in chunk order.
  for (uint32_t c = 0; c < chunks_; ++c)
    for (Accumulator &acc : accumulators_[c]) {
      if (acc.next != microbatches_)
        return Status::error("the backward-weight of microbatch " +
                             std::to_string(acc.next) + " of chunk " +
                             std::to_string(c) +
                             " never ran: its gradients are missing");
      // The first chunk's sum becomes the gradient (its buffer is the
      // accumulator's, renewed every step); later chunks add to it.
      Tensor &grad = gradients_[acc.trainable];
      if (!grad.valid() || grad.numel() == 0) {
        grad = acc.sum;
        continue;
      }
      const Tensor *in = &acc.sum;
      Tensor *out = &grad;
      accumulate_.at(grad.type().str())(ctx_, &in, &out);
    }
  for (size_t t = 0; t < trainable_.size(); ++t)
    if (!gradients_[t].valid())
      return Status::error("no backward-weight function returns the gradient "
                           "of trainable parameter '" +
                           program_->parameters(int(trainable_[t])).name() +
                           "'");
  gradientsFinished_ = true;
  return Status::ok();
}

Status PipelineStage::reduceTied(uint32_t peer, Transport &transport) {
  if (Status s = finishGradients())
    return s;
  // Every tie this stage shares with `peer`, in manifest order; the lower
  // stage sends first so that blocking sends cannot wait on each other.
  std::vector<Tie *> shared;
  std::vector<Tensor> mine, theirs;
  for (Tie &tie : ties_)
    if (std::find(tie.stages.begin(), tie.stages.end(), peer) !=
        tie.stages.end()) {
      shared.push_back(&tie);
      const Tensor &local = gradients_[tie.trainable];
      mine.push_back(local);
      theirs.push_back(Tensor::empty(local.type(), pool_));
      theirs.back().setMemoryKind(MemoryKind::Communication);
    }
  if (shared.empty())
    return Status::error("stage " + std::to_string(peer) +
                         " holds no tied parameter with this stage");
  MessageTag tag = MessageTag::tiedGradients(0);
  if (stage_ < peer) {
    if (Status s = transport.send(peer, tag, mine))
      return s;
    if (Status s = transport.recv(peer, tag, theirs))
      return s;
  } else {
    if (Status s = transport.recv(peer, tag, theirs))
      return s;
    if (Status s = transport.send(peer, tag, mine))
      return s;
  }
  for (size_t i = 0; i < shared.size(); ++i)
    shared[i]->received[peer] = theirs[i];
  return Status::ok();
}

Status PipelineStage::finishTies(bool required) {
  // Tied parameters: the sum over the stages that hold them, in stage
  // order, so that every copy gets the same bits. Without every peer's
  // gradient (a list with no TR) the local sum stays, unless `required`.
  std::vector<Tensor> reduced(trainable_.size());
  for (Tie &tie : ties_) {
    if (tie.received.empty() && !required)
      continue;
    Tensor sum;
    for (uint32_t s : tie.stages) {
      const Tensor *part = &gradients_[tie.trainable];
      if (s != stage_) {
        auto it = tie.received.find(s);
        if (it == tie.received.end())
          return Status::error(
              "tied parameter '" + tie.name + "': no gradient from stage " +
              std::to_string(s) + " (the action list has no TR with it)");
        part = &it->second;
      }
      if (!sum.valid() || sum.numel() == 0) {
        sum = Tensor::empty(part->type(), pool_);
        sum.setMemoryKind(MemoryKind::Gradients);
        if (Status s = copyTensor(*part, sum, ctx_.stream))
          return s;
        continue;
      }
      Tensor *out = &sum;
      accumulate_.at(sum.type().str())(ctx_, &part, &out);
    }
    reduced[tie.trainable] = sum;
    tie.received.clear();
  }
  for (size_t t = 0; t < trainable_.size(); ++t)
    if (reduced[t].valid() && reduced[t].numel())
      gradients_[t] = reduced[t];
  return Status::ok();
}

Status PipelineStage::optimizerStep() {
  if (Status s = finishGradients())
    return s;
  if (Status s = finishTies(/*required=*/true))
    return s;
  ProfileClock::time_point start;
  if (profiler_)
    start = ProfileClock::now();
  if (Status s = optimizer_->step(ctx_, gradients_))
    return s;
  if (profiler_)
    profiler_->optimizerDone(start, ProfileClock::now());
  return Status::ok();
}
