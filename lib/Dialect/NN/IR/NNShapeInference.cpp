//===- NNShapeInference.cpp - Result types of nn ops ----------------------===//
//
// Result-type inference with ONNX's shape rules. The importer builds ops
// through these rules rather than ONNX's shape inference, so models of newer
// opsets than the ONNX library knows still import with exact shapes.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

#include "NNShapeRules.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace pp::nn {

static RankedTensorType rankedOf(Type type) {
  return cast<RankedTensorType>(type);
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

int64_t windowOutput(int64_t in, int64_t kernel, int64_t stride,
                     int64_t padBegin, int64_t padEnd, int64_t dilation,
                     bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t numer = in + padBegin + padEnd - span;
  if (numer < 0)
    return 0;
  int64_t out = (ceilMode ? (numer + stride - 1) / stride : numer / stride) + 1;
  // With ceil mode, the last window must start inside the padded input.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l != r && l != 1 && r != 1)
      return failure();
    out[i] = l == 1 ? r : l;
  }
  return out;
}

LogicalResult inferBroadcastBinary(std::optional<Location> loc,
                                   StringRef opName, Type lhs, Type rhs,
                                   Type elementType,
                                   SmallVectorImpl<Type> &types) {
  auto l = rankedOf(lhs), r = rankedOf(rhs);
  auto shape = broadcastShapes(l.getShape(), r.getShape());
  if (failed(shape))
    return failAt(loc, opName, "operand shapes ", shapeString(l.getShape()),
                  " and ", shapeString(r.getShape()), " do not broadcast");
  types.push_back(RankedTensorType::get(*shape, elementType));
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto c = rankedOf(adaptor.getCondition().getType());
  auto x = rankedOf(adaptor.getX().getType());
  auto y = rankedOf(adaptor.getY().getType());
  if (x.getElementType() != y.getElementType())
    return failAt(loc, getOperationName(), "x and y differ in element type");
  auto xy = broadcastShapes(x.getShape(), y.getShape());
  FailureOr<Shape> all = failed(xy) ? xy : broadcastShapes(*xy, c.getShape());
  if (failed(all))
    return failAt(loc, getOperationName(), "operand shapes ",
                  shapeString(c.getShape()), ", ", shapeString(x.getShape()),
                  " and ", shapeString(y.getShape()), " do not broadcast");
  types.push_back(RankedTensorType::get(*all, x.getElementType()));
  return success();
}

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  types.push_back(in);
  types.push_back(in.clone(IntegerType::get(context, 1)));
  return success();
}

LogicalResult MatMulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto l = rankedOf(adaptor.getLhs().getType());
  auto r = rankedOf(adaptor.getRhs().getType());
  if (l.getRank() == 0 || r.getRank() == 0)
    return failAt(loc, getOperationName(), "operands must have rank >= 1");
  if (l.getElementType() != r.getElementType())
    return failAt(loc, getOperationName(), "operands differ in element type");
  // numpy: a 1-D lhs is a row vector, a 1-D rhs a column vector, and the
  // inserted axis is removed from the result.
  Shape ls(l.getShape()), rs(r.getShape());
  bool lhsVector = ls.size() == 1, rhsVector = rs.size() == 1;
  if (lhsVector)
    ls.insert(ls.begin(), 1);
  if (rhsVector)
    rs.push_back(1);
  int64_t m = ls[ls.size() - 2], k = ls.back();
  int64_t k2 = rs[rs.size() - 2], n = rs.back();
  if (k != k2)
    return failAt(loc, getOperationName(),
                  "contracted dimensions differ: ", shapeString(l.getShape()),
                  " x ", shapeString(r.getShape()));
  auto batch =
      broadcastShapes(ArrayRef(ls).drop_back(2), ArrayRef(rs).drop_back(2));
  if (failed(batch))
    return failAt(loc, getOperationName(), "batch dimensions of ",
                  shapeString(l.getShape()), " and ", shapeString(r.getShape()),
                  " do not broadcast");
  Shape out = *batch;
  if (!lhsVector)
    out.push_back(m);
  if (!rhsVector)
    out.push_back(n);
  types.push_back(RankedTensorType::get(out, l.getElementType()));
  return success();
}

