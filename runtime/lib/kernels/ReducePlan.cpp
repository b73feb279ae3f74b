//===- ReducePlan.cpp - Preparation of the reductions ---------------------===//
//
// The checks and kept shapes of the reductions that the CPU and CUDA
// backends share (ReducePlan.h).
//
//===----------------------------------------------------------------------===//

#include "ReducePlan.h"

#include "../cpu/KernelChecks.h"

#include <algorithm>
#include <vector>

using namespace pp::rt;
using namespace pp::rt::kernels;

Status kernels::planReduce(const KernelSpec &spec, Shape &kept) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> axes;
  int64_t keepdims;
  if (Status s = spec.attrs.getInts("axes", axes))
    return s;
  if (Status s = spec.attrs.getInt("keepdims", keepdims))
    return s;
  const TensorType &input = spec.inputs[0];
  int64_t rank = int64_t(input.shape.size());
  Shape squeezed;
  kept = input.shape;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank || (i && axes[i] <= axes[i - 1]))
      return spec.error("axes must be sorted, unique and in [0, " +
                        std::to_string(rank) + ")");
    kept[size_t(axes[i])] = 1;
  }
  for (int64_t d = 0; d < rank; ++d)
    if (!std::binary_search(axes.begin(), axes.end(), d))
      squeezed.push_back(input.shape[size_t(d)]);
  return cpu::checkType(spec, "result", spec.outputs[0],
                        TensorType{input.dtype, keepdims ? kept : squeezed});
}

Status kernels::planSumTo(const KernelSpec &spec, Shape &kept) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const TensorType &input = spec.inputs[0], &result = spec.outputs[0];
  if (result.dtype != input.dtype ||
      !cpu::broadcastsTo(result.shape, input.shape))
    return spec.error("result " + result.str() + " does not broadcast to " +
                      input.str());
  kept.assign(input.shape.size() - result.shape.size(), 1);
  kept.insert(kept.end(), result.shape.begin(), result.shape.end());
  return Status::ok();
}

Status kernels::planCumSum(const KernelSpec &spec, CumSumPlan &p) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  int64_t axis, exclusive, reverse;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = spec.attrs.getInt("exclusive", exclusive, 0))
    return s;
  if (Status s = spec.attrs.getInt("reverse", reverse, 0))
    return s;
  const TensorType &input = spec.inputs[0];
  if (Status s = cpu::checkAxis(spec, axis, int64_t(input.shape.size())))
    return s;
  if (Status s = cpu::checkType(spec, "result", spec.outputs[0], input))
    return s;
  p.layout = cpu::layoutAround(input.shape, axis);
  p.exclusive = exclusive != 0;
  p.reverse = reverse != 0;
  return Status::ok();
}
