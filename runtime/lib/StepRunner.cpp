//===- StepRunner.cpp - Forward and backward passes over a batch ----------===//
//
// Routes the ports of F, B and W into each other per microbatch, slices the
// batch along axis 0 (views, no copies), accumulates gradients and labels
// what the stage holds for its memory accounting.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/StepRunner.h"

#include <cstring>
#include <exception>

using namespace pp::rt;

/// The index of the function of `prog` with `role` in chunk 0; -1 if none.
static int functionIndex(const program::Program &prog,
                         program::FunctionRole role) {
  for (int i = 0; i < prog.functions_size(); ++i)
    if (prog.functions(i).role() == role && prog.functions(i).chunk() == 0)
      return i;
  return -1;
}

Status StepRunner::create(ProgramDirectory &dir, const KernelRegistry &registry,
                          uint64_t seed, bool training,
                          std::unique_ptr<StepRunner> &out, Backend backend) {
  if (dir.stages.size() != 1)
    return Status::error(
        dir.manifestPath + ": the program has " +
        std::to_string(dir.stages.size()) +
        " stages; gradient checks run one stage in one process: export it "
        "with num-stages=1");
  StageProgram &stage = dir.stages[0];
  const program::Program &prog = stage.program;
  for (const program::Function &fn : prog.functions())
    if (fn.chunk() != 0)
      return Status::error(stage.programPath + ": function '" + fn.name() +
                           "' belongs to chunk " + std::to_string(fn.chunk()) +
                           "; gradient checks run one chunk: export it with "
                           "num-stages=1 and a one-chunk schedule");
  if (training && dir.manifest.loss().empty())
    return Status::error(dir.manifestPath +
                         ": the program was exported without a loss, so it "
                         "can only run inference (--infer)");

  std::unique_ptr<StepRunner> runner(new StepRunner(dir, backend));
  runner->training_ = training;
  runner->ctx_.seed = seed;
  for (const Tensor &p : stage.parameters)
    runner->parameterBytes_ += int64_t(p.bytes());
  runner->pool_.addExternal(MemoryKind::Parameters, runner->parameterBytes_);
  auto prepare = [&](program::FunctionRole role, FunctionExecutor &ex) {
    int index = functionIndex(prog, role);
    if (index < 0) // the verifier guarantees F, and B and W with a loss
      return Status::error(stage.programPath + ": no " +
                           functionRoleName(role) + " function");
    return FunctionExecutor::prepare(prog, uint32_t(index), stage.parameters,
                                     registry, backend, stage.programPath, ex);
  };
  if (Status s = prepare(program::FORWARD, runner->forward_))
    return s;
  if (training) {
    if (Status s = prepare(program::BACKWARD_INPUT, runner->backwardInput_))
      return s;
    if (Status s = prepare(program::BACKWARD_WEIGHT, runner->backwardWeight_))
      return s;
  }
  runner->lossResult_ = runner->forward_.findResult(program::OUTPUT, "loss");
  std::map<std::string, size_t> slotOf; // parameter name -> trainable index
  for (int i = 0; i < prog.parameters_size(); ++i)
    if (prog.parameters(i).trainable()) {
      slotOf[prog.parameters(i).name()] = runner->trainable_.size();
      runner->trainable_.push_back(size_t(i));
    }
  if (training) {
    // The verifier matched every key; resolve them once.
    runner->backwardInputSources_ =
        runner->routeArguments(runner->backwardInput_);
    runner->backwardWeightSources_ =
        runner->routeArguments(runner->backwardWeight_);
    KernelFactory accumulate = registry.lookup("pp.accumulate", backend);
    if (!accumulate && !runner->backwardWeight_.results().empty())
      return Status::error(std::string("no ") + backendName(backend) +
                           " kernel for pp.accumulate (gradient "
                           "accumulation)");
    for (const PortInfo &port : runner->backwardWeight_.results()) {
      runner->gradientSlots_.push_back(slotOf.at(port.key));
      KernelSpec spec;
      spec.op = "pp.accumulate";
      spec.location = "gradient of '" + port.key + "'";
      spec.attrs.setContext(spec.op + " at " + spec.location);
      spec.inputs = {port.type};
      spec.outputs = {port.type};
      KernelFn fn;
      if (Status s = accumulate(spec, fn))
        return Status::error(stage.programPath + ": " + s.message());
      runner->accumulate_.push_back(std::move(fn));
    }
  }
  out = std::move(runner);
  return Status::ok();
}

StepRunner::~StepRunner() {
  pool_.removeExternal(MemoryKind::Parameters, parameterBytes_);
}

