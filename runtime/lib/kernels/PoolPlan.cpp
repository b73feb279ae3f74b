//===- PoolPlan.cpp - Preparation of the pooling ops ----------------------===//
//
// The checks and windows of PoolPlan.h, shared by the CPU and CUDA
// backends' pooling factories.
//
//===----------------------------------------------------------------------===//

#include "PoolPlan.h"

#include "../cpu/KernelChecks.h"

namespace pp::rt::kernels {
namespace {

/// An error unless `input` is laid out N x C x spatial axes (at least one).
Status checkImageShape(const KernelSpec &spec, const Shape &input) {
  if (input.size() < 3)
    return spec.error("input " + formatShape(input) +
                      " must be N x C x spatial...");
  return Status::ok();
}

/// Reads the pooling attributes for an input of shape `input` and checks
/// that the pooled shape is `pooled`.
Status readPool(const KernelSpec &spec, const Shape &input, const Shape &pooled,
                bool average, PoolPlan &plan) {
  if (Status s = checkImageShape(spec, input))
    return s;
  Shape kernel;
  int64_t ceilMode, countIncludePad = 0;
  if (Status s = spec.attrs.getInts("kernel_shape", kernel))
    return s;
  if (Status s = spec.attrs.getInt("ceil_mode", ceilMode))
    return s;
  if (average)
    if (Status s = spec.attrs.getInt("count_include_pad", countIncludePad))
      return s;
  Shape spatial(input.begin() + 2, input.end());
  if (Status s = cpu::readWindow(spec, spatial, kernel, ceilMode, plan.window))
    return s;
  Shape expected{input[0], input[1]};
  expected.insert(expected.end(), plan.window.out.begin(),
                  plan.window.out.end());
  if (Status s = cpu::checkShape(spec, "the pooled tensor", pooled, expected))
    return s;
  plan.planes = input[0] * input[1];
  plan.countIncludePad = countIncludePad != 0;
  return Status::ok();
}

} // namespace

Status planPool(const KernelSpec &spec, PoolOp op, PoolPlan &plan) {
  switch (op) {
  case PoolOp::MaxPool:
  case PoolOp::AveragePool:
    if (Status s = cpu::checkArityAndDType(spec, 1, 1, 1))
      return s;
    return readPool(spec, spec.inputs[0].shape, spec.outputs[0].shape,
                    op == PoolOp::AveragePool, plan);
  case PoolOp::MaxPoolGrad:
    if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
      return s;
    if (Status s = cpu::checkShape(spec, "the result", spec.outputs[0].shape,
                                   spec.inputs[1].shape))
      return s;
    return readPool(spec, spec.inputs[1].shape, spec.inputs[0].shape,
                    /*average=*/false, plan);
  case PoolOp::AveragePoolGrad:
    if (Status s = cpu::checkArityAndDType(spec, 1, 1, 1))
      return s;
    return readPool(spec, spec.outputs[0].shape, spec.inputs[0].shape,
                    /*average=*/true, plan);
  }
  return spec.error("unknown pooling op");
}

Status planGlobalAveragePool(const KernelSpec &spec, GlobalPoolPlan &plan) {
  if (Status s = cpu::checkArityAndDType(spec, 1, 1, 1))
    return s;
  const Shape &input = spec.inputs[0].shape;
  if (Status s = checkImageShape(spec, input))
    return s;
  Shape expected(input.size(), 1);
  expected[0] = input[0];
  expected[1] = input[1];
  if (Status s =
          cpu::checkShape(spec, "the result", spec.outputs[0].shape, expected))
    return s;
  plan.planes = input[0] * input[1];
  plan.size = numElements(Shape(input.begin() + 2, input.end()));
  return Status::ok();
}

} // namespace pp::rt::kernels
