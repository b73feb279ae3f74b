//===- NNVerifiers.cpp - Operand checks of nn ops -------------------------===//
//
// Checks beyond what result-type inference covers: consistency between
// operands and attributes that ONNX requires.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

#include "NNShapeRules.h"

using namespace mlir;

namespace pp::nn {

template <typename Op> static LogicalResult verifySameElementType(Op op) {
  if (op.getLhs().getType().getElementType() !=
      op.getRhs().getType().getElementType())
    return op.emitOpError("operands differ in element type: ")
           << op.getLhs().getType() << " vs " << op.getRhs().getType();
  return success();
}

LogicalResult AddOp::verify() { return verifySameElementType(*this); }
LogicalResult SubOp::verify() { return verifySameElementType(*this); }
LogicalResult MulOp::verify() { return verifySameElementType(*this); }
LogicalResult DivOp::verify() { return verifySameElementType(*this); }
LogicalResult EqualOp::verify() { return verifySameElementType(*this); }
LogicalResult LessOp::verify() { return verifySameElementType(*this); }
LogicalResult GreaterOp::verify() { return verifySameElementType(*this); }
LogicalResult LessEqualOp::verify() { return verifySameElementType(*this); }
LogicalResult GreaterEqualOp::verify() { return verifySameElementType(*this); }
LogicalResult MaxOp::verify() { return verifySameElementType(*this); }
LogicalResult MinOp::verify() { return verifySameElementType(*this); }

LogicalResult ModOp::verify() {
  if (failed(verifySameElementType(*this)))
    return failure();
  if (isa<FloatType>(getLhs().getType().getElementType()) && !getFmod())
    return emitOpError("floating-point operands need fmod = true, got ")
           << getLhs().getType();
  return success();
}

LogicalResult verifyClipBounds(Operation *op, Attribute min, Attribute max,
                               Type elementType) {
  for (auto [bound, name] : {std::pair(min, "min"), std::pair(max, "max")}) {
    if (!bound)
      continue;
    bool matches =
        isa<FloatType>(elementType)
            ? isa<FloatAttr>(bound)
            : isa<IntegerType>(elementType) && isa<IntegerAttr>(bound);
    if (!matches || cast<TypedAttr>(bound).getType() != elementType)
      return op->emitOpError()
             << name << " must be a scalar of the element type " << elementType
             << ", got " << bound;
  }
  return success();
}

LogicalResult ClipOp::verify() {
  return verifyClipBounds(*this, getMinAttr(), getMaxAttr(),
                          getType().getElementType());
}

LogicalResult DropoutOp::verify() {
  double ratio = getRatio().convertToDouble();
  if (ratio < 0.0 || ratio >= 1.0)
    return emitOpError("ratio must be in [0, 1), got ") << ratio;
  return success();
}

LogicalResult GemmOp::verify() {
  auto a = getA().getType(), b = getB().getType();
  int64_t ka = getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t kb = getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  if (ka != kb)
    return emitOpError("contracted dimensions differ: ") << ka << " vs " << kb;
  if (Value c = getC()) {
    auto shape = broadcastShapes(cast<ShapedType>(c.getType()).getShape(),
                                 getType().getShape());
    if (failed(shape) || *shape != getType().getShape())
      return emitOpError("C of type ")
             << c.getType() << " does not broadcast to " << getType();
  }
  return success();
}

template <typename Op> static LogicalResult verifySoftmaxAxis(Op op) {
  int64_t rank = op.getInput().getType().getRank();
  if ((int64_t)op.getAxis() < 0 || (int64_t)op.getAxis() >= rank)
    return op.emitOpError("axis ")
           << (int64_t)op.getAxis() << " is out of range for rank " << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifySoftmaxAxis(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmaxAxis(*this); }

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= in.getRank())
    return emitOpError("axis ")
           << axis << " is out of range for rank " << in.getRank();
  ArrayRef<int64_t> normalized = in.getShape().drop_front(axis);
  for (Value v : {getScale(), getBias()}) {
    if (!v)
      continue;
    auto shape = cast<ShapedType>(v.getType()).getShape();
    auto b = broadcastShapes(shape, normalized);
    if (failed(b) || *b != normalized)
      return emitOpError("scale and bias must broadcast to the normalised "
                         "shape, got ")
             << v.getType() << " for input " << in;
  }
  return success();
}

void BatchNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (!getTraining())
    return;
  // The running statistics are updated in place.
  for (OpOperand *statistic : {&getMeanMutable(), &getVarMutable()}) {
    effects.emplace_back(MemoryEffects::Read::get(), statistic,
                         SideEffects::DefaultResource::get());
    effects.emplace_back(MemoryEffects::Write::get(), statistic,
                         SideEffects::DefaultResource::get());
  }
}

LogicalResult BatchNormOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() < 2)
    return emitOpError("input must have a channel axis, got ") << in;
  int64_t channels = in.getDimSize(1);
  for (Value v : {getScale(), getBias(), getMean(), getVar()}) {
    auto t = cast<ShapedType>(v.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != channels)
      return emitOpError("scale, bias, mean and var must have shape [")
             << channels << "], got " << t;
  }
  return success();
}

LogicalResult verifyConvChannels(Operation *op, ShapedType input,
                                 ShapedType weight, int64_t group,
                                 ArrayRef<int64_t> pads) {
  if (group < 1 || input.getDimSize(1) != weight.getDimSize(1) * group ||
      weight.getDimSize(0) % group != 0)
    return op->emitOpError("input channels ")
           << input.getDimSize(1) << " do not match weight " << weight
           << " with group " << group;
  if (llvm::any_of(pads, [](int64_t p) { return p < 0; }))
    return op->emitOpError("pads must be non-negative");
  return success();
}

LogicalResult ConvOp::verify() {
  auto w = getWeight().getType();
  if (failed(verifyConvChannels(*this, getInput().getType(), w, getGroup(),
                                getPads())))
    return failure();
  if (Value b = getBias()) {
    auto t = cast<ShapedType>(b.getType());
    if (t.getRank() != 1 || t.getDimSize(0) != w.getDimSize(0))
      return emitOpError("bias must have shape [")
             << w.getDimSize(0) << "], got " << t;
  }
  return success();
}

LogicalResult verifyPoolWindow(Operation *op, ArrayRef<int64_t> kernel,
                               ArrayRef<int64_t> pads) {
  if (llvm::any_of(kernel, [](int64_t k) { return k < 1; }))
    return op->emitOpError("kernel sizes must be >= 1");
  for (size_t i = 0; i < pads.size(); ++i) {
    int64_t k = kernel.empty() ? 1 : kernel[i % kernel.size()];
    if (pads[i] < 0 || pads[i] >= k)
      return op->emitOpError("pad ")
             << pads[i] << " must be in [0, " << k << ") for the kernel";
  }
  return success();
}

template <typename Op> static LogicalResult verifyPool(Op op) {
  return verifyPoolWindow(op, op.getKernelShape(), op.getPads());
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AveragePoolOp::verify() { return verifyPool(*this); }

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType() ||
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ") << in << " to " << out;
  return success();
}

LogicalResult ExpandOp::verify() {
  auto in = getInput().getType(), out = getType();
  auto shape = broadcastShapes(in.getShape(), out.getShape());
  if (in.getElementType() != out.getElementType() || failed(shape) ||
      *shape != out.getShape())
    return emitOpError("cannot expand ") << in << " to " << out;
  return success();
}

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("input must have rank >= 2 (matrices on the last two "
                       "axes), got ")
           << getInput().getType();
  return success();
}

LogicalResult CumSumOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

} // namespace pp::nn
