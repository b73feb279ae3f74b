//===- PipelineStage.cpp - Preparing one pipeline stage -------------------===//
//
// Prepares a stage: the F, B and W executors of each chunk, where each of
// their arguments comes from and where each result goes (resolved once, by
// port role and key), the gradient accumulators, the tied parameters and the
// optimizer. PipelineStageActions.cpp executes the action list.
//
//===----------------------------------------------------------------------===//

#include "PipelineStageImpl.h"

#include <algorithm>

using namespace pp::rt;

PipelineStage::PipelineStage(const ProgramDirectory &dir, uint32_t stage,
                             const StageOptions &options)
    : dir_(dir), program_(&dir.stages[stage].program),
      parameters_(&dir.stages[stage].parameters), stage_(stage),
      options_(options), microbatches_(dir.manifest.microbatches()),
      chunks_(chunksPerStage(dir.manifest)),
      numVirtual_(numVirtualStages(dir.manifest)),
      pool_(options.device ? *options.device : hostDevice()),
      ctx_(pool_, options.backend) {
  ctx_.seed = options.seed;
  ctx_.blasThreads = options.blasThreads;
  ctx_.detectAnomaly = options.detectAnomaly;
  ctx_.allowTF32 = options.allowTF32;
}

PipelineStage::~PipelineStage() {
  pool_.removeExternal(MemoryKind::Parameters, parameterBytes_);
  // Work still queued reads the stage's buffers: let it finish first.
  pool_.device().releaseQueue(ctx_);
}

Status PipelineStage::upload(const Tensor &host, Tensor &out) {
  return copyToPool(host, pool_, out, ctx_.stream);
}

Status PipelineStage::syncParameters() {
  if (deviceParameters_.empty())
    return Status::ok();
  const std::vector<Tensor> &host = dir_.stages[stage_].parameters;
  for (size_t i = 0; i < host.size(); ++i)
    if (Status s = copyTensor(deviceParameters_[i], host[i], ctx_.stream))
      return Status::error("stage " + std::to_string(stage_) +
                           ": copying parameter '" +
                           program_->parameters(int(i)).name() +
                           "' back from the device: " + s.message());
  return Status::ok();
}

Status PipelineStage::create(const ProgramDirectory &dir, uint32_t stage,
                             const KernelRegistry &registry,
                             const StageOptions &options,
                             std::unique_ptr<PipelineStage> &out) {
  if (stage >= dir.stages.size())
    return Status::error(dir.manifestPath + ": there is no stage " +
                         std::to_string(stage) + " (the program has " +
                         std::to_string(dir.stages.size()) + ")");
  if (options.training && dir.manifest.loss().empty())
    return Status::error(dir.manifestPath +
                         ": the program was exported without a loss, so it "
                         "can only run inference (--infer)");
  std::unique_ptr<PipelineStage> s(new PipelineStage(dir, stage, options));
  if (Status st = s->prepare(registry))
    return st;
  out = std::move(s);
  return Status::ok();
}

bool PipelineStage::holdsLoss() const {
  for (const auto &chunk : chunkPlans_)
    if (chunk->lossResult >= 0)
      return true;
  return false;
}

DType PipelineStage::lossType() const {
  for (const auto &chunk : chunkPlans_)
    if (chunk->lossResult >= 0)
      return chunk->forward.results()[size_t(chunk->lossResult)].type.dtype;
  return DType::F32;
}

/// The index of the function of `prog` with `role` and `chunk`; -1 if none.
static int findFunctionIndex(const program::Program &prog,
                             program::FunctionRole role, uint32_t chunk) {
  for (int i = 0; i < prog.functions_size(); ++i)
    if (prog.functions(i).role() == role && prog.functions(i).chunk() == chunk)
      return i;
  return -1;
}

