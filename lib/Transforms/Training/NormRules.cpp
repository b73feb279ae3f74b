//===- NormRules.cpp - Gradients of softmax and normalisations ------------===//
//
// softmax and log_softmax (from the forward result), layer_norm and
// batch_norm (from the forward input: the statistics are recomputed by the
// gradient ops, so the forward keeps none). BatchNormalization's running
// mean and variance are state, never trained: they carry no gradient.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

LogicalResult softmaxGradient(SoftmaxOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, SoftmaxGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), ctx.getResultGradient(),
             ctx.getForward(op.getResult()), op.getAxisAttr()));
  return success();
}

LogicalResult logSoftmaxGradient(LogSoftmaxOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, LogSoftmaxGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), ctx.getResultGradient(),
             ctx.getForward(op.getResult()), op.getAxisAttr()));
  return success();
}

/// Operands: input (0), scale (1), optional bias (2). The scale and bias
/// gradients come from one nn.layer_norm_grad_params, summed down to the
/// parameters' types should those broadcast.
LogicalResult layerNormGradient(LayerNormOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value dy = ctx.getResultGradient();
  Value input = ctx.getForward(op.getInput());
  if (ctx.wants(0)) {
    Value scale = ctx.getForward(op.getScale());
    ctx.setOperandGradient(0, LayerNormGradOp::create(b, loc, dy, input, scale,
                                                      op.getAxisAttr(),
                                                      op.getEpsilonAttr()));
  }
  bool wantsBias = op.getBias() && ctx.wants(2);
  if (ctx.wants(1) || wantsBias) {
    auto params = LayerNormGradParamsOp::create(
        b, loc, dy, input, op.getAxisAttr(), op.getEpsilonAttr());
    ctx.setOperandGradient(
        1, ctx.sumTo(params.getDscale(), op.getScale().getType()));
    if (wantsBias)
      ctx.setOperandGradient(
          2, ctx.sumTo(params.getDbias(), op.getBias().getType()));
  }
  return success();
}

/// Operands: input (0), scale (1), bias (2), running mean (3) and
/// variance (4); only the first three carry gradients.
LogicalResult batchNormGradient(BatchNormOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value dy = ctx.getResultGradient();
  Value input = ctx.getForward(op.getInput());
  Value mean = ctx.getForward(op.getMean());
  Value var = ctx.getForward(op.getVar());
  if (ctx.wants(0)) {
    Value scale = ctx.getForward(op.getScale());
    ctx.setOperandGradient(
        0, BatchNormGradOp::create(b, loc, dy, input, scale, mean, var,
                                   op.getEpsilonAttr(), op.getTrainingAttr()));
  }
  if (ctx.wants(1) || ctx.wants(2)) {
    auto params = BatchNormGradParamsOp::create(b, loc, dy, input, mean, var,
                                                op.getEpsilonAttr(),
                                                op.getTrainingAttr());
    ctx.setOperandGradient(1, params.getDscale());
    ctx.setOperandGradient(2, params.getDbias());
  }
  return success();
}

bool batchNormCarries(BatchNormOp, unsigned index) { return index < 3; }

} // namespace

void addNormGradientRules(GradientRules &rules) {
  rules.add<SoftmaxOp>(softmaxGradient);
  rules.add<LogSoftmaxOp>(logSoftmaxGradient);
  rules.add<LayerNormOp>(layerNormGradient);
  rules.add<BatchNormOp>(batchNormGradient, batchNormCarries);
}

} // namespace pp
