//===- SoftmaxPlan.cpp - Preparation of softmax and its gradients ---------===//
//
// The checks and layout of the softmax ops that the CPU and CUDA backends
// share (SoftmaxPlan.h).
//
//===----------------------------------------------------------------------===//

#include "SoftmaxPlan.h"

#include "../cpu/KernelChecks.h"

using namespace pp::rt;
using namespace pp::rt::kernels;

Status kernels::planSoftmax(const KernelSpec &spec, bool grad,
                            cpu::AxisLayout &l) {
  if (Status s = cpu::checkArity(spec, grad ? 2 : 1, 1))
    return s;
  if (grad)
    if (Status s = cpu::checkType(spec, "y", spec.inputs[1], spec.inputs[0]))
      return s;
  if (Status s =
          cpu::checkType(spec, "result", spec.outputs[0], spec.inputs[0]))
    return s;
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s =
          cpu::checkAxis(spec, axis, int64_t(spec.inputs[0].shape.size())))
    return s;
  l = cpu::layoutAround(spec.inputs[0].shape, axis);
  return Status::ok();
}
