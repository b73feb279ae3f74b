//===- NNGradOps.cpp - Result types and checks of nn gradient ops ---------===//
//
// Result-type inference and verifiers of the loss and gradient ops
// (NNGradOps.td). Gradient ops whose result type is explicit are checked by
// applying the forward op's shape rule (NNShapeRules.h) to the result type
// and comparing with `dy`.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

#include "NNShapeRules.h"

using namespace mlir;

namespace pp::nn {

static RankedTensorType rankedOf(Type type) {
  return cast<RankedTensorType>(type);
}

//===----------------------------------------------------------------------===//
// Result-type inference
//===----------------------------------------------------------------------===//

LogicalResult
SoftmaxCrossEntropyOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto logits = rankedOf(adaptor.getLogits().getType());
  types.push_back(RankedTensorType::get({}, logits.getElementType()));
  return success();
}

LogicalResult SoftmaxCrossEntropyGradOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getLogits().getType());
  return success();
}

LogicalResult DropoutGradOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location>,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getDy().getType());
  return success();
}

LogicalResult LayerNormGradOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location>,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getX().getType());
  return success();
}

LogicalResult LayerNormGradParamsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto x = rankedOf(adaptor.getX().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= x.getRank())
    return failAt(loc, getOperationName(), "axis ", axis,
                  " is out of range for rank ", x.getRank());
  auto param =
      RankedTensorType::get(x.getShape().drop_front(axis), x.getElementType());
  types.append({param, param});
  return success();
}

LogicalResult BatchNormGradOp::inferReturnTypes(MLIRContext *,
                                                std::optional<Location>,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getX().getType());
  return success();
}

LogicalResult BatchNormGradParamsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto x = rankedOf(adaptor.getX().getType());
  if (x.getRank() < 2)
    return failAt(loc, getOperationName(),
                  "x must have a channel axis, got rank ", x.getRank());
  auto param = RankedTensorType::get({x.getDimSize(1)}, x.getElementType());
  types.append({param, param});
  return success();
}

LogicalResult MaxPoolGradOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location>,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getX().getType());
  return success();
}

} // namespace pp::nn

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

namespace pp::nn {

/// Checks that `value`, the operand or result named `name`, has type
/// `expected`, described as `what` ("x's type").
static LogicalResult checkType(Operation *op, Value value, StringRef name,
                               Type expected, StringRef what) {
  if (value.getType() == expected)
    return success();
  return op->emitOpError() << name << " must have " << what << " " << expected
                           << ", got " << value.getType();
}

/// Checks that `value`, named `name`, has element type `elementType`.
static LogicalResult checkElementType(Operation *op, Value value,
                                      StringRef name, Type elementType) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getElementType() == elementType)
    return success();
  return op->emitOpError() << name << " must have element type " << elementType
                           << ", got " << type;
}

/// Checks that `axis` indexes an axis of a rank-`rank` tensor.
static LogicalResult checkAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis >= 0 && axis < rank)
    return success();
  return op->emitOpError() << "axis " << axis << " is out of range for rank "
                           << rank;
}

/// Checks that `value`, named `name`, is a per-channel vector [C] of
/// `elementType`, C being axis 1 of `x`.
static LogicalResult checkPerChannel(Operation *op, Value value, StringRef name,
                                     ShapedType x) {
  auto expected = RankedTensorType::get({x.getDimSize(1)}, x.getElementType());
  return checkType(op, value, name, expected, "the per-channel type");
}

/// Checks that the shape a forward rule computed from the explicit result
/// type equals `dy`'s; `rule` says what was applied ("convolving the
/// result").
static LogicalResult checkForwardShape(Operation *op, FailureOr<Shape> shape,
                                       Value dy, StringRef rule) {
  if (failed(shape))
    return failure();
  auto dyShape = cast<ShapedType>(dy.getType()).getShape();
  if (ArrayRef<int64_t>(*shape) == dyShape)
    return success();
  return op->emitOpError() << rule << " gives shape " << shapeString(*shape)
                           << ", not dy's shape " << shapeString(dyShape);
}

/// Logits of rank >= 1 with classes on the last axis; labels with the
/// logits' shape minus the last axis.
static LogicalResult verifyLogitsAndLabels(Operation *op, Value logitsValue,
                                           Value labelsValue) {
  auto logits = cast<ShapedType>(logitsValue.getType());
  auto labels = cast<ShapedType>(labelsValue.getType());
  if (logits.getRank() < 1)
    return op->emitOpError(
               "logits must have rank >= 1 (classes on the last axis), got ")
           << logits;
  ArrayRef<int64_t> positions = logits.getShape().drop_back();
  if (labels.getShape() != positions)
    return op->emitOpError("labels must have the logits' shape without the "
                           "class axis, ")
           << shapeString(positions) << ", got " << labels;
  return success();
}

