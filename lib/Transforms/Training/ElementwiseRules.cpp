//===- ElementwiseRules.cpp - Gradients of elementwise nn ops -------------===//
//
// Arithmetic with broadcasting (the gradient of a broadcast operand is
// summed back to its shape with nn.sum_to), max and min, unary functions,
// the piecewise activations and clip, casts, where and dropout. Each rule
// reads the fewest forward values it can: the result where the derivative
// is a function of it (exp, tanh, sigmoid, sqrt, reciprocal), else the
// operands. Floor, ceil and sign pass no gradient (theirs is zero).
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

Type elementTypeOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

//===----------------------------------------------------------------------===//
// Binary arithmetic
//===----------------------------------------------------------------------===//

LogicalResult addGradient(AddOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  if (ctx.wants(0))
    ctx.setOperandGradient(0, ctx.sumTo(dy, op.getLhs().getType()));
  if (ctx.wants(1))
    ctx.setOperandGradient(1, ctx.sumTo(dy, op.getRhs().getType()));
  return success();
}

LogicalResult subGradient(SubOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  if (ctx.wants(0))
    ctx.setOperandGradient(0, ctx.sumTo(dy, op.getLhs().getType()));
  if (ctx.wants(1))
    ctx.setOperandGradient(
        1,
        NegOp::create(b, ctx.getLoc(), ctx.sumTo(dy, op.getRhs().getType())));
  return success();
}

LogicalResult mulGradient(MulOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  if (op.getLhs() == op.getRhs()) {
    // x * x: both operands get dy * x, which accumulates to 2 * dy * x.
    Value grad =
        MulOp::create(b, ctx.getLoc(), dy, ctx.getForward(op.getLhs()));
    ctx.setOperandGradient(0, grad);
    ctx.setOperandGradient(1, grad);
    return success();
  }
  if (ctx.wants(0)) {
    Value rhs = ctx.getForward(op.getRhs());
    ctx.setOperandGradient(0, ctx.sumTo(MulOp::create(b, ctx.getLoc(), dy, rhs),
                                        op.getLhs().getType()));
  }
  if (ctx.wants(1)) {
    Value lhs = ctx.getForward(op.getLhs());
    ctx.setOperandGradient(1, ctx.sumTo(MulOp::create(b, ctx.getLoc(), dy, lhs),
                                        op.getRhs().getType()));
  }
  return success();
}

/// y = a / b: da = dy / b, db = -(dy / b) * a / b.
LogicalResult divGradient(DivOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value divisor = ctx.getForward(op.getRhs());
  Value dyOverB = DivOp::create(b, loc, dy, divisor);
  if (ctx.wants(0))
    ctx.setOperandGradient(0, ctx.sumTo(dyOverB, op.getLhs().getType()));
  if (ctx.wants(1)) {
    Value lhs = ctx.getForward(op.getLhs());
    Value quotient =
        DivOp::create(b, loc, MulOp::create(b, loc, dyOverB, lhs), divisor);
    ctx.setOperandGradient(
        1, NegOp::create(b, loc, ctx.sumTo(quotient, op.getRhs().getType())));
  }
  return success();
}

