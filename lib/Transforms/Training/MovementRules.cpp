//===- MovementRules.cpp - Gradients of data movement ---------------------===//
//
// Shape changes (reshape, flatten, squeeze, unsqueeze) reshape the gradient
// back; transpose applies the inverse permutation; expand sums over the
// broadcast axes; gather scatters into the data (the indices carry no
// gradient); slice places the gradient into zeros; concat and split are
// each other's gradient. pad crops the gradient back (constant mode) or adds
// it back where each element was read (nn.pad_grad); tile sums over the
// tiles; trilu masks the gradient alike.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "pp/Dialect/PP/IR/PP.h"

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
      0, GatherGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                              op.getData().getType(), ctx.getResultGradient(),
                              ctx.getForward(op.getIndices()), op.getAxisAttr(),
                              op->getAttrOfType<IntegerAttr>(
                                  ::pp::pp::PPDialect::kPaddingIndexAttrName)));
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

/// Constant mode: dy cropped by the forward pads (a pad by the negated pads,
/// which also puts zeros where the forward op cropped). The other modes copy
/// input elements to several places: nn.pad_grad adds their gradients up.
LogicalResult padGradient(PadOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Value dy = ctx.getResultGradient();
  if (op.getMode() == "constant") {
    SmallVector<int64_t> negated;
    for (int64_t pad : op.getPads())
      negated.push_back(-pad);
    ctx.setOperandGradient(
        0, PadOp::create(b, ctx.getLoc(), dy, b.getDenseI64ArrayAttr(negated),
                         b.getStringAttr("constant"), b.getF64FloatAttr(0.0)));
    return success();
  }
  ctx.setOperandGradient(
      0, PadGradOp::create(b, ctx.getLoc(), op.getInput().getType(), dy,
                           op.getPadsAttr(), op.getModeAttr()));
  return success();
}

/// dy seen as [r0, d0, r1, d1, ...] (tile i of axis a is its r_a index),
/// summed over the tile axes.
LogicalResult tileGradient(TileOp op, GradientContext &ctx) {
  auto inputType = cast<ShapedType>(op.getInput().getType());
  SmallVector<int64_t> split, tileAxes;
  for (auto [dim, repeat] : llvm::zip(inputType.getShape(), op.getRepeats())) {
    if (repeat != 1) {
      tileAxes.push_back(split.size());
      split.push_back(repeat);
    }
    split.push_back(dim);
  }
  OpBuilder &b = ctx.getBuilder();
  Value tiles = ctx.reshape(ctx.getResultGradient(), inputType.clone(split));
  ctx.setOperandGradient(0,
                         ReduceSumOp::create(b, ctx.getLoc(), tiles,
                                             b.getDenseI64ArrayAttr(tileAxes),
                                             b.getBoolAttr(false)));
  return success();
}

/// The kept elements pass their gradient through; the zeroed ones get none.
LogicalResult triluGradient(TriluOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, TriluOp::create(ctx.getBuilder(), ctx.getLoc(),
                                            ctx.getResultGradient(),
                                            op.getUpperAttr(), op.getKAttr()));
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
  rules.add<PadOp>(padGradient);
  rules.add<TileOp>(tileGradient);
  rules.add<TriluOp>(triluGradient);
}

} // namespace pp