LogicalResult SoftmaxCrossEntropyOp::verify() {
  return verifyLogitsAndLabels(*this, getLogits(), getLabels());
}

LogicalResult SoftmaxCrossEntropyGradOp::verify() {
  if (failed(verifyLogitsAndLabels(*this, getLogits(), getLabels())))
    return failure();
  auto scalar =
      RankedTensorType::get({}, getLogits().getType().getElementType());
  return checkType(*this, getDloss(), "dloss", scalar,
                   "the 0-d type of the loss");
}

LogicalResult SumToOp::verify() {
  auto x = getX().getType(), result = getType();
  if (failed(
          checkElementType(*this, getResult(), "result", x.getElementType())))
    return failure();
  auto shape = broadcastShapes(result.getShape(), x.getShape());
  if (result.getRank() > x.getRank() || failed(shape) || *shape != x.getShape())
    return emitOpError("result type ")
           << result << " does not broadcast to x's shape "
           << shapeString(x.getShape());
  return success();
}

LogicalResult SoftmaxGradOp::verify() {
  return checkAxis(*this, getAxis(), getDy().getType().getRank());
}

LogicalResult LogSoftmaxGradOp::verify() {
  return checkAxis(*this, getAxis(), getDy().getType().getRank());
}

LogicalResult DropoutGradOp::verify() {
  auto dy = getDy().getType(), mask = getMask().getType();
  if (mask.getShape() != dy.getShape())
    return emitOpError("mask must have dy's shape ")
           << shapeString(dy.getShape()) << ", got " << mask;
  double ratio = getRatio().convertToDouble();
  if (ratio < 0.0 || ratio >= 1.0)
    return emitOpError("ratio must be in [0, 1), got ") << ratio;
  return success();
}

LogicalResult ClipGradOp::verify() {
  return verifyClipBounds(*this, getMinAttr(), getMaxAttr(),
                          getType().getElementType());
}

/// `a` and `b` have dy's element type and broadcast to dy's shape.
static LogicalResult verifyExtremumGrad(Operation *op, Value dyValue, Value a,
                                        Value b) {
  auto dy = cast<ShapedType>(dyValue.getType());
  if (failed(checkElementType(op, a, "a", dy.getElementType())) ||
      failed(checkElementType(op, b, "b", dy.getElementType())))
    return failure();
  auto aShape = cast<ShapedType>(a.getType()).getShape();
  auto bShape = cast<ShapedType>(b.getType()).getShape();
  auto shape = broadcastShapes(aShape, bShape);
  if (failed(shape) || ArrayRef<int64_t>(*shape) != dy.getShape())
    return op->emitOpError()
           << "a " << a.getType() << " and b " << b.getType()
           << " must broadcast to dy's shape " << shapeString(dy.getShape());
  return success();
}

LogicalResult MaxGradOp::verify() {
  return verifyExtremumGrad(*this, getDy(), getA(), getB());
}

LogicalResult MinGradOp::verify() {
  return verifyExtremumGrad(*this, getDy(), getA(), getB());
}

LogicalResult LayerNormGradOp::verify() {
  auto x = getX().getType();
  if (failed(checkType(*this, getDy(), "dy", x, "x's type")) ||
      failed(checkAxis(*this, getAxis(), x.getRank())) ||
      failed(checkElementType(*this, getScale(), "scale", x.getElementType())))
    return failure();
  ArrayRef<int64_t> normalized = x.getShape().drop_front(getAxis());
  auto shape = broadcastShapes(getScale().getType().getShape(), normalized);
  if (failed(shape) || *shape != normalized)
    return emitOpError("scale must broadcast to the normalised shape ")
           << shapeString(normalized) << ", got " << getScale().getType();
  return success();
}

// The verifier runs before the inferred result types are compared, so it
// repeats the checks inference relies on.
LogicalResult LayerNormGradParamsOp::verify() {
  auto x = getX().getType();
  if (failed(checkType(*this, getDy(), "dy", x, "x's type")))
    return failure();
  return checkAxis(*this, getAxis(), x.getRank());
}

