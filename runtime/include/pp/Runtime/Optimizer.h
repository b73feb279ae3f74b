//===- Optimizer.h - SGD and AdamW as torch.optim computes them -*- C++ -*-===//
//
// The optimizer updates trainable parameters in place from gradients that
// the trainer accumulated over a step's microbatches, with one in-place
// kernel (`pp.sgd_update`, `pp.adamw_update`) for all parameters of one
// element type, prepared through the kernel registry for the stage's
// backend (the CUDA backend fuses it into a few launches). Both algorithms
// follow torch.optim's formulas operation by operation, so that a run of
// pp-run and a PyTorch run of the same model agree to float rounding:
//
//  - SGD (torch.optim.SGD, dampening 0, no Nesterov): g = grad + wd * p;
//    with momentum, buf = g on the first step and buf = momentum * buf + g
//    afterwards, g = buf; then p -= lr * g.
//  - AdamW (torch.optim.AdamW): p *= 1 - lr * wd (decoupled decay);
//    m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g^2;
//    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
//
// State (momentum buffers, moments) has the parameter's element type: f32
// for f32 parameters; f64 parameters (gradient checks) get f64 state. It is
// made, zero, on the first step from the pool of the context that runs it,
// counted as optimizer state.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_OPTIMIZER_H
#define PP_RUNTIME_OPTIMIZER_H

#include "pp/Runtime/Kernel.h"
#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace pp::rt {

enum class OptimizerKind { SGD, AdamW };

/// "sgd" or "adamw"; an error naming the accepted spellings otherwise.
Status parseOptimizerKind(const std::string &text, OptimizerKind &out);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::SGD;
  double lr = 0.01;
  double momentum = 0;    // SGD
  double weightDecay = 0; // SGD: L2 added to the gradient; AdamW: decoupled
  double beta1 = 0.9;     // AdamW
  double beta2 = 0.999;   // AdamW
  double eps = 1e-8;      // AdamW
};

/// A trainable parameter as the optimizer sees it: its storage, updated in
/// place, and its name for messages.
struct OptimizedParameter {
  std::string name;
  Tensor value;
};

class Optimizer {
public:
  /// Checks the hyperparameters (as torch.optim does: lr, momentum, weight
  /// decay and eps not negative, betas in [0, 1)) and that every parameter
  /// is f32 or f64, and prepares the update kernel of every parameter from
  /// `registry` for `backend`.
  static Status create(const OptimizerOptions &options,
                       std::vector<OptimizedParameter> parameters,
                       const KernelRegistry &registry, Backend backend,
                       std::unique_ptr<Optimizer> &out);

  /// One update of every parameter; `grads[i]` has parameter i's type. The
  /// kernels run with `ctx.step` set to this update's number (from 1),
  /// restored afterwards. A kernel that fails (out of memory) is an error
  /// naming the parameter; the parameters after it are not updated.
  Status step(KernelContext &ctx, const std::vector<Tensor> &grads);

  /// How many steps have been taken.
  int64_t steps() const { return steps_; }
  const OptimizerOptions &options() const { return options_; }

private:
  Optimizer(const OptimizerOptions &options,
            std::vector<OptimizedParameter> parameters)
      : options_(options), parameters_(std::move(parameters)) {}

  /// Per element type: one kernel over its parameters (`members`, indices
  /// into parameters_), the tensors it updates (per member the parameter,
  /// then its state) and the gradients it reads.
  struct Update {
    KernelFn fn;
    std::vector<size_t> members;
    std::vector<Tensor> outputs;
    std::vector<Tensor *> outputPtrs;
    std::vector<const Tensor *> inputPtrs;
  };

  /// The number of state tensors per parameter.
  size_t stateCount() const;

  OptimizerOptions options_;
  std::vector<OptimizedParameter> parameters_;
  std::vector<Update> updates_;
  int64_t steps_ = 0;
};

} // namespace pp::rt

#endif // PP_RUNTIME_OPTIMIZER_H
