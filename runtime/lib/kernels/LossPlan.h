//===- LossPlan.h - Preparation of the cross-entropy loss -------*- C++ -*-===//
//
// What the CPU and CUDA backends' softmax_cross_entropy factories (and the
// gradient's) compute alike before they build their closures: the arity,
// shape and type checks with their messages, `ignore_index`, and the
// logits seen as positions x classes. The plan is a plain value that the
// CUDA backend's kernels take as it is (its one member function is
// constexpr, which nvcc's --expt-relaxed-constexpr lets device code call).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_LOSSPLAN_H
#define PP_RUNTIME_KERNELS_LOSSPLAN_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>

namespace pp::rt::kernels {

/// What both kernels know once prepared.
struct LossPlan {
  int64_t positions = 0; // rows of logits
  int64_t classes = 0;   // the last axis
  bool hasIgnore = false;
  int64_t ignoreIndex = 0;

  /// Whether a position with this label passes no loss.
  constexpr bool ignored(int64_t label) const {
    return hasIgnore && label == ignoreIndex;
  }
};

/// softmax_cross_entropy (logits, labels) -> loss: checks and plans it.
Status planCrossEntropy(const KernelSpec &spec, LossPlan &p);

/// softmax_cross_entropy_grad (dloss, logits, labels) -> dlogits.
Status planCrossEntropyGrad(const KernelSpec &spec, LossPlan &p);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_LOSSPLAN_H