LogicalResult BatchNormGradOp::verify() {
  auto x = getX().getType();
  if (failed(checkType(*this, getDy(), "dy", x, "x's type")))
    return failure();
  if (x.getRank() < 2)
    return emitOpError("x must have a channel axis, got ") << x;
  if (failed(checkPerChannel(*this, getScale(), "scale", x)) ||
      failed(checkPerChannel(*this, getMean(), "mean", x)) ||
      failed(checkPerChannel(*this, getVar(), "var", x)))
    return failure();
  return success();
}

LogicalResult BatchNormGradParamsOp::verify() {
  auto x = getX().getType();
  if (failed(checkType(*this, getDy(), "dy", x, "x's type")))
    return failure();
  if (x.getRank() < 2)
    return emitOpError("x must have a channel axis, got ") << x;
  if (failed(checkPerChannel(*this, getMean(), "mean", x)) ||
      failed(checkPerChannel(*this, getVar(), "var", x)))
    return failure();
  return success();
}

LogicalResult ConvGradInputOp::verify() {
  auto dx = getType(), w = getWeight().getType();
  Type element = getDy().getType().getElementType();
  if (failed(checkElementType(*this, getWeight(), "weight", element)) ||
      failed(checkElementType(*this, getDx(), "result", element)))
    return failure();
  FailureOr<Shape> shape =
      inferConvShape(getLoc(), getOperationName(), dx.getShape(), w.getShape(),
                     getStrides(), getPads(), getDilations());
  if (failed(shape) ||
      failed(verifyConvChannels(*this, dx, w, getGroup(), getPads())))
    return failure();
  return checkForwardShape(*this, shape, getDy(),
                           "convolving the result type with weight");
}

LogicalResult ConvGradWeightOp::verify() {
  auto x = getX().getType(), dw = getType();
  Type element = getDy().getType().getElementType();
  if (failed(checkElementType(*this, getX(), "x", element)) ||
      failed(checkElementType(*this, getDweight(), "result", element)))
    return failure();
  FailureOr<Shape> shape =
      inferConvShape(getLoc(), getOperationName(), x.getShape(), dw.getShape(),
                     getStrides(), getPads(), getDilations());
  if (failed(shape) ||
      failed(verifyConvChannels(*this, x, dw, getGroup(), getPads())))
    return failure();
  return checkForwardShape(*this, shape, getDy(),
                           "convolving x with the result type");
}

LogicalResult MaxPoolGradOp::verify() {
  auto x = getX().getType();
  if (failed(checkElementType(*this, getDy(), "dy", x.getElementType())) ||
      failed(verifyPoolWindow(*this, getKernelShape(), getPads())))
    return failure();
  return checkForwardShape(*this,
                           inferPoolShape(getLoc(), getOperationName(),
                                          x.getShape(), getKernelShape(),
                                          getStrides(), getPads(),
                                          getDilations(), getCeilMode()),
                           getDy(), "pooling x");
}

LogicalResult AveragePoolGradOp::verify() {
  auto dx = getType();
  if (failed(checkElementType(*this, getDx(), "result",
                              getDy().getType().getElementType())) ||
      failed(verifyPoolWindow(*this, getKernelShape(), getPads())))
    return failure();
  return checkForwardShape(*this,
                           inferPoolShape(getLoc(), getOperationName(),
                                          dx.getShape(), getKernelShape(),
                                          getStrides(), getPads(),
                                          getDilations(), getCeilMode()),
                           getDy(), "pooling the result type");
}

LogicalResult GatherGradOp::verify() {
  if (failed(checkElementType(*this, getDdata(), "result",
                              getDy().getType().getElementType())))
    return failure();
  return checkForwardShape(
      *this,
      inferGatherShape(getLoc(), getOperationName(), getType().getShape(),
                       getIndices().getType().getShape(), getAxis()),
      getDy(), "gathering from the result type with indices");
}

LogicalResult SliceGradOp::verify() {
  if (failed(checkElementType(*this, getDx(), "result",
                              getDy().getType().getElementType())))
    return failure();
  return checkForwardShape(*this,
                           inferSliceShape(getLoc(), getOperationName(),
                                           getType().getShape(), getStarts(),
                                           getEnds(), getSteps()),
                           getDy(), "slicing the result type");
}

LogicalResult PadGradOp::verify() {
  if (failed(checkElementType(*this, getDx(), "result",
                              getDy().getType().getElementType())))
    return failure();
  return checkForwardShape(*this,
                           inferPadShape(getLoc(), getOperationName(),
                                         getType().getShape(), getPads(),
                                         getMode()),
                           getDy(), "padding the result type");
}

} // namespace pp::nn
