//===- MovementRules.cpp - Gradients of data movement ---------------------===//
//
// Shape changes (reshape, flatten, squeeze, unsqueeze) reshape the gradient
// back; transpose applies the inverse permutation; expand sums over the
// broadcast axes; gather scatters into the data (the indices carry no
// gradient); slice places the gradient into zeros; concat and split are
// each other's gradient.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

/// Any op whose result holds the input's elements in the same order.
template <typename OpTy>
LogicalResult reshapeGradient(OpTy op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, ctx.reshape(ctx.getResultGradient(), op.getInput().getType()));
  return success();
}

LogicalResult transposeGradient(TransposeOp op, GradientContext &ctx) {
  ArrayRef<int64_t> perm = op.getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [index, axis] : llvm::enumerate(perm))
    inverse[axis] = index;
  ctx.setOperandGradient(0, ctx.transpose(ctx.getResultGradient(), inverse));
  return success();
}

LogicalResult expandGradient(ExpandOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, ctx.sumTo(ctx.getResultGradient(), op.getInput().getType()));
  return success();
}

LogicalResult gatherGradient(GatherOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0,
      GatherGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                           op.getData().getType(), ctx.getResultGradient(),
                           ctx.getForward(op.getIndices()), op.getAxisAttr()));
  return success();
}

LogicalResult sliceGradient(SliceOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, SliceGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                             op.getInput().getType(), ctx.getResultGradient(),
                             op.getStartsAttr(), op.getEndsAttr(),
                             op.getStepsAttr()));
  return success();
}

/// Input i's gradient is the slice of dy along `axis` where input i went.
LogicalResult concatGradient(ConcatOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  ArrayRef<int64_t> shape = cast<ShapedType>(dy.getType()).getShape();
  int64_t axis = op.getAxis();
  int64_t offset = 0;
  for (auto [index, input] : llvm::enumerate(op.getInputs())) {
    int64_t size = cast<ShapedType>(input.getType()).getDimSize(axis);
    if (ctx.wants(index)) {
      SmallVector<int64_t> starts(shape.size(), 0), ends(shape);
      SmallVector<int64_t> steps(shape.size(), 1);
      starts[axis] = offset;
      ends[axis] = offset + size;
      ctx.setOperandGradient(index,
                             SliceOp::create(ctx.getBuilder(), ctx.getLoc(), dy,
                                             starts, ends, steps));
    }
    offset += size;
  }
  return success();
}

/// dx is the concatenation of the pieces' gradients, zeros for pieces that
/// have none.
LogicalResult splitGradient(SplitOp op, GradientContext &ctx) {
  SmallVector<Value> pieces;
  for (auto [index, piece] : llvm::enumerate(op.getResults())) {
    Value grad = ctx.getResultGradient(index);
    pieces.push_back(grad ? grad : ctx.zeros(piece.getType()));
  }
  Value grad = pieces.size() == 1
                   ? pieces.front()
                   : Value(ConcatOp::create(ctx.getBuilder(), ctx.getLoc(),
                                            pieces, op.getAxisAttr()));
  ctx.setOperandGradient(0, grad);
  return success();
}

} // namespace

void addMovementGradientRules(GradientRules &rules) {
  rules.add<ReshapeOp>(reshapeGradient<ReshapeOp>);
  rules.add<FlattenOp>(reshapeGradient<FlattenOp>);
  rules.add<SqueezeOp>(reshapeGradient<SqueezeOp>);
  rules.add<UnsqueezeOp>(reshapeGradient<UnsqueezeOp>);
  rules.add<TransposeOp>(transposeGradient);
  rules.add<ExpandOp>(expandGradient);
  rules.add<GatherOp>(gatherGradient);
  rules.add<SliceOp>(sliceGradient);
  rules.add<ConcatOp>(concatGradient);
  rules.add<SplitOp>(splitGradient);
}

} // namespace pp
