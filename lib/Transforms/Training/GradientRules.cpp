//===- GradientRules.cpp - The rule registry and the rules' helpers -------===//

#include "GradientRules.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace pp::nn;

namespace pp {

GradientContext::GradientContext(OpBuilder &builder, Operation *op,
                                 GradientTarget &target, ArrayRef<bool> wanted)
    : builder(builder), op(op), target(target), wanted(wanted),
      operandGrads(op->getNumOperands()) {}

Value GradientContext::getResultGradient(unsigned index) {
  return target.getResultGradient(op->getResult(index));
}

Value GradientContext::getForward(Value value) {
  return target.getForwardValue(value);
}

void GradientContext::setOperandGradient(unsigned index, Value grad) {
  if (wanted[index])
    operandGrads[index] = grad;
}

Value GradientContext::sumTo(Value grad, Type type) {
  if (grad.getType() == type)
    return grad;
  return SumToOp::create(builder, getLoc(), type, grad);
}

Value GradientContext::reshape(Value value, Type type) {
  if (value.getType() == type)
    return value;
  // A reshape of a reshape reads the first one's input.
  if (auto inner = value.getDefiningOp<ReshapeOp>())
    value = inner.getInput();
  if (value.getType() == type)
    return value;
  return ReshapeOp::create(builder, getLoc(), type, value);
}

Value GradientContext::expand(Value value, Type type) {
  if (value.getType() == type)
    return value;
  return ExpandOp::create(builder, getLoc(), type, value);
}

Value GradientContext::transpose(Value value, ArrayRef<int64_t> perm) {
  // (op(A) @ op(B))^T = op(B)^T @ op(A)^T: one nn.gemm with its operands
  // and flags swapped (the weight gradient of x @ transpose(W)).
  auto gemm = value.getDefiningOp<GemmOp>();
  if (gemm && !gemm.getC() && perm.size() == 2 && perm[0] == 1)
    return GemmOp::create(builder, getLoc(), gemm.getB(), gemm.getA(),
                          /*c=*/Value(), gemm.getAlphaAttr(),
                          gemm.getBetaAttr(),
                          builder.getBoolAttr(!gemm.getTransB()),
                          builder.getBoolAttr(!gemm.getTransA()));
  SmallVector<int64_t> composed(perm);
  // transpose(transpose(x, p), q) reads x at p[q[i]]: recomputed weights
  // are often transposed back (matmul's rule on x @ transpose(W)).
  if (auto inner = value.getDefiningOp<TransposeOp>()) {
    for (int64_t &axis : composed)
      axis = inner.getPerm()[axis];
    value = inner.getInput();
  }
  if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
    return value;
  return TransposeOp::create(builder, getLoc(), value, composed);
}

Value GradientContext::transposeLastTwo(Value value) {
  int64_t rank = cast<ShapedType>(value.getType()).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 2], perm[rank - 1]);
  return transpose(value, perm);
}

Value createSplat(OpBuilder &builder, Location loc, Type type, double number) {
  auto shaped = cast<ShapedType>(type);
  Attribute element = builder.getFloatAttr(shaped.getElementType(), number);
  return ConstantOp::create(builder, loc,
                            DenseElementsAttr::get(shaped, element));
}

Value GradientContext::scalar(Type elementType, double number) {
  return createSplat(builder, getLoc(), RankedTensorType::get({}, elementType),
                     number);
}

Value GradientContext::scale(Value value, double factor) {
  if (factor == 1.0)
    return value;
  Type elementType = cast<ShapedType>(value.getType()).getElementType();
  return MulOp::create(builder, getLoc(), value, scalar(elementType, factor));
}

Value GradientContext::zeros(Type type) {
  return createSplat(builder, getLoc(), type, 0.0);
}

const GradientRules &GradientRules::get() {
  static const GradientRules rules = [] {
    GradientRules all;
    addElementwiseGradientRules(all);
    addLinearGradientRules(all);
    addNormGradientRules(all);
    addConvPoolGradientRules(all);
    addReductionGradientRules(all);
    addMovementGradientRules(all);
    addLossGradientRules(all);
    return all;
  }();
  return rules;
}

const GradientRule *GradientRules::lookup(Operation *op) const {
  std::optional<RegisteredOperationName> name = op->getRegisteredInfo();
  if (!name)
    return nullptr;
  auto it = rules.find(name->getTypeID());
  return it == rules.end() ? nullptr : &it->second;
}

bool GradientRules::carriesGradient(Operation *op, unsigned index) const {
  if (!isDifferentiableType(op->getOperand(index).getType()))
    return false;
  const GradientRule *rule = lookup(op);
  return !rule || !rule->carriesGradient || rule->carriesGradient(op, index);
}

} // namespace pp
