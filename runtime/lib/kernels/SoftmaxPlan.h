//===- SoftmaxPlan.h - Preparation of softmax and its gradients -*- C++ -*-===//
//
// What the CPU and CUDA backends' softmax factories (softmax, log_softmax
// and their gradients) compute alike before they build their closures:
// the arity and type checks, the `axis` attribute, and the operand seen as
// [outer, n, inner] around it. Host code only, run once per preparation.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_SOFTMAXPLAN_H
#define PP_RUNTIME_KERNELS_SOFTMAXPLAN_H

#include "../cpu/ShapeIndexing.h"
#include "pp/Runtime/Kernel.h"

namespace pp::rt::kernels {

/// Checks softmax or log_softmax (operand x), or with `grad` their gradient
/// (operands dy and the forward result y), reads `axis` and gives the
/// layout around it. The element type is the backends' to dispatch on.
Status planSoftmax(const KernelSpec &spec, bool grad, cpu::AxisLayout &l);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_SOFTMAXPLAN_H