LogicalResult GemmOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto a = rankedOf(adaptor.getA().getType());
  auto b = rankedOf(adaptor.getB().getType());
  if (a.getRank() != 2 || b.getRank() != 2)
    return failAt(loc, getOperationName(), "A and B must be matrices");
  int64_t m = adaptor.getTransA() ? a.getDimSize(1) : a.getDimSize(0);
  int64_t n = adaptor.getTransB() ? b.getDimSize(0) : b.getDimSize(1);
  types.push_back(RankedTensorType::get({m, n}, a.getElementType()));
  return success();
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location>,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  types.push_back(adaptor.getInput().getType());
  return success();
}

FailureOr<Shape> inferConvShape(std::optional<Location> loc, StringRef opName,
                                ArrayRef<int64_t> in, ArrayRef<int64_t> w,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations) {
  int64_t spatial = in.size() - 2;
  if (spatial < 1 || w.size() != in.size())
    return failAt(loc, opName, "input ", shapeString(in), " and weight ",
                  shapeString(w), " must both be N x C x spatial...");
  if ((int64_t)strides.size() != spatial ||
      (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return failAt(loc, opName, "expects ", spatial,
                  " strides and dilations and ", 2 * spatial, " pads");
  Shape out{in[0], w[0]};
  for (int64_t i = 0; i < spatial; ++i) {
    if (strides[i] < 1 || dilations[i] < 1)
      return failAt(loc, opName, "strides and dilations must be >= 1");
    out.push_back(windowOutput(in[i + 2], w[i + 2], strides[i], pads[i],
                               pads[i + spatial], dilations[i],
                               /*ceilMode=*/false));
  }
  return out;
}

LogicalResult ConvOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  auto w = rankedOf(adaptor.getWeight().getType());
  FailureOr<Shape> out = inferConvShape(
      loc, getOperationName(), in.getShape(), w.getShape(),
      adaptor.getStrides(), adaptor.getPads(), adaptor.getDilations());
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, in.getElementType()));
  return success();
}

FailureOr<Shape> inferPoolShape(std::optional<Location> loc, StringRef opName,
                                ArrayRef<int64_t> in, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> dilations, bool ceilMode) {
  int64_t spatial = in.size() - 2;
  if (spatial < 1)
    return failAt(loc, opName, "input must be N x C x spatial...");
  if ((int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
      (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return failAt(loc, opName, "expects ", spatial,
                  " kernel sizes, strides and dilations and ", 2 * spatial,
                  " pads");
  Shape out{in[0], in[1]};
  for (int64_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1)
      return failAt(loc, opName,
                    "kernel sizes, strides and dilations must be >= 1");
    out.push_back(windowOutput(in[i + 2], kernel[i], strides[i], pads[i],
                               pads[i + spatial], dilations[i], ceilMode));
  }
  return out;
}

template <typename Adaptor>
static LogicalResult inferPool(std::optional<Location> loc, StringRef opName,
                               Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  FailureOr<Shape> out =
      inferPoolShape(loc, opName, in.getShape(), adaptor.getKernelShape(),
                     adaptor.getStrides(), adaptor.getPads(),
                     adaptor.getDilations(), adaptor.getCeilMode());
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, in.getElementType()));
  return success();
}

LogicalResult MaxPoolOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferPool(loc, getOperationName(), adaptor, types);
}

LogicalResult AveragePoolOp::inferReturnTypes(MLIRContext *,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  return inferPool(loc, getOperationName(), adaptor, types);
}

LogicalResult GlobalAveragePoolOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  if (in.getRank() < 3)
    return failAt(loc, getOperationName(), "input must be N x C x spatial...");
  Shape out(in.getShape());
  std::fill(out.begin() + 2, out.end(), 1);
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

/// Checks that `axes` are sorted, unique and within [0, rank).
static LogicalResult checkAxes(std::optional<Location> loc, StringRef opName,
                               ArrayRef<int64_t> axes, int64_t rank) {
  for (size_t i = 0; i < axes.size(); ++i) {
    if (axes[i] < 0 || axes[i] >= rank)
      return failAt(loc, opName, "axis ", axes[i], " is out of range for rank ",
                    rank);
    if (i > 0 && axes[i] <= axes[i - 1])
      return failAt(loc, opName, "axes must be sorted and unique");
  }
  return success();
}

