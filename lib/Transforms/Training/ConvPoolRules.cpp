//===- ConvPoolRules.cpp - Gradients of convolutions and pools ------------===//
//
// nn.conv (any groups and dilations, optional bias), nn.max_pool,
// nn.average_pool and nn.global_average_pool, channels first.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

/// Operands: input (0), weight (1), optional bias (2). The bias gradient
/// sums dy over every axis but the channels (1).
LogicalResult convGradient(ConvOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value dy = ctx.getResultGradient();
  if (ctx.wants(0))
    ctx.setOperandGradient(
        0, ConvGradInputOp::create(b, loc, op.getInput().getType(), dy,
                                   ctx.getForward(op.getWeight()),
                                   op.getStridesAttr(), op.getPadsAttr(),
                                   op.getDilationsAttr(), op.getGroupAttr()));
  if (ctx.wants(1))
    ctx.setOperandGradient(
        1, ConvGradWeightOp::create(b, loc, op.getWeight().getType(), dy,
                                    ctx.getForward(op.getInput()),
                                    op.getStridesAttr(), op.getPadsAttr(),
                                    op.getDilationsAttr(), op.getGroupAttr()));
  if (op.getBias() && ctx.wants(2)) {
    int64_t rank = cast<ShapedType>(dy.getType()).getRank();
    SmallVector<int64_t> axes = {0};
    for (int64_t axis = 2; axis < rank; ++axis)
      axes.push_back(axis);
    ctx.setOperandGradient(2, ReduceSumOp::create(b, loc, dy,
                                                  b.getDenseI64ArrayAttr(axes),
                                                  b.getBoolAttr(false)));
  }
  return success();
}

LogicalResult maxPoolGradient(MaxPoolOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, MaxPoolGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), ctx.getResultGradient(),
             ctx.getForward(op.getInput()), op.getKernelShapeAttr(),
             op.getStridesAttr(), op.getPadsAttr(), op.getDilationsAttr(),
             op.getCeilModeAttr()));
  return success();
}

LogicalResult averagePoolGradient(AveragePoolOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, AveragePoolGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), op.getInput().getType(),
             ctx.getResultGradient(), op.getKernelShapeAttr(),
             op.getStridesAttr(), op.getPadsAttr(), op.getDilationsAttr(),
             op.getCeilModeAttr(), op.getCountIncludePadAttr()));
  return success();
}

/// y[n, c] = mean of x[n, c, ...]: dx = expand(dy / (spatial size)).
LogicalResult globalAveragePoolGradient(GlobalAveragePoolOp op,
                                        GradientContext &ctx) {
  auto inputType = cast<ShapedType>(op.getInput().getType());
  int64_t spatial =
      ShapedType::getNumElements(inputType.getShape().drop_front(2));
  Value scaled = ctx.scale(ctx.getResultGradient(), 1.0 / spatial);
  ctx.setOperandGradient(0, ctx.expand(scaled, inputType));
  return success();
}

} // namespace

void addConvPoolGradientRules(GradientRules &rules) {
  rules.add<ConvOp>(convGradient);
  rules.add<MaxPoolOp>(maxPoolGradient);
  rules.add<AveragePoolOp>(averagePoolGradient);
  rules.add<GlobalAveragePoolOp>(globalAveragePoolGradient);
}

} // namespace pp
