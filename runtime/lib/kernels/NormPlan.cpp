//===- NormPlan.cpp - Preparation of layer and batch norm -----------------===//
//
// The checks and plans of NormPlan.h, shared by the CPU and CUDA backends'
// normalisation factories.
//
//===----------------------------------------------------------------------===//

#include "NormPlan.h"

#include "../cpu/KernelChecks.h"

#include <utility>
#include <vector>

namespace pp::rt::kernels {
namespace {

/// Reads `epsilon` and checks it is non-negative.
Status readEpsilon(const KernelSpec &spec, double &epsilon) {
  if (Status s = spec.attrs.getFloat("epsilon", epsilon))
    return s;
  if (!(epsilon >= 0))
    return spec.error("epsilon must be non-negative, got " +
                      std::to_string(epsilon));
  return Status::ok();
}

/// Reads `axis` and `epsilon` for an input of shape `input`.
Status readLayerNorm(const KernelSpec &spec, const Shape &input,
                     LayerNormPlan &plan) {
  int64_t axis, rank = int64_t(input.size());
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return spec.error("axis is out of range for input " + formatShape(input));
  if (Status s = readEpsilon(spec, plan.epsilon))
    return s;
  plan.normalized.assign(input.begin() + axis, input.end());
  plan.size = numElements(plan.normalized);
  plan.rows = numElements(Shape(input.begin(), input.begin() + axis));
  return Status::ok();
}

/// Checks that a parameter of shape `shape` broadcasts (numpy rules) to
/// the normalised shape, then the backend's `limits`.
Status readParam(const KernelSpec &spec, const std::string &what,
                 const Shape &shape, const Shape &normalized,
                 LayerNormParamLimits limits, LayerNormParam &param) {
  Shape trimmed = shape;
  while (trimmed.size() > normalized.size() && trimmed.front() == 1)
    trimmed.erase(trimmed.begin());
  bool ok = trimmed.size() <= normalized.size();
  for (size_t i = 0; ok && i < trimmed.size(); ++i) {
    int64_t target = normalized[normalized.size() - trimmed.size() + i];
    ok = trimmed[i] == 1 || trimmed[i] == target;
  }
  if (!ok)
    return spec.error(what + " of shape " + formatShape(shape) +
                      " does not broadcast to the normalised shape " +
                      formatShape(normalized));
  param.shape = shape;
  param.trimmed = trimmed;
  param.size = numElements(shape);
  param.direct = numElements(trimmed) == numElements(normalized);
  if (limits)
    return limits(spec, what, param, normalized);
  return Status::ok();
}

/// Reads `epsilon` and `training` (and `momentum` for the forward op) and
/// checks the shapes of x and of the per-channel operands `params`.
Status readBatchNorm(const KernelSpec &spec, const Shape &input,
                     const std::vector<size_t> &params, bool forward,
                     BatchNormPlan &plan) {
  if (input.size() < 2)
    return spec.error("input " + formatShape(input) +
                      " must have a channel axis");
  int64_t training;
  if (Status s = readEpsilon(spec, plan.epsilon))
    return s;
  if (Status s = spec.attrs.getInt("training", training))
    return s;
  if (forward)
    if (Status s = spec.attrs.getFloat("momentum", plan.momentum))
      return s;
  plan.training = training != 0;
  plan.batch = input[0];
  plan.channels = input[1];
  plan.spatial = numElements(Shape(input.begin() + 2, input.end()));
  for (size_t i : params)
    if (Status s = cpu::checkShape(spec, "operand " + std::to_string(i),
                                   spec.inputs[i].shape, {plan.channels}))
      return s;
  if (plan.training && plan.count() < 2)
    return spec.error("training mode needs more than one value per channel, "
                      "got input " +
                      formatShape(input));
  return Status::ok();
}

/// Checks that dy (operand 0) and, unless `resultToo` is false, the result
/// have the shape of x (operand 1).
Status checkLikeX(const KernelSpec &spec, bool resultToo) {
  const Shape &x = spec.inputs[1].shape;
  if (Status s = cpu::checkShape(spec, "dy", spec.inputs[0].shape, x))
    return s;
  if (resultToo)
    return cpu::checkShape(spec, "the result", spec.outputs[0].shape, x);
  return Status::ok();
}

} // namespace

Status planLayerNorm(const KernelSpec &spec, LayerNormOp op,
                     LayerNormPlan &plan, LayerNormParamLimits limits) {
  switch (op) {
  case LayerNormOp::Forward:
    if (Status s = cpu::checkArityAndDType(spec, 2, 3, 1))
      return s;
    if (Status s = readLayerNorm(spec, spec.inputs[0].shape, plan))
      return s;
    if (Status s = cpu::checkShape(spec, "the result", spec.outputs[0].shape,
                                   spec.inputs[0].shape))
      return s;
    plan.hasBias = spec.inputs.size() == 3;
    if (Status s = readParam(spec, "scale", spec.inputs[1].shape,
                             plan.normalized, limits, plan.scale))
      return s;
    if (plan.hasBias)
      return readParam(spec, "bias", spec.inputs[2].shape, plan.normalized,
                       limits, plan.bias);
    return Status::ok();
  case LayerNormOp::Grad:
    if (Status s = cpu::checkArityAndDType(spec, 3, 3, 1))
      return s;
    if (Status s = readLayerNorm(spec, spec.inputs[1].shape, plan))
      return s;
    if (Status s = checkLikeX(spec, /*resultToo=*/true))
      return s;
    return readParam(spec, "scale", spec.inputs[2].shape, plan.normalized,
                     limits, plan.scale);
  case LayerNormOp::GradParams:
    if (Status s = cpu::checkArityAndDType(spec, 2, 2, 2))
      return s;
    if (Status s = readLayerNorm(spec, spec.inputs[1].shape, plan))
      return s;
    if (Status s = checkLikeX(spec, /*resultToo=*/false))
      return s;
    if (Status s = readParam(spec, "dscale", spec.outputs[0].shape,
                             plan.normalized, limits, plan.scale))
      return s;
    return readParam(spec, "dbias", spec.outputs[1].shape, plan.normalized,
                     limits, plan.bias);
  }
  return spec.error("unknown layer norm op");
}

Status planBatchNorm(const KernelSpec &spec, BatchNormOp op,
                     BatchNormPlan &plan) {
  switch (op) {
  case BatchNormOp::Forward:
    if (Status s = cpu::checkArityAndDType(spec, 5, 5, 1))
      return s;
    if (Status s = readBatchNorm(spec, spec.inputs[0].shape, {1, 2, 3, 4},
                                 /*forward=*/true, plan))
      return s;
    return cpu::checkShape(spec, "the result", spec.outputs[0].shape,
                           spec.inputs[0].shape);
  case BatchNormOp::Grad:
    if (Status s = cpu::checkArityAndDType(spec, 5, 5, 1))
      return s;
    if (Status s = readBatchNorm(spec, spec.inputs[1].shape, {2, 3, 4},
                                 /*forward=*/false, plan))
      return s;
    return checkLikeX(spec, /*resultToo=*/true);
  case BatchNormOp::GradParams:
    if (Status s = cpu::checkArityAndDType(spec, 4, 4, 2))
      return s;
    if (Status s = readBatchNorm(spec, spec.inputs[1].shape, {2, 3},
                                 /*forward=*/false, plan))
      return s;
    if (Status s = checkLikeX(spec, /*resultToo=*/false))
      return s;
    for (size_t i = 0; i < 2; ++i)
      if (Status s = cpu::checkShape(spec, "result " + std::to_string(i),
                                     spec.outputs[i].shape, {plan.channels}))
        return s;
    return Status::ok();
  }
  return spec.error("unknown batch norm op");
}

} // namespace pp::rt::kernels