Status PipelineStage::prepare(const KernelRegistry &registry) {
  if (pool_.space() == MemorySpace::Device) {
    // The stage's queue, then its parameters in device memory, counted by
    // the pool itself.
    if (Status s = pool_.device().createQueue(ctx_))
      return Status::error("stage " + std::to_string(stage_) + " on " +
                           pool_.device().describe() + ": " + s.message());
    for (const Tensor &p : *parameters_) {
      Tensor copy;
      if (Status s = upload(p, copy))
        return Status::error("stage " + std::to_string(stage_) +
                             ": uploading parameters: " + s.message());
      copy.setMemoryKind(MemoryKind::Parameters);
      deviceParameters_.push_back(std::move(copy));
    }
    parameters_ = &deviceParameters_;
  } else {
    for (const Tensor &p : *parameters_)
      parameterBytes_ += int64_t(p.bytes());
    pool_.addExternal(MemoryKind::Parameters, parameterBytes_);
  }
  for (int i = 0; i < program_->parameters_size(); ++i)
    if (program_->parameters(i).trainable())
      trainable_.push_back(size_t(i));
  accumulators_.assign(chunks_, {});
  for (uint32_t c = 0; c < chunks_; ++c)
    if (Status s = prepareChunk(registry, c))
      return s;
  // The neighbours that live on this stage hand tensors over directly.
  for (auto &chunk : chunkPlans_) {
    uint32_t k = chunk->virtualStage;
    if (k > 0) {
      auto [s, c] = locateVirtualStage(dir_.manifest, k - 1);
      if (s == stage_)
        chunk->prevLocalChunk = int(c);
    }
    if (k + 1 < numVirtual_) {
      auto [s, c] = locateVirtualStage(dir_.manifest, k + 1);
      if (s == stage_)
        chunk->nextLocalChunk = int(c);
    }
  }
  if (!options_.training)
    return Status::ok();
  if (Status s = prepareTies())
    return s;
  std::vector<OptimizedParameter> optimized;
  for (size_t index : trainable_)
    optimized.push_back(
        {program_->parameters(int(index)).name(), (*parameters_)[index]});
  if (Status s = Optimizer::create(options_.optimizer, std::move(optimized),
                                   registry, options_.backend, optimizer_))
    return s;
  // One accumulation kernel per gradient type.
  KernelFactory accumulate = registry.lookup("pp.accumulate", options_.backend);
  for (size_t index : trainable_) {
    TensorType type;
    (void)convertType(program_->parameters(int(index)).type(), type, "");
    if (accumulate_.count(type.str()))
      continue;
    if (!accumulate)
      return Status::error(std::string("no ") + backendName(options_.backend) +
                           " kernel for pp.accumulate (gradient accumulation)");
    KernelSpec spec;
    spec.op = "pp.accumulate";
    spec.location = "gradients of " + type.str();
    spec.attrs.setContext(spec.op + " at " + spec.location);
    spec.inputs = {type};
    spec.outputs = {type};
    KernelFn fn;
    if (Status s = accumulate(spec, fn))
      return Status::error(dir_.stages[stage_].programPath + ": " +
                           s.message());
    accumulate_[type.str()] = std::move(fn);
  }
  return Status::ok();
}

