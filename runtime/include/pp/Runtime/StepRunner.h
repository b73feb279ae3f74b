//===- StepRunner.h - Forward and backward passes over a batch --*- C++ -*-===//
//
// A `StepRunner` holds the prepared forward (F), backward-input (B) and
// backward-weight (W) functions of a one-stage program and runs them over a
// batch cut into the manifest's microbatches along axis 0:
//
//  - per microbatch F, then B with the loss's output_grad seeded with 1/m
//    (other float outputs' gradients are zero), then W; saved values and
//    cotangents die with their microbatch;
//  - parameter gradients are summed over the microbatches (with the
//    backend's `pp.accumulate` kernel), so they are the gradients of the
//    mean of the microbatch losses, which is the loss that is reported.
//
// The runner is one stage: it owns the stage's buffer pool and kernel
// context. Every run sets the context's microbatch (and the trainer its
// step), so random kernels draw the same numbers whenever F of a microbatch
// of a step runs again. The pool counts what the stage holds: kernel outputs
// in flight as workspace, saved values and cotangents between F, B and W as
// activations, the gradient accumulators as gradients, the mapped
// parameters as (external) parameters, and the optimizer's state.
//
// The trainer adds the optimizer; the gradient check perturbs inputs and
// parameters and reruns F.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_STEPRUNNER_H
#define PP_RUNTIME_STEPRUNNER_H

#include "pp/Runtime/Batch.h"
#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Executor.h"
#include "pp/Runtime/Program.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pp::rt {

struct Gradients {
  /// One per trainable parameter, in the order of `trainableParameters()`.
  std::vector<Tensor> parameters;
  /// Whole-batch gradients of the float data inputs (input_grad ports), by
  /// input name; filled only when asked for.
  std::map<std::string, Tensor> inputs;
};

class StepRunner {
public:
  /// Prepares the functions of `dir`, which must have one stage, with
  /// `backend`'s kernels; `seed` (pp-run --seed) is the context's. With
  /// `training`, the program must have a loss and B and W functions;
  /// without, only F is prepared. `dir` must outlive the runner.
  static Status create(ProgramDirectory &dir, const KernelRegistry &registry,
                       uint64_t seed, bool training,
                       std::unique_ptr<StepRunner> &out,
                       Backend backend = Backend::CPU);
  ~StepRunner();

  /// Checks that `batch` has exactly the manifest's inputs, with their
  /// types.
  Status checkBatch(const Batch &batch) const;

  /// F, B and W over every microbatch: the mean loss and the summed
  /// gradients (and the input gradients with `inputGradients`).
  Status forwardBackward(const Batch &batch, double &loss, Gradients &grads,
                         bool inputGradients = false);

  /// F only, over every microbatch: the mean loss.
  Status forwardLoss(const Batch &batch, double &loss);

  /// F only, over every microbatch: every forward output by key, whole-batch
  /// (microbatch results stacked along axis 0; a 0-d float output such as the
  /// loss is the mean of the microbatches').
  Status infer(const Batch &batch, std::map<std::string, Tensor> &outputs);

  /// The training step the following runs belong to (from 1; the trainer
  /// sets it): part of the random key.
  void setStep(int64_t step) { ctx_.step = step; }

  /// The stage's kernel context (its seed, step, BLAS threads) and pool.
  KernelContext &context() { return ctx_; }
  BufferPool &pool() { return pool_; }
  /// What the stage's memory holds now and held at most, by kind.
  MemoryStats memoryStats() const { return pool_.stats(); }

  /// Times every function run and kernel into `profiler` (null: stop), with
  /// the microbatch being run as their context; the trainer adds steps and
  /// the optimizer. The profiler must outlive the runs.
  void setProfiler(Profiler *profiler);
  Profiler *profiler() const { return profiler_; }

  const ProgramDirectory &directory() const { return dir_; }
  const program::Manifest &manifest() const { return dir_.manifest; }
  const program::Program &program() const { return dir_.stages[0].program; }
  /// The storage of every parameter of the program (updated in place).
  const std::vector<Tensor> &parameters() const {
    return dir_.stages[0].parameters;
  }
  /// Indices into `parameters()` of the trainable ones.
  const std::vector<size_t> &trainableParameters() const { return trainable_; }
  uint32_t microbatches() const { return dir_.manifest.microbatches(); }
  /// Samples per step: axis 0 of the first manifest input of rank >= 1
  /// (1 when there is none).
  int64_t batchSize() const;
  /// The element type of the loss; F32 when the program has no loss.
  DType lossType() const;
  /// The forward function (its ports describe the data inputs).
  const FunctionExecutor &forward() const { return forward_; }

private:
  explicit StepRunner(ProgramDirectory &dir, Backend backend)
      : dir_(dir), ctx_(pool_, backend) {}

  /// Microbatch `index` of every input F reads.
  std::vector<Tensor> forwardArguments(const Batch &batch,
                                       uint32_t index) const;
  Status runForward(const Batch &batch, uint32_t index,
                    std::vector<Tensor> &results, double *loss);
  /// Adds W result `result` to its accumulator `acc` (or makes it the
  /// accumulator, on the first microbatch).
  Status accumulate(size_t result, Tensor &acc, const Tensor &grad);

  /// Where an argument of B or W comes from, resolved once by key.
  struct Source {
    enum Kind { ForwardResult, BackwardInputResult, LossSeed, ZeroSeed };
    Kind kind;
    size_t index = 0; // the result's index for the first two kinds
  };
  /// The sources of `ex`'s arguments.
  std::vector<Source> routeArguments(const FunctionExecutor &ex) const;

  ProgramDirectory &dir_;
  BufferPool pool_;
  KernelContext ctx_;
  /// The parameters' bytes, counted in the pool as external.
  int64_t parameterBytes_ = 0;
  FunctionExecutor forward_, backwardInput_, backwardWeight_;
  bool training_ = false;
  Profiler *profiler_ = nullptr;
  int lossResult_ = -1;
  std::vector<size_t> trainable_;
  std::vector<Source> backwardInputSources_, backwardWeightSources_;
  /// For each W result, its position in `trainable_`, and the kernel that
  /// adds it to the accumulated gradient.
  std::vector<size_t> gradientSlots_;
  std::vector<KernelFn> accumulate_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_STEPRUNNER_H
