//===- FoldingImporters.cpp - ONNX operators folded on constants ----------===//
//
// Operators that exporters apply to shapes and masks, computed here when
// their inputs are compile-time constants: And, Or and Xor (the boolean
// masks of current Hugging Face models, built from the sequence length),
// GatherElements (token-type ids gathered by position), and Sqrt and Not,
// which have nn ops for run-time values and fold here on constants (the
// attention scale `1 / sqrt(head size)` that exporters compute from a
// shape). An And, Or, Xor or GatherElements of run-time values has no nn
// form: importKnownNode leaves it to the generic import.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;
using namespace pp::nn;

namespace pp::onnx_import {
namespace {

using Ints = SmallVector<int64_t>;

Ints stridesOf(ArrayRef<int64_t> shape) {
  Ints strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The multi-index of element `linear` of a tensor of shape `shape`.
Ints unravel(int64_t linear, ArrayRef<int64_t> shape) {
  Ints index(shape.size(), 0);
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

/// The linear index in a tensor of shape `in` of the element that numpy
/// broadcasting maps onto `index` of the (broadcast) result.
int64_t broadcastSource(ArrayRef<int64_t> index, ArrayRef<int64_t> in) {
  Ints strides = stridesOf(in);
  size_t offset = index.size() - in.size();
  int64_t linear = 0;
  for (size_t d = 0; d < in.size(); ++d)
    if (in[d] != 1)
      linear += index[d + offset] * strides[d];
  return linear;
}

FailureOr<Ints> broadcastShape(NodeImporter &n, ArrayRef<int64_t> a,
                               ArrayRef<int64_t> b) {
  Ints shape(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (x != y && x != 1 && y != 1)
      return n.error() << "shapes [" << formatInts(a) << "] and ["
                       << formatInts(b) << "] do not broadcast";
    shape[shape.size() - 1 - i] = x == 1 ? y : x;
  }
  return shape;
}

LogicalResult emitFolded(NodeImporter &n, DenseElementsAttr value) {
  auto results = n.buildTyped<ConstantOp>(value.getType(), value);
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

} // namespace

LogicalResult importLogical(NodeImporter &n) {
  DenseElementsAttr a = n.constantInput(0), b = n.constantInput(1);
  if (!a || !b)
    return n.error() << "inputs must be compile-time constants (pp folds "
                        "it, as exporters use it on masks)";
  if (!a.getElementType().isInteger(1) || !b.getElementType().isInteger(1))
    return n.error() << "inputs must be booleans, got " << a.getType()
                     << " and " << b.getType();
  auto aShape = cast<RankedTensorType>(a.getType()).getShape();
  auto bShape = cast<RankedTensorType>(b.getType()).getShape();
  auto shape = broadcastShape(n, aShape, bShape);
  if (failed(shape))
    return failure();
  StringRef type = n.node.op_type();
  auto as = llvm::to_vector(a.getValues<bool>());
  auto bs = llvm::to_vector(b.getValues<bool>());
  int64_t total = ShapedType::getNumElements(*shape);
  SmallVector<bool> out;
  out.reserve(total);
  for (int64_t i = 0; i < total; ++i) {
    Ints index = unravel(i, *shape);
    bool x = as[broadcastSource(index, aShape)];
    bool y = bs[broadcastSource(index, bShape)];
    out.push_back(type == "And" ? (x && y) : type == "Or" ? (x || y) : x != y);
  }
  auto resultType = RankedTensorType::get(*shape, n.builder.getI1Type());
  return emitFolded(n, DenseElementsAttr::get(resultType, out));
}

LogicalResult importGatherElements(NodeImporter &n) {
  DenseElementsAttr data = n.constantInput(0), indices = n.constantInput(1);
  if (!data || !indices)
    return n.error() << "data and indices must be compile-time constants "
                        "(pp folds GatherElements, as exporters use it on "
                        "index tensors)";
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indexType = cast<RankedTensorType>(indices.getType());
  if (!isa<IntegerType>(indexType.getElementType()))
    return n.error() << "indices must be integers, got " << indexType;
  int64_t rank = dataType.getRank();
  if (indexType.getRank() != rank)
    return n.error() << "indices " << indexType << " and data " << dataType
                     << " differ in rank";
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  SmallVector<Attribute> values(data.getValues<Attribute>()), out;
  Ints strides = stridesOf(dataType.getShape());
  int64_t dim = dataType.getDimSize(*axis), linear = 0;
  for (const APInt &v : indices.getValues<APInt>()) {
    Ints index = unravel(linear, indexType.getShape());
    int64_t i = v.getSExtValue();
    if (i < -dim || i >= dim)
      return n.error() << "index " << i << " is out of bounds for axis "
                       << *axis << " of size " << dim;
    index[*axis] = i < 0 ? i + dim : i;
    int64_t source = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (d != *axis && index[d] >= dataType.getDimSize(d))
        return n.error() << "indices " << indexType
                         << " exceed the data's shape " << dataType
                         << " on axis " << d;
      source += index[d] * strides[d];
    }
    out.push_back(values[source]);
    ++linear;
  }
  auto resultType =
      RankedTensorType::get(indexType.getShape(), dataType.getElementType());
  return emitFolded(n, DenseElementsAttr::get(resultType, out));
}

LogicalResult importSqrt(NodeImporter &n) {
  DenseElementsAttr value = n.constantInput(0);
  auto floatType = dyn_cast<FloatType>(n.inputType(0).getElementType());
  if (!value || !floatType)
    return n.emit<SqrtOp>(n.input(0));
  // The square root of the value as a double, rounded once to the type:
  // correctly rounded for float32 and below (a double has more than twice
  // their precision), and std::sqrt is correctly rounded for doubles.
  return emitFolded(n, value.mapValues(floatType, [&](const APFloat &v) {
    bool lost;
    APFloat r(std::sqrt(v.convertToDouble()));
    if (&floatType.getFloatSemantics() != &APFloat::IEEEdouble())
      r.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
    return r.bitcastToAPInt();
  }));
}

LogicalResult emitNot(NodeImporter &n, Value input) {
  DenseElementsAttr value;
  if (!matchPattern(input, m_Constant(&value)) ||
      !value.getElementType().isInteger(1))
    return n.emit<NotOp>(input);
  return emitFolded(n, value.mapValues(value.getElementType(),
                                       [](const APInt &v) { return ~v; }));
}

LogicalResult importNot(NodeImporter &n) { return emitNot(n, n.input(0)); }

} // namespace pp::onnx_import
