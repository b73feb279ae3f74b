//===- PipelineStage.h - One pipeline stage and its action list -*- C++ -*-===//
//
// A `PipelineStage` is one stage of an exported pipeline, an instance with
// everything it mutates of its own: the prepared F, B and W functions of its
// chunks, a buffer pool with memory accounting, a kernel context (scratch,
// random key, BLAS threads), its gradient accumulators and optimizer, and
// optionally a profiler. Stages share nothing mutable but the transport, so
// p of them run as threads of one process or as p MPI processes alike.
//
// A step executes the stage's action list exactly as the compiler verified
// it (docs/Runtime.md, "Pipelined execution"):
//  - F runs a chunk's forward on one microbatch: data inputs are rows of the
//    batch, boundary inputs come from the receive of the previous virtual
//    stage (or, when that virtual stage is on this stage, from its forward);
//    the loss of the last virtual stage is checked to be finite at once.
//  - B and W run the backward functions; the loss is seeded with 1/m, the
//    boundary outputs' gradients come from the next virtual stage. Weight
//    gradients accumulate per chunk in microbatch order, whatever order the
//    schedule runs W in, so gradients are bit-identical across schedules.
//  - SEND/RECV move a boundary's tensors, in the manifest channel's order,
//    through the transport; sent float tensors are checked for NaN.
//  - REDUCE_TIED exchanges the local gradients of tied parameters with one
//    peer; the sum over the stages that hold the parameter is taken in
//    stage order, so every copy of a tied weight gets the same bits.
//  - OPTIMIZER_STEP updates the trainable parameters.
//
// An action that fails returns an error naming the stage, the action (in the
// schedule's text form, F3, SB2.1<0, ...) and what went wrong; the caller
// aborts the transport so that no other stage waits for it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PIPELINESTAGE_H
#define PP_RUNTIME_PIPELINESTAGE_H

#include "pp/Runtime/Batch.h"
#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Device.h"
#include "pp/Runtime/Executor.h"
#include "pp/Runtime/Optimizer.h"
#include "pp/Runtime/Program.h"
#include "pp/Runtime/Transport.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pp::rt {

/// A fault a test injects: when `stage` runs the action whose text form is
/// `action` (F3, SF0>1, B2.1, ...), `kind` happens. pp-run --inject-fault.
struct InjectedFault {
  enum class Kind { None, NaN, Error, Kill };
  Kind kind = Kind::None;
  int stage = -1;
  std::string action;
};

struct StageOptions {
  uint64_t seed = 0; ///< pp-run --seed: the random key's seed
  Backend backend = Backend::CPU;
  /// Where the stage's buffers live and its kernels queue (Device.h); null:
  /// the host. A device stage keeps its parameters in device memory
  /// (syncParameters brings them back) and uploads each microbatch's input
  /// rows before its forward.
  Device *device = nullptr;
  /// Float32 matrix products may use TF32 tensor cores (CUDA).
  bool allowTF32 = false;
  bool training = true; ///< false: F, SF and RF only (inference)
  int blasThreads = 1;
  bool checkNaN = true; ///< sent float tensors must hold no NaN
  /// Fail at the first op that makes a NaN or infinity (KernelContext).
  bool detectAnomaly = false;
  /// Fuse chains of elementwise ops into one kernel each where the backend
  /// can (the CUDA backend; FunctionExecutor's ExecutorOptions): the same
  /// bits, fewer launches and no memory for the intermediates. pp-run sets
  /// it for the CUDA backends unless a run times or checks each op.
  bool fuseElementwise = false;
  /// Run the kernels with subnormal floats flushed to zero
  /// (FloatEnvironment.h).
  bool flushDenormals = true;
  OptimizerOptions optimizer;
  InjectedFault fault;
};

class PipelineStage {
public:
  /// Prepares stage `stage` of `dir` (loaded and verified) for `options`.
  /// `dir` must outlive the stage; the stage updates its parameters in
  /// place.
  static Status create(const ProgramDirectory &dir, uint32_t stage,
                       const KernelRegistry &registry,
                       const StageOptions &options,
                       std::unique_ptr<PipelineStage> &out);
  ~PipelineStage();

  /// One training step (from 1): the whole action list. `batch` holds at
  /// least the inputs() of this stage. `lossSum` is the sum of the
  /// microbatch losses this stage computed (0 on the others).
  Status trainStep(int64_t step, const Batch &batch, Transport &transport,
                   double &lossSum);

  /// The forward pass alone (F, SF and RF actions): the model outputs this
  /// stage returns, whole-batch (microbatch results stacked along axis 0; a
  /// 0-d float output, the loss, averaged).
  Status infer(const Batch &batch, Transport &transport,
               std::map<std::string, Tensor> &outputs);

