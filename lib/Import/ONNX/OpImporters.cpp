//===- OpImporters.cpp - ONNX operators to nn ops -------------------------===//
//
// One function per ONNX operator of the default domain, opsets 13 to 23.
// Each normalises ONNX's attributes (negative axes, defaults, inputs that
// became attributes in later opsets) and builds the nn op; folding happens in
// NodeImporter, so constant subgraphs disappear as they are imported.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"
#include "TensorConversion.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <limits>

using namespace mlir;
using namespace pp::nn;

namespace pp::onnx_import {
namespace {

using Ints = SmallVector<int64_t>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

template <typename OpTy> LogicalResult importBinary(NodeImporter &n) {
  return n.emit<OpTy>(n.input(0), n.input(1));
}

template <typename OpTy> LogicalResult importUnary(NodeImporter &n) {
  return n.emit<OpTy>(n.input(0));
}

/// Unary ops whose operand and result types are the same build with the
/// operand's type.
template <typename OpTy> LogicalResult importSameType(NodeImporter &n) {
  auto results = n.buildTyped<OpTy>(n.input(0).getType(), n.input(0));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

LogicalResult importGelu(NodeImporter &n) {
  std::string approximate = n.stringAttr("approximate", "none");
  std::optional<GeluApproximation> kind =
      symbolizeGeluApproximation(approximate);
  if (!kind)
    return n.error() << "approximate must be \"none\" or \"tanh\", not \""
                     << approximate << "\"";
  auto results = n.buildTyped<GeluOp>(
      n.input(0).getType(), n.input(0),
      GeluApproximationAttr::get(n.builder.getContext(), *kind));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

/// Input 0 cast to `elementType`.
static LogicalResult castInput(NodeImporter &n, Type elementType) {
  auto results =
      n.buildTyped<CastOp>(n.inputType(0).clone(elementType), n.input(0));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

LogicalResult importCast(NodeImporter &n) {
  int64_t to = n.intAttr("to", 0);
  Type elementType = convertElementType(to, n.getContext());
  if (!elementType)
    return n.error() << "cannot cast to " << dataTypeName(to);
  return castInput(n, elementType);
}

/// CastLike (opset 15+): a Cast to the element type of input 1, whose value
/// is not read. The torch.export-based exporter writes it for the dtype
/// casts of `x.to(y.dtype)`.
LogicalResult importCastLike(NodeImporter &n) {
  return castInput(n, n.inputType(1).getElementType());
}

LogicalResult importWhere(NodeImporter &n) {
  return n.emit<WhereOp>(n.input(0), n.input(1), n.input(2));
}

/// IsNaN as `not (x == x)`: a NaN alone differs from itself. Exporters
/// guard softmax with it (`Where(IsNaN(p), 0, p)`, so that a fully masked
/// row gives zeros), where it only selects.
LogicalResult importIsNaN(NodeImporter &n) {
  if (!isa<FloatType>(n.inputType(0).getElementType()))
    return n.error() << "X must be floating point, got " << n.inputType(0);
  auto equal = n.build<EqualOp>(1, n.input(0), n.input(0));
  if (failed(equal))
    return failure();
  return emitNot(n, equal->front());
}

LogicalResult importIdentity(NodeImporter &n) {
  n.setOutput(0, n.input(0));
  return success();
}

/// Dropout imports as an identity unless `training_mode` is a constant true.
LogicalResult importDropout(NodeImporter &n) {
  bool training = false;
  if (n.hasInput(2)) {
    DenseElementsAttr mode = n.constantInput(2);
    if (!mode)
      return n.error() << "training_mode must be a compile-time constant";
    training = mode.getSplatValue<bool>();
  }
  float ratio = 0.5f;
  if (n.hasInput(1)) {
    DenseElementsAttr r = n.constantInput(1);
    if (!r || !isa<FloatType>(r.getElementType()))
      return n.error() << "ratio must be a compile-time float constant";
    ratio = (*r.getValues<APFloat>().begin()).convertToFloat();
  }
  if (!training || ratio == 0.0f) {
    n.setOutput(0, n.input(0));
    if (n.hasOutput(1)) {
      auto maskType = n.inputType(0).clone(n.builder.getI1Type());
      auto mask = n.buildTyped<ConstantOp>(
          maskType, DenseElementsAttr::get(maskType, true));
      if (failed(mask))
        return failure();
      n.setOutput(1, mask->front());
    }
    return success();
  }
  std::optional<int64_t> seed;
  if (n.attr("seed"))
    seed = n.intAttr("seed", 0);
  auto results = n.build<DropoutOp>(
      2, n.input(0), n.builder.getF32FloatAttr(ratio),
      seed ? n.builder.getI64IntegerAttr(*seed) : IntegerAttr());
  if (failed(results))
    return failure();
  n.setOutput(0, (*results)[0]);
  n.setOutput(1, (*results)[1]);
  return success();
}

LogicalResult importHardSigmoid(NodeImporter &n) {
  auto results = n.buildTyped<HardSigmoidOp>(
      n.input(0).getType(), n.input(0),
      n.builder.getF32FloatAttr(n.floatAttr("alpha", 0.2f)),
      n.builder.getF32FloatAttr(n.floatAttr("beta", 0.5f)));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

/// Clip's optional bound `i` (1: min, 2: max) as a scalar attribute of the
/// input's element type; null when the input is absent. A bound computed at
/// run time has no nn form.
FailureOr<Attribute> readClipBound(NodeImporter &n, int i, StringRef name) {
  if (!n.hasInput(i))
    return Attribute();
  DenseElementsAttr bound = n.constantInput(i);
  if (!bound || bound.getNumElements() != 1) {
    n.error() << "input " << i << " ('" << name
              << "') must be a compile-time constant scalar; pp supports "
                 "Clip with constant bounds only";
    return failure();
  }
  Type elementType = n.inputType(0).getElementType();
  if (bound.getElementType() != elementType) {
    n.error() << "input " << i << " ('" << name << "') has element type "
              << bound.getElementType() << ", not the input's " << elementType;
    return failure();
  }
  if (isa<FloatType>(elementType))
    return Attribute(
        FloatAttr::get(elementType, *bound.getValues<APFloat>().begin()));
  if (isa<IntegerType>(elementType))
    return Attribute(
        IntegerAttr::get(elementType, *bound.getValues<APInt>().begin()));
  n.error() << "cannot clip elements of type " << elementType;
  return failure();
}

/// Clip (opset 13: bounds as optional inputs); without bounds, an identity.
LogicalResult importClip(NodeImporter &n) {
  auto min = readClipBound(n, 1, "min");
  if (failed(min))
    return failure();
  auto max = readClipBound(n, 2, "max");
  if (failed(max))
    return failure();
  if (!*min && !*max) {
    n.setOutput(0, n.input(0));
    return success();
  }
  auto results = n.buildTyped<ClipOp>(n.input(0).getType(), n.input(0),
                                      cast_or_null<TypedAttr>(*min),
                                      cast_or_null<TypedAttr>(*max));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

/// Variadic Max and Min: a left-to-right chain of binary ops; one input is
/// an identity.
template <typename OpTy> LogicalResult importVariadic(NodeImporter &n) {
  Value result;
  for (int i = 0; i < n.node.input_size(); ++i) {
    if (!n.hasInput(i))
      return n.error() << "input " << i << " is empty";
    if (!result) {
      result = n.input(i);
      continue;
    }
    auto results = n.build<OpTy>(1, result, n.input(i));
    if (failed(results))
      return failure();
    result = results->front();
  }
  n.setOutput(0, result);
  return success();
}

LogicalResult importMod(NodeImporter &n) {
  bool fmod = n.intAttr("fmod", 0) != 0;
  if (!fmod && isa<FloatType>(n.inputType(0).getElementType()))
    return n.error() << "fmod must be 1 for floating-point inputs, as ONNX "
                        "requires";
  return n.emit<ModOp>(n.input(0), n.input(1), n.builder.getBoolAttr(fmod));
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalisation
//===----------------------------------------------------------------------===//

LogicalResult importGemm(NodeImporter &n) {
  OpBuilder &b = n.builder;
  return n.emit<GemmOp>(n.input(0), n.input(1), n.input(2),
                        b.getF32FloatAttr(n.floatAttr("alpha", 1.0f)),
                        b.getF32FloatAttr(n.floatAttr("beta", 1.0f)),
                        b.getBoolAttr(n.intAttr("transA", 0) != 0),
                        b.getBoolAttr(n.intAttr("transB", 0) != 0));
}

template <typename OpTy> LogicalResult importSoftmax(NodeImporter &n) {
  auto axis = n.normalizeAxis(n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  auto results = n.buildTyped<OpTy>(n.input(0).getType(), n.input(0),
                                    n.builder.getI64IntegerAttr(*axis));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

LogicalResult importLayerNorm(NodeImporter &n) {
  auto axis = n.normalizeAxis(n.intAttr("axis", -1), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.emit<LayerNormOp>(
      n.input(0), n.input(1), n.input(2), n.builder.getI64IntegerAttr(*axis),
      n.builder.getF32FloatAttr(n.floatAttr("epsilon", 1e-5f)));
}

/// One of BatchNormalization's updated running statistics (outputs 1 and 2
/// in training mode): `running * momentum + batch * (1 - momentum)`, with
/// the batch's mean, or its variance over every axis but the channels',
/// biased as ONNX defines these outputs. (The running variance the runtime
/// keeps as state is PyTorch's, from the unbiased batch variance; these
/// outputs are the graph's own values, which a model may return.)
FailureOr<Value> buildUpdatedStatistic(NodeImporter &n, bool variance,
                                       float momentum) {
  OpBuilder &b = n.builder;
  Value x = n.input(0);
  RankedTensorType type = n.inputType(0);
  SmallVector<int64_t> axes = {0};
  for (int64_t axis = 2; axis < type.getRank(); ++axis)
    axes.push_back(axis);
  auto scalar = [&](double value) -> FailureOr<Value> {
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    auto c = n.buildTyped<ConstantOp>(
        scalarType,
        DenseElementsAttr::get(scalarType,
                               b.getFloatAttr(type.getElementType(), value)));
    if (failed(c))
      return failure();
    return c->front();
  };
  auto reduceMean = [&](Value input, bool keepdims) -> FailureOr<Value> {
    auto r = n.build<ReduceMeanOp>(1, input, b.getDenseI64ArrayAttr(axes),
                                   b.getBoolAttr(keepdims));
    if (failed(r))
      return failure();
    return r->front();
  };
  auto binary = [&](auto tag, Value lhs, Value rhs) -> FailureOr<Value> {
    using OpTy = typename decltype(tag)::type;
    auto r = n.build<OpTy>(1, lhs, rhs);
    if (failed(r))
      return failure();
    return r->front();
  };
  struct Sub {
    using type = SubOp;
  };
  struct Mul {
    using type = MulOp;
  };
  struct Add {
    using type = AddOp;
  };

  FailureOr<Value> batch = reduceMean(x, /*keepdims=*/false);
  if (failed(batch))
    return failure();
  if (variance) {
    FailureOr<Value> mean = reduceMean(x, /*keepdims=*/true);
    if (failed(mean))
      return failure();
    FailureOr<Value> centred = binary(Sub{}, x, *mean);
    if (failed(centred))
      return failure();
    FailureOr<Value> squared = binary(Mul{}, *centred, *centred);
    if (failed(squared))
      return failure();
    batch = reduceMean(*squared, /*keepdims=*/false);
    if (failed(batch))
      return failure();
  }
  FailureOr<Value> keep = scalar(momentum), take = scalar(1.0 - momentum);
  if (failed(keep) || failed(take))
    return failure();
  FailureOr<Value> old = binary(Mul{}, n.input(variance ? 4 : 3), *keep);
  FailureOr<Value> fresh = binary(Mul{}, *batch, *take);
  if (failed(old) || failed(fresh))
    return failure();
  return binary(Add{}, *old, *fresh);
}

/// BatchNormalization as PyTorch exports it: one output (inference, or a
/// module exported with TrainingMode.PRESERVE), or in training mode
/// (`training_mode = 1`) with the updated running mean and variance as
/// outputs 1 and 2, which models rarely use. nn.batch_norm in training mode
/// updates the running statistics as state itself (in place, when it runs);
/// where the graph does use those outputs, they are computed from the batch
/// by ops placed before it, so that they read the statistics it started
/// from.
LogicalResult importBatchNorm(NodeImporter &n) {
  OpBuilder &b = n.builder;
  bool training = n.intAttr("training_mode", 0) != 0;
  float momentum = n.floatAttr("momentum", 0.9f);
  if (!training && n.numOutputs() > 1)
    return n.error() << "outputs running_mean and running_var exist in "
                        "training mode only (training_mode = 1), but this "
                        "node has training_mode = 0 and "
                     << n.numOutputs() << " outputs";
  for (int output : {1, 2}) {
    if (!n.hasOutput(output))
      continue;
    FailureOr<Value> statistic =
        buildUpdatedStatistic(n, /*variance=*/output == 2, momentum);
    if (failed(statistic))
      return failure();
    n.setOutput(output, *statistic);
  }
  return n.emit<BatchNormOp>(
      n.input(0), n.input(1), n.input(2), n.input(3), n.input(4),
      b.getF32FloatAttr(n.floatAttr("epsilon", 1e-5f)),
      b.getF32FloatAttr(momentum), b.getBoolAttr(training));
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// Spatial attributes shared by Conv and the pools, with `auto_pad` resolved.
struct Window {
  Ints kernel, strides, pads, dilations;
};

FailureOr<Window> readWindow(NodeImporter &n, ArrayRef<int64_t> kernel) {
  auto input = n.inputType(0);
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1)
    return n.error() << "input must be N x C x spatial..., got " << input;
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = n.intsAttr("strides").value_or(Ints(spatial, 1));
  w.dilations = n.intsAttr("dilations").value_or(Ints(spatial, 1));
  w.pads = n.intsAttr("pads").value_or(Ints(2 * spatial, 0));
  if ((int64_t)w.kernel.size() != spatial ||
      (int64_t)w.strides.size() != spatial ||
      (int64_t)w.dilations.size() != spatial ||
      (int64_t)w.pads.size() != 2 * spatial)
    return n.error() << "kernel_shape, strides, dilations and pads must "
                        "match the "
                     << spatial << " spatial axes of " << input;
  // Checked here, not only by the op's verifier: auto_pad divides by the
  // strides before the op exists.
  for (int64_t i = 0; i < spatial; ++i)
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1)
      return n.error() << "kernel sizes, strides and dilations must be >= 1, "
                          "got kernel_shape "
                       << formatInts(w.kernel) << ", strides "
                       << formatInts(w.strides) << ", dilations "
                       << formatInts(w.dilations);
  std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "VALID") {
    std::fill(w.pads.begin(), w.pads.end(), 0);
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = input.getDimSize(i + 2), s = w.strides[i];
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(
          0, (out - 1) * s + (w.kernel[i] - 1) * w.dilations[i] + 1 - in);
      int64_t small = total / 2, large = total - small;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      w.pads[i + spatial] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "NOTSET") {
    return n.error() << "unknown auto_pad '" << autoPad << "'";
  }
  return w;
}

LogicalResult importConv(NodeImporter &n) {
  auto weight = n.inputType(1);
  auto w = readWindow(n, weight.getShape().drop_front(2));
  if (failed(w))
    return failure();
  if (auto kernel = n.intsAttr("kernel_shape");
      kernel && ArrayRef<int64_t>(*kernel) != weight.getShape().drop_front(2))
    return n.error() << "kernel_shape does not match the weight " << weight;
  OpBuilder &b = n.builder;
  return n.emit<ConvOp>(
      n.input(0), n.input(1), n.input(2), b.getDenseI64ArrayAttr(w->strides),
      b.getDenseI64ArrayAttr(w->pads), b.getDenseI64ArrayAttr(w->dilations),
      b.getI64IntegerAttr(n.intAttr("group", 1)));
}

template <typename OpTy> LogicalResult importPool(NodeImporter &n) {
  auto kernel = n.intsAttr("kernel_shape");
  if (!kernel)
    return n.error() << "kernel_shape is required";
  auto w = readWindow(n, *kernel);
  if (failed(w))
    return failure();
  OpBuilder &b = n.builder;
  auto common = std::make_tuple(n.input(0), b.getDenseI64ArrayAttr(w->kernel),
                                b.getDenseI64ArrayAttr(w->strides),
                                b.getDenseI64ArrayAttr(w->pads),
                                b.getDenseI64ArrayAttr(w->dilations),
                                b.getBoolAttr(n.intAttr("ceil_mode", 0) != 0));
  if constexpr (std::is_same_v<OpTy, AveragePoolOp>)
    return std::apply(
        [&](auto... args) {
          return n.emit<OpTy>(
              args..., b.getBoolAttr(n.intAttr("count_include_pad", 0) != 0));
        },
        common);
  else
    return std::apply([&](auto... args) { return n.emit<OpTy>(args...); },
                      common);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// ReduceMean, ReduceMax and ReduceMin before opset 18 take `axes` as an
/// attribute, later (and ReduceSum from 13) as an optional input.
template <typename OpTy>
LogicalResult importReduce(NodeImporter &n, bool axesAsInput) {
  auto input = n.inputType(0);
  int64_t rank = input.getRank();
  Ints axes;
  if (axesAsInput && n.attr("axes"))
    return n.error() << "takes 'axes' as an input at opset " << n.opset
                     << ", not as an attribute";
  if (!axesAsInput && n.hasInput(1))
    return n.error() << "takes 'axes' as an attribute at opset " << n.opset
                     << ", not as an input";
  if (axesAsInput) {
    if (n.hasInput(1)) {
      auto given = n.intsInput(1, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
  } else {
    axes = n.intsAttr("axes").value_or(Ints());
  }
  if (axes.empty()) {
    if (n.intAttr("noop_with_empty_axes", 0) != 0) {
      n.setOutput(0, n.input(0));
      return success();
    }
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  auto normalized = n.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  axes = std::move(*normalized);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return n.emit<OpTy>(n.input(0), n.builder.getDenseI64ArrayAttr(axes),
                      n.builder.getBoolAttr(n.intAttr("keepdims", 1) != 0));
}

LogicalResult importReduceMean(NodeImporter &n) {
  return importReduce<ReduceMeanOp>(n, /*axesAsInput=*/n.opset >= 18);
}

LogicalResult importReduceSum(NodeImporter &n) {
  return importReduce<ReduceSumOp>(n, /*axesAsInput=*/true);
}

LogicalResult importReduceMax(NodeImporter &n) {
  return importReduce<ReduceMaxOp>(n, /*axesAsInput=*/n.opset >= 18);
}

LogicalResult importReduceMin(NodeImporter &n) {
  return importReduce<ReduceMinOp>(n, /*axesAsInput=*/n.opset >= 18);
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

LogicalResult emitConstant(NodeImporter &n, int output,
                           DenseElementsAttr value) {
  auto results = n.buildTyped<ConstantOp>(value.getType(), value);
  if (failed(results))
    return failure();
  n.setOutput(output, results->front());
  return success();
}

LogicalResult importShape(NodeImporter &n) {
  auto input = n.inputType(0);
  int64_t rank = input.getRank();
  auto clampEnd = [&](int64_t v) {
    if (v < 0)
      v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  int64_t start = clampEnd(n.intAttr("start", 0));
  int64_t end = clampEnd(n.intAttr("end", rank));
  Ints dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(input.getDimSize(i));
  auto type =
      RankedTensorType::get({(int64_t)dims.size()}, n.builder.getI64Type());
  return emitConstant(n, 0, DenseElementsAttr::get(type, ArrayRef(dims)));
}

LogicalResult importConstantOfShape(NodeImporter &n) {
  auto shape = n.intsInput(0, "shape");
  if (failed(shape))
    return failure();
  if (llvm::any_of(*shape, [](int64_t d) { return d < 0; }))
    return n.error() << "shape has a negative dimension";
  Attribute element;
  Type elementType = n.builder.getF32Type();
  if (const auto *value = n.attr("value")) {
    elementType = convertElementType(value->t().data_type(), n.getContext());
    if (!elementType)
      return n.error() << "value has unsupported type "
                       << dataTypeName(value->t().data_type());
    auto scalarType = RankedTensorType::get({1}, elementType);
    auto data = convertTensorData(value->t(), scalarType, "");
    if (!data)
      return n.error() << "value " << llvm::toString(data.takeError());
    element = data->getSplatValue<Attribute>();
  } else {
    element = n.builder.getF32FloatAttr(0.0f);
  }
  auto type = RankedTensorType::get(*shape, elementType);
  return emitConstant(n, 0, DenseElementsAttr::get(type, element));
}

LogicalResult importFlatten(NodeImporter &n) {
  int64_t rank = n.inputType(0).getRank();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.error() << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  return n.emit<FlattenOp>(n.input(0), n.builder.getI64IntegerAttr(axis));
}

LogicalResult importReshape(NodeImporter &n) {
  auto input = n.inputType(0);
  auto shape = n.intsInput(1, "shape");
  if (failed(shape))
    return failure();
  bool allowZero = n.intAttr("allowzero", 0) != 0;
  Ints dims = *shape;
  int64_t inferred = -1, known = 1;
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d == 0 && !allowZero) {
      if ((int64_t)i >= input.getRank())
        return n.error() << "shape entry " << i
                         << " copies an axis the input does not have";
      d = input.getDimSize(i);
    }
    if (d == -1) {
      if (inferred >= 0)
        return n.error() << "shape has more than one -1";
      inferred = i;
      continue;
    }
    if (d < 0)
      return n.error() << "shape entry " << i << " is " << d;
    known *= d;
  }
  if (inferred >= 0) {
    if (known == 0 || input.getNumElements() % known != 0)
      return n.error() << "cannot reshape " << input << " to "
                       << formatInts(*shape);
    dims[inferred] = input.getNumElements() / known;
  }
  auto results = n.buildTyped<ReshapeOp>(input.clone(dims), n.input(0));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

LogicalResult importTranspose(NodeImporter &n) {
  int64_t rank = n.inputType(0).getRank();
  Ints perm = n.intsAttr("perm").value_or(
      llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank))));
  return n.emit<TransposeOp>(n.input(0), n.builder.getDenseI64ArrayAttr(perm));
}

LogicalResult importGather(NodeImporter &n) {
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  return n.emit<GatherOp>(n.input(0), n.input(1),
                          n.builder.getI64IntegerAttr(*axis));
}

/// GatherND with compile-time indices (exporters write it for indexing
/// with index tensors: Swin's relative-position table, masks built by
/// advanced indexing) as a Gather: the first k axes of data, which each
/// index tuple addresses, become one axis, and the tuples their row-major
/// positions on it. Its gradient is then Gather's.
LogicalResult importGatherND(NodeImporter &n) {
  if (n.intAttr("batch_dims", 0) != 0)
    return n.error() << "batch_dims other than 0 is not supported";
  DenseElementsAttr indices = n.constantInput(1);
  auto dataType = n.inputType(0);
  auto indexType = cast<RankedTensorType>(indices.getType());
  int64_t q = indexType.getRank(), r = dataType.getRank();
  int64_t k = q ? indexType.getDimSize(q - 1) : 0;
  if (q < 1 || k < 1 || k > r)
    return n.error() << "indices " << indexType << " must have rank >= 1 and "
                     << "a last dimension from 1 to the data's rank " << r;
  Ints rows;
  int64_t tuple = 0, linear = 0, count = 1;
  for (int64_t d = 0; d < k; ++d)
    count *= dataType.getDimSize(d);
  for (const APInt &v : indices.getValues<APInt>()) {
    int64_t dim = dataType.getDimSize(tuple), i = v.getSExtValue();
    if (i < -dim || i >= dim)
      return n.error() << "index " << i << " is out of bounds for axis "
                       << tuple << " of size " << dim;
    linear = linear * dim + (i < 0 ? i + dim : i);
    if (++tuple == k) {
      rows.push_back(linear);
      tuple = linear = 0;
    }
  }
  Ints flatShape{count};
  llvm::append_range(flatShape, dataType.getShape().drop_front(k));
  auto flat = n.buildTyped<ReshapeOp>(dataType.clone(flatShape), n.input(0));
  if (failed(flat))
    return failure();
  auto rowType = RankedTensorType::get(indexType.getShape().drop_back(),
                                       n.builder.getI64Type());
  auto rowValues = n.buildTyped<ConstantOp>(
      rowType, DenseElementsAttr::get(rowType, ArrayRef<int64_t>(rows)));
  if (failed(rowValues))
    return failure();
  return n.emit<GatherOp>(flat->front(), rowValues->front(),
                          n.builder.getI64IntegerAttr(0));
}

LogicalResult importSlice(NodeImporter &n) {
  auto input = n.inputType(0);
  int64_t rank = input.getRank();
  auto starts = n.intsInput(1, "starts");
  if (failed(starts))
    return failure();
  auto ends = n.intsInput(2, "ends");
  if (failed(ends))
    return failure();
  Ints axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
  Ints steps(starts->size(), 1);
  if (n.hasInput(3)) {
    auto given = n.intsInput(3, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (n.hasInput(4)) {
    auto given = n.intsInput(4, "steps");
    if (failed(given))
      return failure();
    steps = *given;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return n.error() << "starts, ends, axes and steps differ in length";
  Ints outStarts(rank, 0), outEnds(input.getShape()), outSteps(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = n.normalizeAxis(axes[i], rank);
    if (failed(axis))
      return failure();
    int64_t dim = input.getDimSize(*axis), step = steps[i];
    if (step == 0)
      return n.error() << "step of axis " << *axis << " is zero";
    int64_t start = (*starts)[i], end = (*ends)[i];
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    outStarts[*axis] = start;
    outEnds[*axis] = end;
    outSteps[*axis] = step;
  }
  OpBuilder &b = n.builder;
  return n.emit<SliceOp>(n.input(0), b.getDenseI64ArrayAttr(outStarts),
                         b.getDenseI64ArrayAttr(outEnds),
                         b.getDenseI64ArrayAttr(outSteps));
}

LogicalResult importConcat(NodeImporter &n) {
  SmallVector<Value> inputs;
  for (int i = 0; i < n.node.input_size(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  if (inputs.empty())
    return n.error() << "needs at least one input";
  auto axis =
      n.normalizeAxis(n.intAttr("axis", 0),
                      cast<RankedTensorType>(inputs[0].getType()).getRank());
  if (failed(axis))
    return failure();
  return n.emit<ConcatOp>(inputs, n.builder.getI64IntegerAttr(*axis));
}

LogicalResult importSplit(NodeImporter &n) {
  auto input = n.inputType(0);
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), input.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = input.getDimSize(*axis);
  int outputs = n.node.output_size();
  Ints sizes;
  if (n.hasInput(1)) {
    auto given = n.intsInput(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  } else if (auto attr = n.intsAttr("split"); attr && n.opset < 13) {
    sizes = *attr;
  } else {
    // Equal parts; from opset 18 the last part may be smaller.
    int64_t parts =
        n.attr("num_outputs") ? n.intAttr("num_outputs", outputs) : outputs;
    if (parts < 1)
      return n.error() << "cannot split into " << parts << " parts";
    int64_t size = (dim + parts - 1) / parts;
    if (n.opset < 18 && dim % parts != 0)
      return n.error() << "axis of size " << dim << " does not split into "
                       << parts << " equal parts";
    for (int64_t i = 0, left = dim; i < parts; ++i, left -= size)
      sizes.push_back(std::min(size, left));
  }
  if ((int)sizes.size() != outputs)
    return n.error() << "has " << outputs << " outputs but " << sizes.size()
                     << " split sizes";
  auto results = n.build<SplitOp>(sizes.size(), n.input(0),
                                  n.builder.getI64IntegerAttr(*axis),
                                  n.builder.getDenseI64ArrayAttr(sizes));
  if (failed(results))
    return failure();
  for (int i = 0; i < outputs; ++i)
    n.setOutput(i, (*results)[i]);
  return success();
}

/// Unsqueeze and Squeeze take `axes` as an input from opset 13.
FailureOr<Ints> readAxes(NodeImporter &n, int64_t rank, bool required) {
  Ints axes;
  if (n.hasInput(1)) {
    auto given = n.intsInput(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  } else if (auto attr = n.intsAttr("axes")) {
    axes = *attr;
  } else if (required) {
    n.error() << "axes are required";
    return failure();
  }
  auto normalized = n.normalizeAxes(axes, rank);
  if (failed(normalized))
    return failure();
  axes = std::move(*normalized);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) {
    n.error() << "axes repeat an axis";
    return failure();
  }
  return axes;
}

LogicalResult importUnsqueeze(NodeImporter &n) {
  int64_t outRank = n.inputType(0).getRank();
  if (n.hasInput(1)) {
    if (DenseElementsAttr axes = n.constantInput(1))
      outRank += axes.getNumElements();
  } else if (auto attr = n.intsAttr("axes")) {
    outRank += attr->size();
  }
  auto axes = readAxes(n, outRank, /*required=*/true);
  if (failed(axes))
    return failure();
  return n.emit<UnsqueezeOp>(n.input(0), n.builder.getDenseI64ArrayAttr(*axes));
}

LogicalResult importSqueeze(NodeImporter &n) {
  auto input = n.inputType(0);
  auto axes = readAxes(n, input.getRank(), /*required=*/false);
  if (failed(axes))
    return failure();
  if (!n.hasInput(1) && !n.attr("axes"))
    for (int64_t i = 0; i < input.getRank(); ++i)
      if (input.getDimSize(i) == 1)
        axes->push_back(i);
  return n.emit<SqueezeOp>(n.input(0), n.builder.getDenseI64ArrayAttr(*axes));
}

LogicalResult importExpand(NodeImporter &n) {
  auto input = n.inputType(0);
  auto shape = n.intsInput(1, "shape");
  if (failed(shape))
    return failure();
  auto result = broadcastShapes(input.getShape(), *shape);
  if (failed(result))
    return n.error() << "cannot expand " << input << " to "
                     << formatInts(*shape);
  auto results = n.buildTyped<ExpandOp>(input.clone(*result), n.input(0));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

/// ScatterND over compile-time constants: what exporters emit to build masks
/// from shapes (Swin's shifted-window attention mask is `img_mask[:, h, w, :]
/// = cnt`), folded into a constant. `reduction` (opset 16+) combines an
/// update with the element it lands on: none, add, mul, max or min.
LogicalResult importScatterND(NodeImporter &n) {
  DenseElementsAttr data = n.constantInput(0), indices = n.constantInput(1),
                    updates = n.constantInput(2);
  if (!data || !indices || !updates)
    return n.error() << "data, indices and updates must be compile-time "
                        "constants (pp folds ScatterND, as exporters use it "
                        "to build masks)";
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indexType = cast<RankedTensorType>(indices.getType());
  auto updateType = cast<RankedTensorType>(updates.getType());
  if (!isa<IntegerType>(indexType.getElementType()))
    return n.error() << "indices must be integers, got " << indexType;
  if (updateType.getElementType() != dataType.getElementType())
    return n.error() << "updates " << updateType << " and data " << dataType
                     << " differ in element type";
  int64_t q = indexType.getRank(), r = dataType.getRank();
  int64_t k = q ? indexType.getDimSize(q - 1) : 0;
  if (q < 1 || k < 1 || k > r)
    return n.error() << "indices " << indexType << " must have rank >= 1 and "
                     << "a last dimension from 1 to the data's rank " << r;
  // updates: indices.shape[:-1] + data.shape[k:].
  SmallVector<int64_t> expected(indexType.getShape().drop_back());
  llvm::append_range(expected, dataType.getShape().drop_front(k));
  if (updateType.getShape() != ArrayRef<int64_t>(expected))
    return n.error() << "updates must have shape [" << formatInts(expected)
                     << "], got " << updateType;
  std::string reduction = n.stringAttr("reduction", "none");
  if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, reduction))
    return n.error() << "unknown reduction '" << reduction
                     << "'; expected none, add, mul, max or min";

  // Row-major strides of data, and the size of one updated slice.
  SmallVector<int64_t> strides(r, 1);
  for (int64_t i = r - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * dataType.getDimSize(i + 1);
  int64_t slice = strides[k - 1];
  SmallVector<Attribute> values(data.getValues<Attribute>());
  SmallVector<Attribute> updateValues(updates.getValues<Attribute>());
  SmallVector<int64_t> index;
  for (const APInt &v : indices.getValues<APInt>())
    index.push_back(v.getSExtValue());
  bool isFloat = isa<FloatType>(dataType.getElementType());
  auto combine = [&](Attribute old, Attribute update) -> Attribute {
    if (reduction == "none")
      return update;
    if (isFloat) {
      APFloat a = cast<FloatAttr>(old).getValue();
      APFloat b = cast<FloatAttr>(update).getValue();
      if (reduction == "add")
        a.add(b, APFloat::rmNearestTiesToEven);
      else if (reduction == "mul")
        a.multiply(b, APFloat::rmNearestTiesToEven);
      else
        a = reduction == "max" ? llvm::maximum(a, b) : llvm::minimum(a, b);
      return FloatAttr::get(cast<FloatAttr>(old).getType(), a);
    }
    auto type = cast<IntegerAttr>(old).getType();
    APInt a = cast<IntegerAttr>(old).getValue();
    APInt b = cast<IntegerAttr>(update).getValue();
    bool isUnsigned = type.isUnsignedInteger();
    if (reduction == "add")
      a += b;
    else if (reduction == "mul")
      a *= b;
    else if (reduction == "max")
      a = (isUnsigned ? a.ult(b) : a.slt(b)) ? b : a;
    else
      a = (isUnsigned ? b.ult(a) : b.slt(a)) ? b : a;
    return IntegerAttr::get(type, a);
  };
  int64_t tuples = int64_t(index.size()) / k;
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (int64_t j = 0; j < k; ++j) {
      int64_t dim = dataType.getDimSize(j), i = index[t * k + j];
      if (i < -dim || i >= dim)
        return n.error() << "index " << i << " of update " << t
                         << " is out of bounds for axis " << j << " of size "
                         << dim;
      offset += (i < 0 ? i + dim : i) * strides[j];
    }
    for (int64_t e = 0; e < slice; ++e)
      values[offset + e] =
          combine(values[offset + e], updateValues[t * slice + e]);
  }
  return emitConstant(n, 0, DenseElementsAttr::get(dataType, values));
}

LogicalResult importRange(NodeImporter &n) {
  DenseElementsAttr start = n.constantInput(0), limit = n.constantInput(1),
                    delta = n.constantInput(2);
  if (!start || !limit || !delta || !isa<IntegerType>(start.getElementType()))
    return n.error() << "start, limit and delta must be compile-time integers";
  int64_t s = start.getSplatValue<APInt>().getSExtValue();
  int64_t l = limit.getSplatValue<APInt>().getSExtValue();
  int64_t d = delta.getSplatValue<APInt>().getSExtValue();
  if (d == 0)
    return n.error() << "delta is zero";
  Ints values;
  for (int64_t v = s; d > 0 ? v < l : v > l; v += d)
    values.push_back(v);
  auto type =
      RankedTensorType::get({(int64_t)values.size()}, start.getElementType());
  SmallVector<APInt> bits;
  for (int64_t v : values)
    bits.emplace_back(start.getElementType().getIntOrFloatBitWidth(), v,
                      /*isSigned=*/true);
  return emitConstant(n, 0, DenseElementsAttr::get(type, bits));
}

/// A compile-time scalar integer input (a 0-d or one-element tensor), as
/// Trilu's `k` and CumSum's `axis`.
FailureOr<int64_t> intScalarInput(NodeImporter &n, int i, StringRef what) {
  DenseElementsAttr value = n.constantInput(i);
  if (!value || !isa<IntegerType>(value.getElementType()) ||
      value.getNumElements() != 1) {
    n.error() << "input " << i << " ('" << what
              << "') must be a compile-time integer scalar";
    return failure();
  }
  return (*value.getValues<APInt>().begin()).getSExtValue();
}

/// Pad: `pads` (and from opset 18 `axes`) as inputs, which must be
/// constant; `constant_value` must be a constant of the data's type.
LogicalResult importPad(NodeImporter &n) {
  auto input = n.inputType(0);
  int64_t rank = input.getRank();
  if (n.opset < 18 && n.hasInput(3))
    return n.error() << "takes the 'axes' input from opset 18 on, the model "
                        "imports opset "
                     << n.opset;
  auto given = n.intsInput(1, "pads");
  if (failed(given))
    return failure();
  Ints axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (n.hasInput(3)) {
    auto listed = n.intsInput(3, "axes");
    if (failed(listed))
      return failure();
    axes.clear();
    for (int64_t axis : *listed) {
      auto normalized = n.normalizeAxis(axis, rank);
      if (failed(normalized))
        return failure();
      if (llvm::is_contained(axes, *normalized))
        return n.error() << "axes repeat axis " << *normalized;
      axes.push_back(*normalized);
    }
  }
  int64_t count = axes.size();
  if ((int64_t)given->size() != 2 * count)
    return n.error() << "pads has " << given->size() << " entries for " << count
                     << " axes, expected " << 2 * count;
  Ints pads(2 * rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    pads[axes[i]] = (*given)[i];
    pads[axes[i] + rank] = (*given)[i + count];
  }
  double value = 0.0;
  if (n.hasInput(2)) {
    DenseElementsAttr c = n.constantInput(2);
    if (!c || c.getNumElements() != 1)
      return n.error() << "input 2 ('constant_value') must be a compile-time "
                          "scalar";
    Type elementType = c.getElementType();
    if (elementType != input.getElementType())
      return n.error() << "constant_value of type " << elementType
                       << " differs from the data's " << input;
    if (isa<FloatType>(elementType)) {
      value = (*c.getValues<APFloat>().begin()).convertToDouble();
    } else {
      APInt bits = *c.getValues<APInt>().begin();
      bool isUnsigned =
          elementType.isUnsignedInteger() || elementType.isInteger(1);
      // The op holds the value as a double: exact up to 2^53.
      if (isUnsigned ? bits.getActiveBits() > 53
                     : bits.getSignificantBits() > 54)
        return n.error() << "constant_value is beyond +-2^53, which pp "
                            "cannot hold exactly";
      value = isUnsigned ? double(bits.getZExtValue())
                         : double(bits.getSExtValue());
    }
  }
  OpBuilder &b = n.builder;
  return n.emit<PadOp>(n.input(0), b.getDenseI64ArrayAttr(pads),
                       b.getStringAttr(n.stringAttr("mode", "constant")),
                       b.getF64FloatAttr(value));
}

LogicalResult importTile(NodeImporter &n) {
  auto repeats = n.intsInput(1, "repeats");
  if (failed(repeats))
    return failure();
  return n.emit<TileOp>(n.input(0), n.builder.getDenseI64ArrayAttr(*repeats));
}

LogicalResult importTrilu(NodeImporter &n) {
  int64_t k = 0;
  if (n.hasInput(1)) {
    auto given = intScalarInput(n, 1, "k");
    if (failed(given))
      return failure();
    k = *given;
  }
  OpBuilder &b = n.builder;
  auto results = n.buildTyped<TriluOp>(
      n.input(0).getType(), n.input(0),
      b.getBoolAttr(n.intAttr("upper", 1) != 0), b.getI64IntegerAttr(k));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

LogicalResult importCumSum(NodeImporter &n) {
  auto given = intScalarInput(n, 1, "axis");
  if (failed(given))
    return failure();
  auto axis = n.normalizeAxis(*given, n.inputType(0).getRank());
  if (failed(axis))
    return failure();
  OpBuilder &b = n.builder;
  auto results = n.buildTyped<CumSumOp>(
      n.input(0).getType(), n.input(0), b.getI64IntegerAttr(*axis),
      b.getBoolAttr(n.intAttr("exclusive", 0) != 0),
      b.getBoolAttr(n.intAttr("reverse", 0) != 0));
  if (failed(results))
    return failure();
  n.setOutput(0, results->front());
  return success();
}

using ImportFn = LogicalResult (*)(NodeImporter &);

const llvm::StringMap<ImportFn> &importers() {
  static const llvm::StringMap<ImportFn> table = {
      {"Add", importBinary<AddOp>},
      {"Sub", importBinary<SubOp>},
      {"Mul", importBinary<MulOp>},
      {"Div", importBinary<DivOp>},
      {"Pow", importBinary<PowOp>},
      {"Equal", importBinary<EqualOp>},
      {"Less", importBinary<LessOp>},
      {"Greater", importBinary<GreaterOp>},
      {"MatMul", importBinary<MatMulOp>},
      {"Sqrt", importSqrt},
      {"Erf", importSameType<ErfOp>},
      {"Tanh", importSameType<TanhOp>},
      {"Relu", importSameType<ReluOp>},
      {"Sigmoid", importSameType<SigmoidOp>},
      {"Neg", importSameType<NegOp>},
      {"Exp", importSameType<ExpOp>},
      {"Log", importSameType<LogOp>},
      {"Not", importNot},
      {"Abs", importSameType<AbsOp>},
      {"Sign", importSameType<SignOp>},
      {"Sin", importSameType<SinOp>},
      {"Cos", importSameType<CosOp>},
      {"Reciprocal", importSameType<ReciprocalOp>},
      {"Floor", importSameType<FloorOp>},
      {"Ceil", importSameType<CeilOp>},
      {"Softplus", importSameType<SoftplusOp>},
      {"HardSigmoid", importHardSigmoid},
      {"HardSwish", importSameType<HardSwishOp>},
      {"Clip", importClip},
      {"Max", importVariadic<MaxOp>},
      {"Min", importVariadic<MinOp>},
      {"LessOrEqual", importBinary<LessEqualOp>},
      {"GreaterOrEqual", importBinary<GreaterEqualOp>},
      {"Mod", importMod},
      {"Gelu", importGelu},
      {"Cast", importCast},
      {"CastLike", importCastLike},
      {"Where", importWhere},
      {"IsNaN", importIsNaN},
      {"Identity", importIdentity},
      {"Dropout", importDropout},
      {"Gemm", importGemm},
      {"Softmax", importSoftmax<SoftmaxOp>},
      {"LogSoftmax", importSoftmax<LogSoftmaxOp>},
      {"LayerNormalization", importLayerNorm},
      {"BatchNormalization", importBatchNorm},
      {"Conv", importConv},
      {"MaxPool", importPool<MaxPoolOp>},
      {"AveragePool", importPool<AveragePoolOp>},
      {"GlobalAveragePool", importUnary<GlobalAveragePoolOp>},
      {"ReduceMean", importReduceMean},
      {"ReduceSum", importReduceSum},
      {"Shape", importShape},
      {"ConstantOfShape", importConstantOfShape},
      {"Flatten", importFlatten},
      {"Reshape", importReshape},
      {"Transpose", importTranspose},
      {"Gather", importGather},
      {"Slice", importSlice},
      {"Concat", importConcat},
      {"Split", importSplit},
      {"Unsqueeze", importUnsqueeze},
      {"Squeeze", importSqueeze},
      {"Expand", importExpand},
      {"Range", importRange},
      {"ScatterND", importScatterND},
      {"Pad", importPad},
      {"Tile", importTile},
      {"Trilu", importTrilu},
      {"CumSum", importCumSum},
      {"Einsum", importEinsum},
      {"ReduceMax", importReduceMax},
      {"ReduceMin", importReduceMin},
      {"And", importLogical},
      {"Or", importLogical},
      {"Xor", importLogical},
      {"GatherElements", importGatherElements},
      {"GatherND", importGatherND},
      {"SplitToSequence", importSplitToSequence},
      {"SequenceAt", importSequenceAt},
      {"RMSNormalization", importRMSNormalization},
      {"RotaryEmbedding", importRotaryEmbedding},
      {"Attention", importAttention},
  };
  return table;
}

/// Uses of ONNX operators that have no nn form: extra outputs nn does not
/// model (LayerNormalization's mean, MaxPool's indices) and non-float data
/// where nn ops need floats.
bool hasNNForm(NodeImporter &n) {
  StringRef type = n.node.op_type();
  if ((type == "LayerNormalization" || type == "MaxPool") && n.numOutputs() > 1)
    return false;
  if (type == "Range" || type == "ScatterND")
    return n.constantInput(0) && n.constantInput(1) && n.constantInput(2);
  if (type == "And" || type == "Or" || type == "Xor" ||
      type == "GatherElements")
    return n.constantInput(0) && n.constantInput(1);
  if (type == "GatherND")
    return bool(n.constantInput(1));
  return true;
}

/// The inputs of each operator: the number that must be given (not empty),
/// and the most it takes, in opsets 13 to 23.
std::pair<int, int> inputArity(StringRef type) {
  static const llvm::StringMap<std::pair<int, int>> table = {
      {"Where", {3, 3}},
      {"CastLike", {2, 2}},
      {"Dropout", {1, 3}},
      {"Clip", {1, 3}},
      {"Max", {1, std::numeric_limits<int>::max()}},
      {"Min", {1, std::numeric_limits<int>::max()}},
      {"LessOrEqual", {2, 2}},
      {"GreaterOrEqual", {2, 2}},
      {"Mod", {2, 2}},
      {"Gemm", {2, 3}},
      {"LayerNormalization", {2, 3}},
      {"BatchNormalization", {5, 5}},
      {"Conv", {2, 3}},
      {"ReduceMean", {1, 2}},
      {"ReduceSum", {1, 2}},
      {"Reshape", {2, 2}},
      {"Gather", {2, 2}},
      {"Slice", {3, 5}},
      {"Concat", {1, std::numeric_limits<int>::max()}},
      {"Split", {1, 2}},
      {"Unsqueeze", {1, 2}},
      {"Squeeze", {1, 2}},
      {"Expand", {2, 2}},
      {"Range", {3, 3}},
      {"ScatterND", {3, 3}},
      {"Pad", {2, 4}},
      {"Tile", {2, 2}},
      {"Trilu", {1, 2}},
      {"CumSum", {2, 2}},
      {"Einsum", {1, std::numeric_limits<int>::max()}},
      {"ReduceMax", {1, 2}},
      {"ReduceMin", {1, 2}},
      {"GatherElements", {2, 2}},
      {"GatherND", {2, 2}},
      {"SplitToSequence", {1, 2}},
      {"SequenceAt", {2, 2}},
      {"RMSNormalization", {2, 2}},
      {"RotaryEmbedding", {3, 4}},
      {"Attention", {3, 6}},
  };
  auto it = table.find(type);
  if (it != table.end())
    return it->second;
  static const llvm::StringSet<> binary = {"Add",    "Sub",   "Mul",  "Div",
                                           "Pow",    "Equal", "Less", "Greater",
                                           "MatMul", "And",   "Or",   "Xor"};
  return binary.contains(type) ? std::make_pair(2, 2) : std::make_pair(1, 1);
}

/// Checks that the inputs the importer reads are there: a node built by
/// hand may omit them, and an op built without its operands crashes.
LogicalResult checkInputs(NodeImporter &n) {
  auto [required, most] = inputArity(n.node.op_type());
  if (n.node.input_size() > most)
    return n.error() << "takes at most " << most << " inputs, got "
                     << n.node.input_size();
  for (int i = 0; i < required; ++i)
    if (!n.hasInput(i))
      return n.error() << "input " << i << " is required";
  return success();
}

} // namespace

std::optional<LogicalResult> importKnownNode(NodeImporter &n) {
  auto it = importers().find(n.node.op_type());
  if (it == importers().end())
    return std::nullopt;
  if (failed(checkInputs(n)))
    return failure();
  if (!hasNNForm(n))
    return std::nullopt;
  return it->second(n);
}

} // namespace pp::onnx_import
