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
