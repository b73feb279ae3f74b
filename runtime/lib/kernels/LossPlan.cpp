//===- LossPlan.cpp - Preparation of the cross-entropy loss ---------------===//
//
// The checks and plan of the loss ops that the CPU and CUDA backends share
// (LossPlan.h).
//
//===----------------------------------------------------------------------===//

#include "LossPlan.h"

#include "../cpu/KernelChecks.h"

using namespace pp::rt;
using namespace pp::rt::kernels;

namespace {

/// Checks logits (operand `first`) and labels (operand `first + 1`) and
/// reads `ignore_index`.
Status planLoss(const KernelSpec &spec, size_t first, LossPlan &p) {
  const TensorType &logits = spec.inputs[first];
  const TensorType &labels = spec.inputs[first + 1];
  if (logits.shape.empty())
    return spec.error("logits " + logits.str() +
                      " must have rank >= 1 (classes on the last axis)");
  Shape positions(logits.shape.begin(), logits.shape.end() - 1);
  if (labels.shape != positions)
    return spec.error("labels " + labels.str() +
                      " must have the logits' shape without the last axis (" +
                      formatShape(positions) + ")");
  p.classes = logits.shape.back();
  p.positions = numElements(positions);
  p.hasIgnore = spec.attrs.has("ignore_index");
  if (p.hasIgnore)
    if (Status s = spec.attrs.getInt("ignore_index", p.ignoreIndex))
      return s;
  return Status::ok();
}

} // namespace

Status kernels::planCrossEntropy(const KernelSpec &spec, LossPlan &p) {
  if (Status s = cpu::checkArity(spec, 2, 1))
    return s;
  if (Status s = planLoss(spec, 0, p))
    return s;
  return cpu::checkType(spec, "loss", spec.outputs[0],
                        TensorType{spec.inputs[0].dtype, {}});
}

Status kernels::planCrossEntropyGrad(const KernelSpec &spec, LossPlan &p) {
  if (Status s = cpu::checkArity(spec, 3, 1))
    return s;
  if (Status s = planLoss(spec, 1, p))
    return s;
  const TensorType &dloss = spec.inputs[0], &logits = spec.inputs[1];
  if (dloss.dtype != logits.dtype || dloss.numel() != 1)
    return spec.error("dloss " + dloss.str() +
                      " must be one element of the logits' element type");
  return cpu::checkType(spec, "dlogits", spec.outputs[0], logits);
}
