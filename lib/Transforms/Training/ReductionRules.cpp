//===- ReductionRules.cpp - Gradients of reductions -----------------------===//
//
// nn.reduce_sum and nn.reduce_mean: the gradient is broadcast back over the
// reduced axes (divided by their size for the mean).
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

/// dx = expand(reshape(dy, input shape with the reduced axes as 1)) *
/// `factor`; the reshape restores the axes `keepdims = false` dropped.
Value broadcastBack(Value input, ArrayRef<int64_t> axes, double factor,
                    GradientContext &ctx) {
  auto inputType = cast<ShapedType>(input.getType());
  SmallVector<int64_t> kept(inputType.getShape());
  for (int64_t axis : axes)
    kept[axis] = 1;
  Value dy = ctx.scale(ctx.getResultGradient(), factor);
  Value reshaped = ctx.reshape(dy, inputType.clone(kept));
  return ctx.expand(reshaped, inputType);
}

LogicalResult reduceSumGradient(ReduceSumOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0,
                         broadcastBack(op.getInput(), op.getAxes(), 1.0, ctx));
  return success();
}

LogicalResult reduceMeanGradient(ReduceMeanOp op, GradientContext &ctx) {
  auto inputType = cast<ShapedType>(op.getInput().getType());
  int64_t count = 1;
  for (int64_t axis : op.getAxes())
    count *= inputType.getDimSize(axis);
  ctx.setOperandGradient(
      0, broadcastBack(op.getInput(), op.getAxes(), 1.0 / count, ctx));
  return success();
}

} // namespace

void addReductionGradientRules(GradientRules &rules) {
  rules.add<ReduceSumOp>(reduceSumGradient);
  rules.add<ReduceMeanOp>(reduceMeanGradient);
}

} // namespace pp