/// y = a ^ b: da = dy * b * a ^ (b - 1), db = dy * y * log(a). The
/// exponent may have another element type (an integer one carries no
/// gradient): it is cast to a's, and its gradient back to its own.
LogicalResult powGradient(PowOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Type elementType = elementTypeOf(op.getLhs());
  if (ctx.wants(0)) {
    Value base = ctx.getForward(op.getLhs());
    Value exponent = ctx.getForward(op.getRhs());
    auto exponentType = cast<ShapedType>(exponent.getType());
    if (exponentType.getElementType() != elementType)
      exponent =
          CastOp::create(b, loc, exponentType.clone(elementType), exponent);
    Value lowered =
        SubOp::create(b, loc, exponent, ctx.scalar(elementType, 1.0));
    Value derivative =
        MulOp::create(b, loc, exponent, PowOp::create(b, loc, base, lowered));
    ctx.setOperandGradient(0, ctx.sumTo(MulOp::create(b, loc, dy, derivative),
                                        op.getLhs().getType()));
  }
  if (ctx.wants(1)) {
    Value base = ctx.getForward(op.getLhs());
    Value result = ctx.getForward(op.getResult());
    Value derivative =
        MulOp::create(b, loc, result, LogOp::create(b, loc, base));
    auto exponentType = cast<ShapedType>(op.getRhs().getType());
    Value grad = ctx.sumTo(MulOp::create(b, loc, dy, derivative),
                           exponentType.clone(elementType));
    if (exponentType.getElementType() != elementType)
      grad = CastOp::create(b, loc, exponentType, grad);
    ctx.setOperandGradient(1, grad);
  }
  return success();
}

/// y = max(a, b) or min(a, b): each operand's gradient from max_grad or
/// min_grad (the operands swapped for b), summed to its shape.
template <typename GradOpTy, typename OpTy>
LogicalResult extremumGradient(OpTy op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  Value lhs = ctx.getForward(op.getLhs());
  Value rhs = ctx.getForward(op.getRhs());
  if (ctx.wants(0))
    ctx.setOperandGradient(
        0, ctx.sumTo(GradOpTy::create(b, ctx.getLoc(), dy, lhs, rhs),
                     op.getLhs().getType()));
  if (ctx.wants(1))
    ctx.setOperandGradient(
        1, ctx.sumTo(GradOpTy::create(b, ctx.getLoc(), dy, rhs, lhs),
                     op.getRhs().getType()));
  return success();
}

/// y = fmod(a, b) = a - trunc(a / b) * b: da = dy, db = -dy * trunc(a / b),
/// as PyTorch's fmod backward (trunc as floor or ceil by the sign).
LogicalResult modGradient(ModOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  if (ctx.wants(0))
    ctx.setOperandGradient(0, ctx.sumTo(dy, op.getLhs().getType()));
  if (ctx.wants(1)) {
    Value lhs = ctx.getForward(op.getLhs());
    Value rhs = ctx.getForward(op.getRhs());
    Value quotient = DivOp::create(b, loc, lhs, rhs);
    Value negative = LessOp::create(b, loc, quotient,
                                    ctx.scalar(elementTypeOf(quotient), 0.0));
    Value truncated =
        WhereOp::create(b, loc, negative, CeilOp::create(b, loc, quotient),
                        FloorOp::create(b, loc, quotient));
    ctx.setOperandGradient(
        1, NegOp::create(b, loc,
                         ctx.sumTo(MulOp::create(b, loc, dy, truncated),
                                   op.getRhs().getType())));
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Unary functions
//===----------------------------------------------------------------------===//

/// y = sqrt(x): dx = dy * 0.5 / y.
LogicalResult sqrtGradient(SqrtOp op, GradientContext &ctx) {
  Value y = ctx.getForward(op.getResult());
  ctx.setOperandGradient(
      0, DivOp::create(ctx.getBuilder(), ctx.getLoc(),
                       ctx.scale(ctx.getResultGradient(), 0.5), y));
  return success();
}

/// dx = dy * 2 / sqrt(pi) * exp(-x^2).
LogicalResult erfGradient(ErfOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value x = ctx.getForward(op.getInput());
  Value gaussian =
      ExpOp::create(b, loc, NegOp::create(b, loc, MulOp::create(b, loc, x, x)));
  Value derivative = ctx.scale(gaussian, 2.0 * llvm::numbers::inv_sqrtpi);
  ctx.setOperandGradient(
      0, MulOp::create(b, loc, ctx.getResultGradient(), derivative));
  return success();
}

LogicalResult tanhGradient(TanhOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, TanhGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                               ctx.getResultGradient(),
                                               ctx.getForward(op.getResult())));
  return success();
}