  uint32_t stage() const { return stage_; }
  /// Whether this stage computes the loss (holds the last virtual stage).
  bool holdsLoss() const;
  DType lossType() const;
  /// The manifest inputs this stage's forward functions read.
  const std::vector<std::string> &inputs() const { return inputs_; }
  const program::Program &program() const { return *program_; }
  /// The storage of every parameter of the program: the directory's host
  /// tensors, or on a device stage their device copies.
  const std::vector<Tensor> &parameters() const { return *parameters_; }
  /// Copies a device stage's parameters (weights and state such as
  /// BatchNorm's running statistics) back into the directory's host
  /// tensors; nothing to do on the host.
  Status syncParameters();
  /// The queue the stage's work is ordered on (null on the host): what
  /// copies of its tensors must be ordered on (Device.h).
  void *queue() const { return ctx_.stream; }
  /// Indices into parameters() of the trainable ones.
  const std::vector<size_t> &trainable() const { return trainable_; }
  /// After a training step: the gradient of every trainable parameter (in
  /// the order of trainable()), summed over microbatches, chunks and, for
  /// tied parameters, the stages that hold them. In the stage's memory
  /// space (toHost(gradient, queue()) for a host copy).
  const std::vector<Tensor> &gradients() const { return gradients_; }

  MemoryStats memoryStats() const { return pool_.stats(); }
  /// Times every action, function and kernel into `profiler` (null: stop).
  void setProfiler(Profiler *profiler);

  struct Chunk;
  struct MicrobatchState;

private:
  PipelineStage(const ProgramDirectory &dir, uint32_t stage,
                const StageOptions &options);
  Status prepare(const KernelRegistry &registry);
  Status prepareChunk(const KernelRegistry &registry, uint32_t chunk);
  Status prepareTies();

  /// Runs action `index` of the list.
  Status run(int index, const Batch &batch, Transport &transport,
             double &lossSum);
  /// `status` of action `index`, prefixed with the stage and the action.
  Status actionError(int index, const Status &status) const;
  Status forward(uint32_t mb, uint32_t chunk, const Batch &batch,
                 double &lossSum, bool poison);
  Status backwardInput(uint32_t mb, uint32_t chunk);
  Status backwardWeight(uint32_t mb, uint32_t chunk);
  Status sendActivations(uint32_t mb, uint32_t chunk, uint32_t peer,
                         Transport &transport);
  Status recvActivations(uint32_t mb, uint32_t chunk, uint32_t peer,
                         Transport &transport);
  Status sendGradients(uint32_t mb, uint32_t chunk, uint32_t peer,
                       Transport &transport);
  Status recvGradients(uint32_t mb, uint32_t chunk, uint32_t peer,
                       Transport &transport);
  Status reduceTied(uint32_t peer, Transport &transport);
  Status optimizerStep();
  Status finishGradients();
  Status finishTies(bool required);
  Status checkSent(const std::vector<Tensor> &tensors,
                   const std::vector<std::string> &names, uint32_t mb,
                   const char *what) const;
  Status inject(const program::Action &action);
  void resetStep();

  const ProgramDirectory &dir_;
  const program::Program *program_;
  const std::vector<Tensor> *parameters_;
  uint32_t stage_;
  StageOptions options_;
  uint32_t microbatches_, chunks_, numVirtual_;
  BufferPool pool_;
  KernelContext ctx_;
  int64_t parameterBytes_ = 0;
  /// A device stage's copies of the parameters (parameters_ points here).
  std::vector<Tensor> deviceParameters_;
  /// A device tensor of `type` holding `value` in every element (the loss
  /// seed), or an upload of host rows; ordered on the stage's queue.
  Status upload(const Tensor &host, Tensor &out);
  Profiler *profiler_ = nullptr;
  /// Per action: what the stage is doing then ("stage 1: RF3<0, receiving
  /// activations of microbatch 3 from stage 0"), for the transport.
  std::vector<std::string> activities_;

  std::vector<std::unique_ptr<Chunk>> chunkPlans_;
  std::vector<std::string> inputs_;
  std::vector<size_t> trainable_;
  std::unique_ptr<Optimizer> optimizer_;
  /// pp.accumulate (acc += x) prepared for each gradient type, by str().
  std::map<std::string, KernelFn> accumulate_;

  /// Per chunk, per microbatch: what a step holds between actions.
  std::vector<std::vector<MicrobatchState>> state_;
  /// Per chunk and trainable parameter (index into trainable_) that the
  /// chunk's W returns: the running sum and the next microbatch to add.
  struct Accumulator {
    size_t trainable;
    Tensor sum;
    uint32_t next = 0;
    std::map<uint32_t, Tensor> early; ///< W results ahead of `next`
  };
  std::vector<std::vector<Accumulator>> accumulators_;
  std::vector<Tensor> gradients_;
  bool gradientsFinished_ = false;

  /// Tied parameters this stage holds: the trainable index, the stages that
  /// hold it (ascending) and the gradients received from each this step.
  struct Tie {
    size_t trainable;
    std::string name;
    std::vector<uint32_t> stages;
    std::map<uint32_t, Tensor> received;
  };
  std::vector<Tie> ties_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_PIPELINESTAGE_H