std::vector<StepRunner::Source>
StepRunner::routeArguments(const FunctionExecutor &ex) const {
  std::vector<Source> sources;
  for (const PortInfo &port : ex.arguments()) {
    switch (port.role) {
    case program::SAVED:
      sources.push_back(
          {Source::ForwardResult,
           size_t(forward_.findResult(program::SAVED, port.key))});
      break;
    case program::COTANGENT:
      sources.push_back(
          {Source::BackwardInputResult,
           size_t(backwardInput_.findResult(program::COTANGENT, port.key))});
      break;
    default: // output_grad: 1/m for the loss, zero for any other output
      sources.push_back(
          {port.key == "loss" ? Source::LossSeed : Source::ZeroSeed});
      break;
    }
  }
  return sources;
}

int64_t StepRunner::batchSize() const {
  for (const program::ManifestTensor &t : dir_.manifest.inputs())
    if (t.type().shape_size() > 0)
      return t.type().shape(0);
  return 1;
}

DType StepRunner::lossType() const {
  return lossResult_ < 0 ? DType::F32
                         : forward_.results()[size_t(lossResult_)].type.dtype;
}

Status StepRunner::checkBatch(const Batch &batch) const {
  for (const program::ManifestTensor &t : dir_.manifest.inputs()) {
    auto it = batch.find(t.name());
    if (it == batch.end())
      return Status::error("no data for input '" + t.name() + "'");
    TensorType expected;
    (void)convertType(t.type(), expected, ""); // checked by the loader
    if (it->second.type() != expected || !it->second.valid())
      return Status::error("input '" + t.name() + "': expected " +
                           expected.str() + ", found " +
                           it->second.type().str());
  }
  for (const auto &entry : batch) {
    bool known = false;
    for (const program::ManifestTensor &t : dir_.manifest.inputs())
      known |= t.name() == entry.first;
    if (!known)
      return Status::error("data tensor '" + entry.first +
                           "' is not an input of the program");
  }
  return Status::ok();
}

std::vector<Tensor> StepRunner::forwardArguments(const Batch &batch,
                                                 uint32_t index) const {
  uint32_t m = microbatches();
  std::vector<Tensor> args;
  for (const PortInfo &port : forward_.arguments()) {
    const Tensor &whole = batch.at(port.key);
    if (m == 1) {
      args.push_back(whole);
      continue;
    }
    int64_t rows = whole.dim(0) / m;
    args.push_back(whole.slice(int64_t(index) * rows, rows));
  }
  return args;
}

/// The value of a 0-d f32 or f64 tensor.
static double scalarValue(const Tensor &t) {
  return t.dtype() == DType::F64 ? *t.data<double>() : double(*t.data<float>());
}

Status StepRunner::runForward(const Batch &batch, uint32_t index,
                              std::vector<Tensor> &results, double *loss) {
  // B and W of the microbatch follow its F, in its context.
  ctx_.microbatch = int32_t(index);
  if (profiler_)
    profiler_->setMicrobatch(int32_t(index));
  if (Status s = forward_.run(ctx_, forwardArguments(batch, index), results))
    return s;
  // What the microbatch holds until its B and W.
  for (size_t r = 0; r < results.size(); ++r)
    if (forward_.results()[r].role == program::SAVED)
      results[r].setMemoryKind(MemoryKind::Activations);
  if (loss)
    *loss = scalarValue(results[size_t(lossResult_)]);
  return Status::ok();
}

/// Copies microbatch `index` of `m` into rows of the whole-batch `whole`,
/// allocating it from `pool` on the first microbatch.
static void placeRows(Tensor &whole, const Tensor &part, uint32_t index,
                      uint32_t m, BufferPool &pool) {
  if (m == 1) {
    whole = part;
    return;
  }
  if (index == 0) {
    TensorType type = part.type();
    type.shape[0] *= m;
    whole = Tensor::empty(type, pool);
  }
  std::memcpy(static_cast<char *>(whole.raw()) + size_t(index) * part.bytes(),
              part.raw(), part.bytes());
}