template <typename Adaptor>
static LogicalResult inferReduce(std::optional<Location> loc, StringRef opName,
                                 Adaptor adaptor,
                                 SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (failed(checkAxes(loc, opName, axes, in.getRank())))
    return failure();
  Shape out;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (!llvm::is_contained(axes, i))
      out.push_back(in.getDimSize(i));
    else if (adaptor.getKeepdims())
      out.push_back(1);
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

LogicalResult ReduceMeanOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferReduce(loc, getOperationName(), adaptor, types);
}

LogicalResult ReduceSumOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferReduce(loc, getOperationName(), adaptor, types);
}

LogicalResult ReduceMaxOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferReduce(loc, getOperationName(), adaptor, types);
}

LogicalResult ReduceMinOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  return inferReduce(loc, getOperationName(), adaptor, types);
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis > in.getRank())
    return failAt(loc, getOperationName(), "axis ", axis,
                  " is out of range for rank ", in.getRank());
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < in.getRank(); ++i)
    (i < axis ? outer : inner) *= in.getDimSize(i);
  types.push_back(RankedTensorType::get({outer, inner}, in.getElementType()));
  return success();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  SmallVector<bool> seen(in.getRank(), false);
  if ((int64_t)perm.size() != in.getRank())
    return failAt(loc, getOperationName(), "perm has ", perm.size(),
                  " entries for rank ", in.getRank());
  Shape out;
  for (int64_t p : perm) {
    if (p < 0 || p >= in.getRank() || seen[p])
      return failAt(loc, getOperationName(), "perm ", shapeString(perm),
                    " is not a permutation");
    seen[p] = true;
    out.push_back(in.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

FailureOr<Shape> inferGatherShape(std::optional<Location> loc, StringRef opName,
                                  ArrayRef<int64_t> data,
                                  ArrayRef<int64_t> indices, int64_t axis) {
  int64_t rank = data.size();
  if (axis < 0 || axis >= rank)
    return failAt(loc, opName, "axis ", axis, " is out of range for rank ",
                  rank);
  Shape out(data.take_front(axis));
  llvm::append_range(out, indices);
  llvm::append_range(out, data.drop_front(axis + 1));
  return out;
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto data = rankedOf(adaptor.getData().getType());
  auto indices = rankedOf(adaptor.getIndices().getType());
  FailureOr<Shape> out =
      inferGatherShape(loc, getOperationName(), data.getShape(),
                       indices.getShape(), adaptor.getAxis());
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, data.getElementType()));
  return success();
}

