//===- Trainer.h - One training step: F, B, W, optimizer --------*- C++ -*-===//
//
// A training step runs F, B and W over every microbatch of the batch
// (StepRunner), refuses a loss that is not finite, and then updates every
// trainable parameter in place with the accumulated gradients (Optimizer).
// BatchNorm's running statistics, `state` parameters, are updated by their
// kernels during F.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TRAINER_H
#define PP_RUNTIME_TRAINER_H

#include "pp/Runtime/Optimizer.h"
#include "pp/Runtime/StepRunner.h"

#include <memory>

namespace pp::rt {

class Trainer {
public:
  /// An optimizer over the trainable parameters of `runner`, which must
  /// have been prepared for training and must outlive the trainer; its
  /// update kernels come from `registry`, for the runner's backend.
  static Status create(StepRunner &runner, const KernelRegistry &registry,
                       const OptimizerOptions &options,
                       std::unique_ptr<Trainer> &out);

  /// One step on `batch`, step number `steps() + 1` of the runner's random
  /// key: `loss` is its mean loss. A NaN or infinite loss is an error
  /// ("step N: loss is nan") and leaves the parameters as they were.
  Status step(const Batch &batch, double &loss);

  /// The gradients of the last step (before its update).
  const Gradients &gradients() const { return gradients_; }
  int64_t steps() const { return steps_; }

private:
  explicit Trainer(StepRunner &runner) : runner_(runner) {}

  StepRunner &runner_;
  std::unique_ptr<Optimizer> optimizer_;
  Gradients gradients_;
  int64_t steps_ = 0;
};

} // namespace pp::rt

#endif // PP_RUNTIME_TRAINER_H