Status StepRunner::forwardBackward(const Batch &batch, double &loss,
                                   Gradients &grads, bool inputGradients) {
  if (!training_)
    return Status::error("the step runner was prepared for inference only");
  uint32_t m = microbatches();
  grads.parameters.assign(trainable_.size(), Tensor());
  grads.inputs.clear();
  double sum = 0;
  std::vector<Tensor> fwd, bwdIn, bwdW, args;
  // The arguments of B or W for the current microbatch.
  auto gather =
      [&](const FunctionExecutor &ex,
          const std::vector<Source> &sources) -> const std::vector<Tensor> & {
    args.clear();
    for (size_t a = 0; a < sources.size(); ++a) {
      const Source &source = sources[a];
      if (source.kind == Source::ForwardResult) {
        args.push_back(fwd[source.index]);
      } else if (source.kind == Source::BackwardInputResult) {
        args.push_back(bwdIn[source.index]);
      } else {
        Tensor seed = Tensor::zeros(ex.arguments()[a].type, pool_);
        if (source.kind == Source::LossSeed) {
          if (seed.dtype() == DType::F64)
            *seed.data<double>() = 1.0 / m;
          else
            *seed.data<float>() = float(1.0 / m);
        }
        args.push_back(seed);
      }
    }
    return args;
  };
  // Forward results W reads; the others (saved values only B reads, the
  // outputs) are released before W runs.
  std::vector<bool> readByW(forward_.results().size(), false);
  for (const Source &source : backwardWeightSources_)
    if (source.kind == Source::ForwardResult)
      readByW[source.index] = true;
  for (uint32_t i = 0; i < m; ++i) {
    double microLoss = 0;
    if (Status s = runForward(batch, i, fwd, &microLoss))
      return s;
    sum += microLoss;

    if (Status s = backwardInput_.run(
            ctx_, gather(backwardInput_, backwardInputSources_), bwdIn))
      return s;
    for (size_t r = 0; r < bwdIn.size(); ++r) {
      const PortInfo &port = backwardInput_.results()[r];
      if (port.role == program::COTANGENT) { // held until W
        bwdIn[r].setMemoryKind(MemoryKind::Activations);
      } else if (port.role == program::INPUT_GRAD && inputGradients) {
        Tensor &whole = grads.inputs[port.key];
        placeRows(whole, bwdIn[r], i, m, pool_);
        whole.setMemoryKind(MemoryKind::Gradients);
      }
    }
    args.clear();
    for (size_t r = 0; r < fwd.size(); ++r)
      if (!readByW[r])
        fwd[r] = Tensor();

    if (Status s = backwardWeight_.run(
            ctx_, gather(backwardWeight_, backwardWeightSources_), bwdW))
      return s;
    for (size_t r = 0; r < bwdW.size(); ++r)
      if (Status s =
              accumulate(r, grads.parameters[gradientSlots_[r]], bwdW[r]))
        return s;
    // Saved values and cotangents die with their microbatch.
    fwd.clear();
    bwdIn.clear();
    bwdW.clear();
    args.clear();
  }
  loss = sum / m;
  return Status::ok();
}

Status StepRunner::forwardLoss(const Batch &batch, double &loss) {
  if (lossResult_ < 0)
    return Status::error("the program has no loss");
  double sum = 0;
  std::vector<Tensor> results;
  for (uint32_t i = 0; i < microbatches(); ++i) {
    double microLoss = 0;
    if (Status s = runForward(batch, i, results, &microLoss))
      return s;
    sum += microLoss;
  }
  loss = sum / microbatches();
  return Status::ok();
}

Status StepRunner::infer(const Batch &batch,
                         std::map<std::string, Tensor> &outputs) {
  uint32_t m = microbatches();
  outputs.clear();
  std::vector<Tensor> results;
  for (uint32_t i = 0; i < m; ++i) {
    if (Status s = runForward(batch, i, results, nullptr))
      return s;
    for (size_t r = 0; r < results.size(); ++r) {
      const PortInfo &port = forward_.results()[r];
      if (port.role != program::OUTPUT)
        continue;
      Tensor &whole = outputs[port.key];
      if (m == 1 || port.type.shape.size() >= 1) {
        placeRows(whole, results[r], i, m, pool_);
        continue;
      }
      if (port.type.dtype != DType::F32 && port.type.dtype != DType::F64)
        return Status::error("output '" + port.key + "' is " + port.type.str() +
                             ": a 0-d output of " + std::to_string(m) +
                             " microbatches must be f32 or f64 (averaged)");
      // 0-d float outputs (the loss) are averaged over the microbatches.
      Tensor part = results[r];
      if (i == 0)
        whole = Tensor::zeros(port.type, pool_);
      if (port.type.dtype == DType::F64)
        *whole.data<double>() += *part.data<double>() / m;
      else
        *whole.data<float>() += *part.data<float>() / float(m);
    }
  }
  return Status::ok();
}

void StepRunner::setProfiler(Profiler *profiler) {
  profiler_ = profiler;
  forward_.setProfiler(profiler);
  if (training_) {
    backwardInput_.setProfiler(profiler);
    backwardWeight_.setProfiler(profiler);
  }
}

Status StepRunner::accumulate(size_t result, Tensor &acc, const Tensor &grad) {
  if (!acc.valid()) {
    // The first microbatch's gradient becomes the accumulator: results of a
    // run own their memory and alias nothing.
    acc = grad;
    acc.setMemoryKind(MemoryKind::Gradients);
    return Status::ok();
  }
  const Tensor *in = &grad;
  Tensor *out = &acc;
  try {
    accumulate_[result](ctx_, &in, &out);
  } catch (const std::exception &e) {
    return Status::error(std::string("accumulating the gradient of '") +
                         backwardWeight_.results()[result].key +
                         "' failed: " + e.what());
  }
  return Status::ok();
}