FailureOr<Shape> inferSliceShape(std::optional<Location> loc, StringRef opName,
                                 ArrayRef<int64_t> in, ArrayRef<int64_t> starts,
                                 ArrayRef<int64_t> ends,
                                 ArrayRef<int64_t> steps) {
  int64_t rank = in.size();
  if ((int64_t)starts.size() != rank || (int64_t)ends.size() != rank ||
      (int64_t)steps.size() != rank)
    return failAt(loc, opName, "expects one start, end and step per axis (",
                  rank, ")");
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = in[i], s = starts[i], e = ends[i], st = steps[i];
    if (st == 0)
      return failAt(loc, opName, "step of axis ", i, " is zero");
    bool ok = st > 0 ? (s >= 0 && s <= dim && e >= 0 && e <= dim)
                     : (s >= -1 && s < dim && e >= -1 && e < dim);
    if (!ok)
      return failAt(loc, opName, "slice ", s, ":", e, ":", st, " of axis ", i,
                    " is not clamped to its size ", dim);
    int64_t n = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    out.push_back(std::max<int64_t>(n, 0));
  }
  return out;
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  FailureOr<Shape> out = inferSliceShape(loc, getOperationName(), in.getShape(),
                                         adaptor.getStarts(), adaptor.getEnds(),
                                         adaptor.getSteps());
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, in.getElementType()));
  return success();
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return failAt(loc, getOperationName(), "needs at least one input");
  auto first = rankedOf(adaptor.getInputs().front().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return failAt(loc, getOperationName(), "axis ", axis,
                  " is out of range for rank ", first.getRank());
  Shape out(first.getShape());
  out[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = rankedOf(v.getType());
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return failAt(loc, getOperationName(),
                    "inputs differ in rank or element type");
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis && t.getDimSize(i) != first.getDimSize(i))
        return failAt(loc, getOperationName(), "input shapes ",
                      shapeString(first.getShape()), " and ",
                      shapeString(t.getShape()), " differ off axis ", axis);
    out[axis] += t.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(out, first.getElementType()));
  return success();
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= in.getRank())
    return failAt(loc, getOperationName(), "axis ", axis,
                  " is out of range for rank ", in.getRank());
  int64_t total = 0;
  for (int64_t size : adaptor.getSizes()) {
    if (size < 0)
      return failAt(loc, getOperationName(), "negative split size");
    total += size;
    Shape out(in.getShape());
    out[axis] = size;
    types.push_back(RankedTensorType::get(out, in.getElementType()));
  }
  if (total != in.getDimSize(axis))
    return failAt(loc, getOperationName(), "split sizes sum to ", total,
                  " but axis ", axis, " has size ", in.getDimSize(axis));
  return success();
}

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  int64_t rank = in.getRank() + axes.size();
  if (failed(checkAxes(loc, getOperationName(), axes, rank)))
    return failure();
  Shape out;
  auto dims = in.getShape();
  for (int64_t i = 0, next = 0; i < rank; ++i)
    out.push_back(llvm::is_contained(axes, i) ? 1 : dims[next++]);
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  ArrayRef<int64_t> axes = adaptor.getAxes();
  if (failed(checkAxes(loc, getOperationName(), axes, in.getRank())))
    return failure();
  Shape out;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (!llvm::is_contained(axes, i)) {
      out.push_back(in.getDimSize(i));
      continue;
    }
    if (in.getDimSize(i) != 1)
      return failAt(loc, getOperationName(), "cannot squeeze axis ", i,
                    " of size ", in.getDimSize(i));
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

FailureOr<Shape> inferPadShape(std::optional<Location> loc, StringRef opName,
                               ArrayRef<int64_t> in, ArrayRef<int64_t> pads,
                               StringRef mode) {
  int64_t rank = in.size();
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    return failAt(loc, opName, "unknown mode \"", mode,
                  "\" (expected constant, reflect, edge or wrap)");
  if ((int64_t)pads.size() != 2 * rank)
    return failAt(loc, opName, "expects ", 2 * rank, " pads for rank ", rank,
                  ", got ", pads.size());
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t begin = pads[i], end = pads[i + rank];
    int64_t kept =
        in[i] - std::max<int64_t>(-begin, 0) - std::max<int64_t>(-end, 0);
    if (kept < 0)
      return failAt(loc, opName, "pads ", begin, " and ", end, " of axis ", i,
                    " remove more than its ", in[i], " elements");
    if (mode != "constant" && kept == 0 && (begin > 0 || end > 0))
      return failAt(loc, opName, "cannot pad axis ", i, " in mode ", mode,
                    ": it has no elements to copy");
    out.push_back(in[i] + begin + end);
  }
  return out;
}

LogicalResult PadOp::inferReturnTypes(MLIRContext *,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  FailureOr<Shape> out = inferPadShape(loc, getOperationName(), in.getShape(),
                                       adaptor.getPads(), adaptor.getMode());
  if (failed(out))
    return failure();
  types.push_back(RankedTensorType::get(*out, in.getElementType()));
  return success();
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto in = rankedOf(adaptor.getInput().getType());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if ((int64_t)repeats.size() != in.getRank())
    return failAt(loc, getOperationName(), "repeats has ", repeats.size(),
                  " entries for rank ", in.getRank());
  Shape out;
  for (auto [dim, repeat] : llvm::zip(in.getShape(), repeats)) {
    if (repeat < 0)
      return failAt(loc, getOperationName(), "repeats ", shapeString(repeats),
                    " has a negative entry");
    out.push_back(dim * repeat);
  }
  types.push_back(RankedTensorType::get(out, in.getElementType()));
  return success();
}

} // namespace pp::nn