LogicalResult reluGradient(ReluOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, ReluGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                               ctx.getResultGradient(),
                                               ctx.getForward(op.getInput())));
  return success();
}

LogicalResult sigmoidGradient(SigmoidOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0,
                         SigmoidGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                               ctx.getResultGradient(),
                                               ctx.getForward(op.getResult())));
  return success();
}

LogicalResult negGradient(NegOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, NegOp::create(ctx.getBuilder(), ctx.getLoc(),
                                          ctx.getResultGradient()));
  return success();
}

/// y = exp(x): dx = dy * y.
LogicalResult expGradient(ExpOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, MulOp::create(ctx.getBuilder(), ctx.getLoc(),
                                          ctx.getResultGradient(),
                                          ctx.getForward(op.getResult())));
  return success();
}

/// dx = dy / x.
LogicalResult logGradient(LogOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, DivOp::create(ctx.getBuilder(), ctx.getLoc(),
                                          ctx.getResultGradient(),
                                          ctx.getForward(op.getInput())));
  return success();
}

LogicalResult geluGradient(GeluOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, GeluGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                               ctx.getResultGradient(),
                                               ctx.getForward(op.getInput()),
                                               op.getApproximateAttr()));
  return success();
}

/// dx = dy * sign(x): 0 at 0, as PyTorch's abs backward.
LogicalResult absGradient(AbsOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Value sign = SignOp::create(b, ctx.getLoc(), ctx.getForward(op.getInput()));
  ctx.setOperandGradient(
      0, MulOp::create(b, ctx.getLoc(), ctx.getResultGradient(), sign));
  return success();
}

/// dx = dy * cos(x).
LogicalResult sinGradient(SinOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Value cos = CosOp::create(b, ctx.getLoc(), ctx.getForward(op.getInput()));
  ctx.setOperandGradient(
      0, MulOp::create(b, ctx.getLoc(), ctx.getResultGradient(), cos));
  return success();
}

/// dx = dy * -sin(x).
LogicalResult cosGradient(CosOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value sin = SinOp::create(b, loc, ctx.getForward(op.getInput()));
  ctx.setOperandGradient(0, MulOp::create(b, loc, ctx.getResultGradient(),
                                          NegOp::create(b, loc, sin)));
  return success();
}

/// y = 1 / x: dx = -dy * y^2, as PyTorch computes it.
LogicalResult reciprocalGradient(ReciprocalOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value y = ctx.getForward(op.getResult());
  Value dy = NegOp::create(b, loc, ctx.getResultGradient());
  ctx.setOperandGradient(
      0, MulOp::create(b, loc, dy, MulOp::create(b, loc, y, y)));
  return success();
}

/// Floor, ceil and sign are piecewise constant: their gradient is zero (as
/// PyTorch's), so they pass none and are no path for autodiff.
template <typename OpTy> bool carriesNoGradient(OpTy, unsigned) {
  return false;
}
template <typename OpTy> LogicalResult noGradient(OpTy op, GradientContext &) {
  return op.emitError("pp-autodiff: internal error: differentiated an op "
                      "whose gradient is zero");
}

/// y = log(1 + exp(x)): dx = dy * sigmoid(x).
LogicalResult softplusGradient(SoftplusOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value sigmoid = SigmoidOp::create(b, loc, ctx.getForward(op.getInput()));
  ctx.setOperandGradient(
      0, MulOp::create(b, loc, ctx.getResultGradient(), sigmoid));
  return success();
}

LogicalResult hardSigmoidGradient(HardSigmoidOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, HardSigmoidGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                   ctx.getResultGradient(),
                                   ctx.getForward(op.getInput()),
                                   op.getAlphaAttr(), op.getBetaAttr()));
  return success();
}

