//===- LinearRules.cpp - Gradients of matrix products ---------------------===//
//
// nn.matmul (numpy semantics: 1-D operands, batch axes that broadcast) and
// nn.gemm (alpha, beta, transA, transB, optional C). The products are
// expressed with the forward ops themselves.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {
namespace {

RankedTensorType withShape(Value value, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(
      shape, cast<ShapedType>(value.getType()).getElementType());
}

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

/// y = a @ b. A 1-D `a` is a row [1, k] and a 1-D `b` a column [k, 1] whose
/// added axis the result drops; batch axes broadcast. With a2, b2 and dy2
/// the operands and the gradient at rank >= 2:
///   da2 = sum_to(dy2 @ b2^T), db2 = sum_to(a2^T @ dy2).
/// When `b` has no batch axes (a linear layer, applied to a batch or not),
/// db is one nn.gemm over the flattened batch, transposing a in place,
/// instead of a sum of products.
LogicalResult matmulGradient(MatMulOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value lhs = op.getLhs(), rhs = op.getRhs();
  ArrayRef<int64_t> lhsShape = shapeOf(lhs), rhsShape = shapeOf(rhs);

  // Shapes at rank >= 2, and the result's with both matrix axes kept.
  SmallVector<int64_t> lhs2(lhsShape), rhs2(rhsShape);
  if (lhs2.size() == 1)
    lhs2.insert(lhs2.begin(), 1);
  if (rhs2.size() == 1)
    rhs2.push_back(1);
  ArrayRef<int64_t> lhsBatch = ArrayRef(lhs2).drop_back(2);
  ArrayRef<int64_t> rhsBatch = ArrayRef(rhs2).drop_back(2);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes(lhsBatch, rhsBatch);
  if (failed(batch))
    return op.emitError("pp-autodiff: batch axes of nn.matmul do not "
                        "broadcast");
  SmallVector<int64_t> result2(*batch);
  result2.push_back(lhs2[lhs2.size() - 2]);
  result2.push_back(rhs2.back());

  Value dy2 = ctx.reshape(ctx.getResultGradient(), withShape(lhs, result2));

  if (ctx.wants(0)) {
    Value rhsValue = ctx.reshape(ctx.getForward(rhs), withShape(rhs, rhs2));
    Value product =
        MatMulOp::create(b, loc, dy2, ctx.transposeLastTwo(rhsValue));
    Value grad = ctx.sumTo(product, withShape(lhs, lhs2));
    ctx.setOperandGradient(0, ctx.reshape(grad, lhs.getType()));
  }
  if (ctx.wants(1)) {
    Value lhsValue = ctx.reshape(ctx.getForward(lhs), withShape(lhs, lhs2));
    Value grad;
    if (rhsBatch.empty()) {
      // [batch..., m, k] -> [batch * m, k], likewise dy: one product, whose
      // transposed operand nn.gemm reads in place.
      int64_t rows = ShapedType::getNumElements(lhs2) / lhs2.back();
      Value flatLhs =
          ctx.reshape(lhsValue, withShape(lhs, {rows, lhs2.back()}));
      Value flatDy = ctx.reshape(dy2, withShape(lhs, {rows, rhs2.back()}));
      grad = GemmOp::create(b, loc, flatLhs, flatDy, /*c=*/Value(),
                            b.getF32FloatAttr(1.0f), b.getF32FloatAttr(1.0f),
                            b.getBoolAttr(true), b.getBoolAttr(false));
    } else {
      Value product =
          MatMulOp::create(b, loc, ctx.transposeLastTwo(lhsValue), dy2);
      grad = ctx.sumTo(product, withShape(rhs, rhs2));
    }
    ctx.setOperandGradient(1, ctx.reshape(grad, rhs.getType()));
  }
  return success();
}

/// y = alpha * op(A) @ op(B) + beta * C, op transposing when transA or
/// transB is set. With G = alpha * dy:
///   d op(A) = G @ op(B)^T,  d op(B) = op(A)^T @ G,  dC = sum_to(beta * dy),
/// each product one nn.gemm whose transpose flags absorb op(.) and ^T.
LogicalResult gemmGradient(GemmOp op, GradientContext &ctx) {
  OpBuilder &b = ctx.getBuilder();
  Location loc = ctx.getLoc();
  Value dy = ctx.getResultGradient();
  bool transA = op.getTransA(), transB = op.getTransB();
  // Every attribute is spelled: type inference reads them before the
  // defaults are filled in.
  auto gemm = [&](Value x, Value y, bool tx, bool ty) -> Value {
    return GemmOp::create(b, loc, x, y, /*c=*/Value(), op.getAlphaAttr(),
                          b.getF32FloatAttr(1.0f), b.getBoolAttr(tx),
                          b.getBoolAttr(ty));
  };
  if (ctx.wants(0)) {
    Value bValue = ctx.getForward(op.getB());
    // dA = G @ op(B)^T, or its transpose op(B) @ G^T when transA.
    ctx.setOperandGradient(0, transA ? gemm(bValue, dy, transB, true)
                                     : gemm(dy, bValue, false, !transB));
  }
  if (ctx.wants(1)) {
    Value aValue = ctx.getForward(op.getA());
    // dB = op(A)^T @ G, or its transpose G^T @ op(A) when transB.
    ctx.setOperandGradient(1, transB ? gemm(dy, aValue, true, transA)
                                     : gemm(aValue, dy, !transA, false));
  }
  if (op.getC() && ctx.wants(2))
    ctx.setOperandGradient(
        2, ctx.sumTo(ctx.scale(dy, op.getBeta().convertToDouble()),
                     op.getC().getType()));
  return success();
}

} // namespace

void addLinearGradientRules(GradientRules &rules) {
  rules.add<MatMulOp>(matmulGradient);
  rules.add<GemmOp>(gemmGradient);
}

} // namespace pp