Status PipelineStage::prepareChunk(const KernelRegistry &registry, uint32_t c) {
  const StageProgram &sp = dir_.stages[stage_];
  auto chunk = std::make_unique<Chunk>();
  chunk->chunk = c;
  chunk->virtualStage = virtualStageOf(dir_.manifest, stage_, c);
  ExecutorOptions executorOptions;
  executorOptions.fuseElementwise = options_.fuseElementwise;
  auto prepareRole = [&](program::FunctionRole role, FunctionExecutor &ex) {
    int index = findFunctionIndex(*program_, role, c);
    if (index < 0) // the verifier guarantees F, and B and W with a loss
      return Status::error(sp.programPath + ": chunk " + std::to_string(c) +
                           " has no " + functionRoleName(role) + " function");
    return FunctionExecutor::prepare(*program_, uint32_t(index), *parameters_,
                                     registry, options_.backend, sp.programPath,
                                     ex, executorOptions);
  };
  if (Status s = prepareRole(program::FORWARD, chunk->forward))
    return s;
  chunk->hasBackward =
      options_.training &&
      findFunctionIndex(*program_, program::BACKWARD_INPUT, c) >= 0;
  if (chunk->hasBackward) {
    if (Status s = prepareRole(program::BACKWARD_INPUT, chunk->backwardInput))
      return s;
    if (Status s = prepareRole(program::BACKWARD_WEIGHT, chunk->backwardWeight))
      return s;
  }

  // Forward: data inputs and boundary inputs; its loss, outputs and
  // boundary outputs.
  const FunctionExecutor &f = chunk->forward;
  for (const PortInfo &port : f.arguments()) {
    if (port.role == program::BOUNDARY_IN) {
      chunk->forwardArgs.push_back({false, chunk->inTypes.size()});
      chunk->inTypes.push_back(port.type);
      chunk->inNames.push_back(port.key);
      continue;
    }
    chunk->forwardArgs.push_back({true, chunk->dataNames.size()});
    chunk->dataNames.push_back(port.key);
    if (std::find(inputs_.begin(), inputs_.end(), port.key) == inputs_.end())
      inputs_.push_back(port.key);
  }
  for (size_t r = 0; r < f.results().size(); ++r) {
    const PortInfo &port = f.results()[r];
    if (port.role == program::OUTPUT && port.key == "loss" &&
        dir_.manifest.loss().size())
      chunk->lossResult = int(r);
    else if (port.role == program::OUTPUT)
      chunk->outputResults.push_back(r);
    else if (port.role == program::BOUNDARY_OUT) {
      chunk->boundaryOut.push_back(r);
      chunk->boundaryOutNames.push_back(port.key);
    }
  }
  chunk->forwardResultReadByW.assign(f.results().size(), false);

  if (chunk->hasBackward) {
    const FunctionExecutor &b = chunk->backwardInput,
                           &w = chunk->backwardWeight;
    for (const PortInfo &port : b.arguments()) {
      switch (port.role) {
      case program::SAVED:
        chunk->backwardInputArgs.push_back(
            {Chunk::BArg::Saved,
             size_t(f.findResult(program::SAVED, port.key))});
        break;
      case program::BOUNDARY_OUT_GRAD:
        chunk->backwardInputArgs.push_back(
            {Chunk::BArg::Gradient, chunk->gradTypes.size()});
        chunk->gradTypes.push_back(port.type);
        chunk->gradNames.push_back(port.key);
        break;
      default: // output_grad: 1/m for the loss, zero for other outputs
        chunk->backwardInputArgs.push_back(
            {port.key == "loss" ? Chunk::BArg::LossSeed : Chunk::BArg::ZeroSeed,
             0});
        break;
      }
    }
    for (size_t r = 0; r < b.results().size(); ++r)
      if (b.results()[r].role == program::BOUNDARY_IN_GRAD) {
        chunk->boundaryInGrad.push_back(r);
        chunk->boundaryInGradNames.push_back(b.results()[r].key);
      }
    for (const PortInfo &port : w.arguments()) {
      if (port.role == program::SAVED) {
        size_t index = size_t(f.findResult(program::SAVED, port.key));
        chunk->backwardWeightArgs.push_back({true, index});
        chunk->forwardResultReadByW[index] = true;
      } else {
        chunk->backwardWeightArgs.push_back(
            {false, size_t(b.findResult(program::COTANGENT, port.key))});
      }
    }
    for (const PortInfo &port : w.results()) {
      size_t t = 0;
      while (t < trainable_.size() &&
             program_->parameters(int(trainable_[t])).name() != port.key)
        ++t;
      if (t == trainable_.size()) // the verifier matched every key
        return Status::error(sp.programPath + ": gradient '" + port.key +
                             "' names no trainable parameter");
      chunk->accumulatorOf.push_back(accumulators_[c].size());
      accumulators_[c].push_back({t, Tensor(), 0, {}});
    }
  }
  chunkPlans_.push_back(std::move(chunk));
  return Status::ok();
}

Status PipelineStage::prepareTies() {
  for (const program::TiedParameter &tie : dir_.manifest.tied()) {
    if (std::find(tie.stages().begin(), tie.stages().end(), stage_) ==
        tie.stages().end())
      continue;
    size_t t = 0;
    while (t < trainable_.size() &&
           program_->parameters(int(trainable_[t])).name() != tie.name())
      ++t;
    if (t == trainable_.size())
      return Status::error(dir_.manifestPath + ": tied parameter '" +
                           tie.name() + "' is not a trainable parameter of " +
                           dir_.stages[stage_].programPath);
    ties_.push_back(
        {t,
         tie.name(),
         std::vector<uint32_t>(tie.stages().begin(), tie.stages().end()),
         {}});
  }
  return Status::ok();
}

void PipelineStage::setProfiler(Profiler *profiler) {
  profiler_ = profiler;
  for (auto &chunk : chunkPlans_) {
    chunk->forward.setProfiler(profiler);
    if (chunk->hasBackward) {
      chunk->backwardInput.setProfiler(profiler);
      chunk->backwardWeight.setProfiler(profiler);
    }
  }
}
