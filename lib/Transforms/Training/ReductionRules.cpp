//===- ReductionRules.cpp - Gradients of reductions -----------------------===//
//
// nn.reduce_sum and nn.reduce_mean: the gradient is broadcast back over the
// reduced axes (divided by their size for the mean). nn.reduce_max and
// nn.reduce_min: shared equally among the elements equal to the result.
// nn.cumsum: the cumulative sum of the gradient in the other direction.
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

/// PyTorch's amax/amin backward: dy, restored to the kept shape, is shared
/// equally among the elements equal to the result (ties split it):
/// dx = (x == y) * dy / count(x == y). A NaN result matches nothing and
/// gives NaN (0/0), as in PyTorch.
template <typename OpTy>
LogicalResult reduceExtremeGradient(OpTy op, GradientContext &ctx) {
  auto inputType = cast<ShapedType>(op.getInput().getType());
  SmallVector<int64_t> kept(inputType.getShape());
  for (int64_t axis : op.getAxes())
    kept[axis] = 1;
  auto keptType = inputType.clone(kept);
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value x = ctx.getForward(op.getInput());
  Value y = ctx.getForward(op.getResult());
  Value ties = EqualOp::create(b, loc, x, ctx.reshape(y, keptType));
  Value mask = CastOp::create(b, loc, inputType, ties);
  Value count =
      ReduceSumOp::create(b, loc, mask, op.getAxesAttr(), b.getBoolAttr(true));
  Value dy = ctx.reshape(ctx.getResultGradient(), keptType);
  Value share = DivOp::create(b, loc, dy, count);
  ctx.setOperandGradient(0, MulOp::create(b, loc, mask, share));
  return success();
}

/// Output i sums the inputs j <= i (exclusive: j < i), so input j gets the
/// gradients of the outputs i >= j (i > j): the same cumulative sum, with the
/// same exclusiveness, in the other direction.
LogicalResult cumSumGradient(CumSumOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  ctx.setOperandGradient(
      0, CumSumOp::create(b, ctx.getLoc(), ctx.getResultGradient(),
                          op.getAxisAttr(), op.getExclusiveAttr(),
                          b.getBoolAttr(!op.getReverse())));
  return success();
}

} // namespace

void addReductionGradientRules(GradientRules &rules) {
  rules.add<ReduceSumOp>(reduceSumGradient);
  rules.add<ReduceMeanOp>(reduceMeanGradient);
  rules.add<CumSumOp>(cumSumGradient);
  rules.add<ReduceMaxOp>(reduceExtremeGradient<ReduceMaxOp>);
  rules.add<ReduceMinOp>(reduceExtremeGradient<ReduceMinOp>);
}

} // namespace pp
