//===- LossRules.cpp - Gradient of the training loss ----------------------===//
//
// nn.softmax_cross_entropy: the gradient of the logits, from the logits and
// the labels (integers, which carry no gradient). The MSE loss of
// pp-attach-loss is composed of ops that have their own rules.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

LogicalResult softmaxCrossEntropyGradient(SoftmaxCrossEntropyOp op,
                                          GradientContext &ctx) {
  Value logits = ctx.getForward(op.getLogits());
  Value labels = ctx.getForward(op.getLabels());
  ctx.setOperandGradient(
      0, SoftmaxCrossEntropyGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                           ctx.getResultGradient(), logits,
                                           labels, op.getIgnoreIndexAttr()));
  return success();
}

} // namespace

void addLossGradientRules(GradientRules &rules) {
  rules.add<SoftmaxCrossEntropyOp>(softmaxCrossEntropyGradient);
}

} // namespace pp