LogicalResult hardSwishGradient(HardSwishOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, HardSwishGradOp::create(ctx.getBuilder(), ctx.getLoc(),
                                 ctx.getResultGradient(),
                                 ctx.getForward(op.getInput())));
  return success();
}

LogicalResult clipGradient(ClipOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, ClipGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), ctx.getResultGradient(),
             ctx.getForward(op.getInput()), op.getMinAttr(), op.getMaxAttr()));
  return success();
}

/// A float-to-float cast: the gradient is cast back. (A cast from or to an
/// integer type carries none: only float values carry gradients.)
LogicalResult castGradient(CastOp op, GradientContext &ctx) {
  ctx.setOperandGradient(0, CastOp::create(ctx.getBuilder(), ctx.getLoc(),
                                           op.getInput().getType(),
                                           ctx.getResultGradient()));
  return success();
}

//===----------------------------------------------------------------------===//
// Selection and dropout
//===----------------------------------------------------------------------===//

/// y = cond ? x : z: dx = where(cond, dy, 0), dz = where(cond, 0, dy).
LogicalResult whereGradient(WhereOp op, GradientContext &ctx) {
  Value dy = ctx.getResultGradient();
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value condition = ctx.getForward(op.getCondition());
  Value zero = ctx.scalar(elementTypeOf(dy), 0.0);
  if (ctx.wants(1))
    ctx.setOperandGradient(
        1, ctx.sumTo(WhereOp::create(b, loc, condition, dy, zero),
                     op.getX().getType()));
  if (ctx.wants(2))
    ctx.setOperandGradient(
        2, ctx.sumTo(WhereOp::create(b, loc, condition, zero, dy),
                     op.getY().getType()));
  return success();
}

LogicalResult dropoutGradient(DropoutOp op, GradientContext &ctx) {
  ctx.setOperandGradient(
      0, DropoutGradOp::create(
             ctx.getBuilder(), ctx.getLoc(), ctx.getResultGradient(0),
             ctx.getForward(op.getMask()), op.getRatioAttr()));
  return success();
}

} // namespace

void addElementwiseGradientRules(GradientRules &rules) {
  rules.add<AddOp>(addGradient);
  rules.add<SubOp>(subGradient);
  rules.add<MulOp>(mulGradient);
  rules.add<DivOp>(divGradient);
  rules.add<PowOp>(powGradient);
  rules.add<SqrtOp>(sqrtGradient);
  rules.add<ErfOp>(erfGradient);
  rules.add<TanhOp>(tanhGradient);
  rules.add<ReluOp>(reluGradient);
  rules.add<SigmoidOp>(sigmoidGradient);
  rules.add<NegOp>(negGradient);
  rules.add<ExpOp>(expGradient);
  rules.add<LogOp>(logGradient);
  rules.add<GeluOp>(geluGradient);
  rules.add<CastOp>(castGradient);
  rules.add<WhereOp>(whereGradient);
  rules.add<DropoutOp>(dropoutGradient);
  rules.add<MaxOp>(extremumGradient<MaxGradOp, MaxOp>);
  rules.add<MinOp>(extremumGradient<MinGradOp, MinOp>);
  rules.add<ModOp>(modGradient);
  rules.add<AbsOp>(absGradient);
  rules.add<SinOp>(sinGradient);
  rules.add<CosOp>(cosGradient);
  rules.add<ReciprocalOp>(reciprocalGradient);
  rules.add<FloorOp>(noGradient<FloorOp>, carriesNoGradient<FloorOp>);
  rules.add<CeilOp>(noGradient<CeilOp>, carriesNoGradient<CeilOp>);
  rules.add<SignOp>(noGradient<SignOp>, carriesNoGradient<SignOp>);
  rules.add<SoftplusOp>(softplusGradient);
  rules.add<HardSigmoidOp>(hardSigmoidGradient);
  rules.add<HardSwishOp>(hardSwishGradient);
  rules.add<ClipOp>(clipGradient);
}

} // namespace pp
