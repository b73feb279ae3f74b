//===- NNFolders.cpp - Constant folding of nn ops -------------------------===//
//
// Folding on constant operands. The importer builds every op through
// `createOrFold`, so ONNX's shape-computing subgraphs (Shape -> Gather ->
// Concat -> Reshape and friends) collapse into constants as they are
// imported. Folding is limited to small tensors: it exists for shapes, masks
// and indices, never for weights.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Support/PadIndex.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/APSInt.h"

#include <cmath>

using namespace mlir;

namespace pp::nn {

namespace {
constexpr int64_t kMaxFoldElements = 1 << 16;

DenseElementsAttr foldable(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || dense.getNumElements() > kMaxFoldElements)
    return {};
  return dense;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// For every element of a tensor of shape `outShape`, in row-major order,
/// the linear index that `source(index)` computes from its multi-index.
SmallVector<int64_t>
mapIndices(ArrayRef<int64_t> outShape,
           llvm::function_ref<int64_t(ArrayRef<int64_t>)> source) {
  int64_t total = ShapedType::getNumElements(outShape);
  SmallVector<int64_t> result, index(outShape.size(), 0);
  result.reserve(total);
  for (int64_t linear = 0; linear < total; ++linear) {
    result.push_back(source(index));
    for (int64_t d = (int64_t)outShape.size() - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
  return result;
}

/// For every element of `outShape`, the linear index of the element of a
/// tensor of shape `inShape` that broadcasting maps onto it.
SmallVector<int64_t> broadcastIndices(ArrayRef<int64_t> outShape,
                                      ArrayRef<int64_t> inShape) {
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  size_t offset = outShape.size() - inShape.size();
  return mapIndices(outShape, [&](ArrayRef<int64_t> index) {
    int64_t in = 0;
    for (size_t d = offset; d < outShape.size(); ++d)
      if (inShape[d - offset] != 1)
        in += index[d] * inStrides[d - offset];
    return in;
  });
}

SmallVector<Attribute> elementsOf(DenseElementsAttr attr) {
  return llvm::to_vector(attr.getValues<Attribute>());
}

enum class BinaryKind {
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Equal,
  Less,
  Greater,
  LessEqual,
  GreaterEqual,
  Max,
  Min,
  Mod,  // the divisor's sign (Python's %)
  FMod, // the dividend's sign (C's fmod)
};

/// `isUnsigned`: the operands are of an unsigned integer type (ONNX's
/// uint8...uint64), which divide and compare as unsigned.
std::optional<APInt> applyInt(BinaryKind kind, const APInt &l, const APInt &r,
                              bool isUnsigned) {
  switch (kind) {
  case BinaryKind::Add:
    return l + r;
  case BinaryKind::Sub:
    return l - r;
  case BinaryKind::Mul:
    return l * r;
  case BinaryKind::Div:
    if (r.isZero())
      return std::nullopt;
    return isUnsigned ? l.udiv(r) : l.sdiv(r);
  case BinaryKind::Pow: {
    if (!isUnsigned && r.isNegative())
      return std::nullopt;
    APInt result(l.getBitWidth(), 1);
    for (uint64_t i = 0, e = r.getZExtValue(); i < e; ++i)
      result *= l;
    return result;
  }
  case BinaryKind::Equal:
    return APInt(1, l == r);
  case BinaryKind::Less:
    return APInt(1, isUnsigned ? l.ult(r) : l.slt(r));
  case BinaryKind::Greater:
    return APInt(1, isUnsigned ? l.ugt(r) : l.sgt(r));
  case BinaryKind::LessEqual:
    return APInt(1, isUnsigned ? l.ule(r) : l.sle(r));
  case BinaryKind::GreaterEqual:
    return APInt(1, isUnsigned ? l.uge(r) : l.sge(r));
  case BinaryKind::Max:
    return (isUnsigned ? l.ult(r) : l.slt(r)) ? r : l;
  case BinaryKind::Min:
    return (isUnsigned ? r.ult(l) : r.slt(l)) ? r : l;
  case BinaryKind::Mod:
  case BinaryKind::FMod: {
    if (r.isZero())
      return std::nullopt;
    if (isUnsigned)
      return l.urem(r);
    APInt m = l.srem(r);
    if (kind == BinaryKind::Mod && !m.isZero() &&
        m.isNegative() != r.isNegative())
      m += r;
    return m;
  }
  }
  llvm_unreachable("unknown binary kind");
}

std::optional<APFloat> applyFloat(BinaryKind kind, APFloat l,
                                  const APFloat &r) {
  auto rm = APFloat::rmNearestTiesToEven;
  switch (kind) {
  case BinaryKind::Add:
    l.add(r, rm);
    return l;
  case BinaryKind::Sub:
    l.subtract(r, rm);
    return l;
  case BinaryKind::Mul:
    l.multiply(r, rm);
    return l;
  case BinaryKind::Div:
    l.divide(r, rm);
    return l;
  case BinaryKind::Pow: {
    APFloat result(std::pow(l.convertToDouble(), r.convertToDouble()));
    bool lost;
    result.convert(l.getSemantics(), rm, &lost);
    return result;
  }
  // NaN wins, as in the kernels (and torch.maximum / torch.minimum).
  case BinaryKind::Max:
    if (l.isNaN() || r.isNaN())
      return l.isNaN() ? l : r;
    return l.compare(r) == APFloat::cmpLessThan ? r : l;
  case BinaryKind::Min:
    if (l.isNaN() || r.isNaN())
      return l.isNaN() ? l : r;
    return r.compare(l) == APFloat::cmpLessThan ? r : l;
  case BinaryKind::FMod:
    l.mod(r);
    return l;
  default:
    return std::nullopt;
  }
}

std::optional<bool> compareFloat(BinaryKind kind, const APFloat &l,
                                 const APFloat &r) {
  APFloat::cmpResult c = l.compare(r);
  switch (kind) {
  case BinaryKind::Equal:
    return c == APFloat::cmpEqual;
  case BinaryKind::Less:
    return c == APFloat::cmpLessThan;
  case BinaryKind::Greater:
    return c == APFloat::cmpGreaterThan;
  case BinaryKind::LessEqual:
    return c == APFloat::cmpLessThan || c == APFloat::cmpEqual;
  case BinaryKind::GreaterEqual:
    return c == APFloat::cmpGreaterThan || c == APFloat::cmpEqual;
  default:
    return std::nullopt;
  }
}

bool isComparison(BinaryKind kind) {
  return kind == BinaryKind::Equal || kind == BinaryKind::Less ||
         kind == BinaryKind::Greater || kind == BinaryKind::LessEqual ||
         kind == BinaryKind::GreaterEqual;
}

/// Folds a broadcasting binary op whose operands are both constant.
OpFoldResult foldBinary(BinaryKind kind, Attribute lhsAttr, Attribute rhsAttr,
                        ShapedType resultType) {
  DenseElementsAttr lhs = foldable(lhsAttr), rhs = foldable(rhsAttr);
  if (!lhs || !rhs || resultType.getNumElements() > kMaxFoldElements)
    return {};
  auto lIdx = broadcastIndices(resultType.getShape(), lhs.getType().getShape());
  auto rIdx = broadcastIndices(resultType.getShape(), rhs.getType().getShape());
  Type elementType = lhs.getElementType();
  if (isa<IntegerType>(elementType) && isa<IntegerType>(rhs.getElementType())) {
    auto l = llvm::to_vector(lhs.getValues<APInt>());
    auto r = llvm::to_vector(rhs.getValues<APInt>());
    bool isUnsigned = cast<IntegerType>(elementType).isUnsigned();
    SmallVector<APInt> out;
    out.reserve(lIdx.size());
    for (size_t i = 0; i < lIdx.size(); ++i) {
      unsigned width = l[lIdx[i]].getBitWidth();
      APInt rv = isUnsigned ? r[rIdx[i]].zextOrTrunc(width)
                            : r[rIdx[i]].sextOrTrunc(width);
      auto v = applyInt(kind, l[lIdx[i]], rv, isUnsigned);
      if (!v)
        return {};
      out.push_back(*v);
    }
    return DenseElementsAttr::get(resultType, out);
  }
  if (isa<FloatType>(elementType) && isa<FloatType>(rhs.getElementType())) {
    auto l = llvm::to_vector(lhs.getValues<APFloat>());
    auto r = llvm::to_vector(rhs.getValues<APFloat>());
    if (isComparison(kind)) {
      SmallVector<bool> out;
      for (size_t i = 0; i < lIdx.size(); ++i)
        out.push_back(*compareFloat(kind, l[lIdx[i]], r[rIdx[i]]));
      return DenseElementsAttr::get(resultType, out);
    }
    SmallVector<APFloat> out;
    for (size_t i = 0; i < lIdx.size(); ++i) {
      APFloat rv = r[rIdx[i]];
      bool lost;
      rv.convert(l[lIdx[i]].getSemantics(), APFloat::rmNearestTiesToEven,
                 &lost);
      auto v = applyFloat(kind, l[lIdx[i]], rv);
      if (!v)
        return {};
      out.push_back(*v);
    }
    return DenseElementsAttr::get(resultType, out);
  }
  return {};
}

/// Gathers `indices` (linear element indices of `input`) into `resultType`.
OpFoldResult gatherElements(DenseElementsAttr input, ArrayRef<int64_t> indices,
                            ShapedType resultType) {
  if (input.isSplat())
    return DenseElementsAttr::get(resultType, input.getSplatValue<Attribute>());
  SmallVector<Attribute> in = elementsOf(input), out;
  out.reserve(indices.size());
  for (int64_t i : indices)
    out.push_back(in[i]);
  return DenseElementsAttr::get(resultType, out);
}

/// Folds ops that only reinterpret the shape of their input.
OpFoldResult foldReshapeLike(Value input, Attribute inputAttr,
                             ShapedType resultType) {
  if (input.getType() == resultType)
    return input;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(inputAttr))
    return dense.reshape(resultType);
  return {};
}

/// A scalar attribute of `elementType` (float, integer or i1) holding
/// `number`, converted as a cast would.
Attribute scalarOf(Type elementType, double number) {
  if (isa<FloatType>(elementType))
    return FloatAttr::get(elementType, number);
  auto integer = cast<IntegerType>(elementType);
  if (integer.getWidth() == 1)
    return IntegerAttr::get(elementType, APInt(1, number != 0.0));
  return IntegerAttr::get(elementType,
                          APInt(integer.getWidth(), (uint64_t)(int64_t)number,
                                /*isSigned=*/true, /*implicitTrunc=*/true));
}

/// Folds reduce_max (`max`) or reduce_min of a constant over `axes`: NaN
/// wins, as in the kernels; an empty input is left to them.
OpFoldResult foldReduceExtreme(Attribute inputAttr, ArrayRef<int64_t> axes,
                               ShapedType resultType, bool max) {
  DenseElementsAttr in = foldable(inputAttr);
  if (!in || in.getNumElements() == 0)
    return {};
  auto shape = in.getType().getShape();
  SmallVector<int64_t> kept(shape);
  for (int64_t axis : axes)
    kept[axis] = 1;
  auto keptStrides = stridesOf(kept);
  // For every input element, the result element it reduces into.
  auto targets = mapIndices(shape, [&](ArrayRef<int64_t> i) {
    int64_t t = 0;
    for (size_t d = 0; d < i.size(); ++d)
      t += (kept[d] == 1 ? 0 : i[d]) * keptStrides[d];
    return t;
  });
  int64_t size = resultType.getNumElements();
  if (auto integer = dyn_cast<IntegerType>(in.getElementType())) {
    bool isUnsigned = integer.isUnsigned() || integer.getWidth() == 1;
    SmallVector<std::optional<APInt>> out(size);
    for (auto [t, v] : llvm::zip(targets, in.getValues<APInt>())) {
      if (!out[t]) {
        out[t] = v;
        continue;
      }
      bool less = isUnsigned ? v.ult(*out[t]) : v.slt(*out[t]);
      bool greater = isUnsigned ? v.ugt(*out[t]) : v.sgt(*out[t]);
      if (max ? greater : less)
        out[t] = v;
    }
    return DenseElementsAttr::get(
        resultType, llvm::map_to_vector(out, [](auto &v) { return *v; }));
  }
  SmallVector<std::optional<APFloat>> out(size);
  for (auto [t, v] : llvm::zip(targets, in.getValues<APFloat>())) {
    if (!out[t] || out[t]->isNaN()) {
      if (!out[t])
        out[t] = v;
      continue;
    }
    APFloat::cmpResult c = v.compare(*out[t]);
    if (v.isNaN() ||
        c == (max ? APFloat::cmpGreaterThan : APFloat::cmpLessThan))
      out[t] = v;
  }
  return DenseElementsAttr::get(
      resultType, llvm::map_to_vector(out, [](auto &v) { return *v; }));
}

} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult AddOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Add, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult SubOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Sub, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult MulOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Mul, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult DivOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Div, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult PowOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Pow, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult EqualOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Equal, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult LessOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Less, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult GreaterOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Greater, a.getLhs(), a.getRhs(), getType());
}

OpFoldResult LessEqualOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::LessEqual, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult GreaterEqualOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::GreaterEqual, a.getLhs(), a.getRhs(),
                    getType());
}
OpFoldResult MaxOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Max, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult MinOp::fold(FoldAdaptor a) {
  return foldBinary(BinaryKind::Min, a.getLhs(), a.getRhs(), getType());
}
OpFoldResult ModOp::fold(FoldAdaptor a) {
  return foldBinary(getFmod() ? BinaryKind::FMod : BinaryKind::Mod, a.getLhs(),
                    a.getRhs(), getType());
}

OpFoldResult NegOp::fold(FoldAdaptor a) {
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  if (isa<IntegerType>(in.getElementType()))
    return in.mapValues(in.getElementType(), [](const APInt &v) { return -v; });
  return in.mapValues(in.getElementType(),
                      [](const APFloat &v) { return (-v).bitcastToAPInt(); });
}

/// Folds an elementwise op on a constant with `onInt` for integers (told
/// whether the type is unsigned; null for float-only ops) and `onFloat`
/// for floats.
static OpFoldResult
foldUnary(Attribute input,
          llvm::function_ref<APInt(const APInt &, bool isUnsigned)> onInt,
          llvm::function_ref<APFloat(const APFloat &)> onFloat) {
  DenseElementsAttr in = foldable(input);
  if (!in)
    return {};
  Type type = in.getElementType();
  if (auto intType = dyn_cast<IntegerType>(type)) {
    if (!onInt)
      return {};
    return in.mapValues(
        type, [&](const APInt &v) { return onInt(v, intType.isUnsigned()); });
  }
  if (!isa<FloatType>(type))
    return {};
  return in.mapValues(
      type, [&](const APFloat &v) { return onFloat(v).bitcastToAPInt(); });
}

OpFoldResult AbsOp::fold(FoldAdaptor a) {
  // The most negative integer stays itself, as the kernel wraps around.
  return foldUnary(
      a.getInput(),
      [](const APInt &v, bool isUnsigned) { return isUnsigned ? v : v.abs(); },
      [](const APFloat &v) { return abs(v); });
}

OpFoldResult SignOp::fold(FoldAdaptor a) {
  return foldUnary(
      a.getInput(),
      [](const APInt &v, bool isUnsigned) {
        unsigned width = v.getBitWidth();
        if (v.isZero())
          return APInt(width, 0);
        return !isUnsigned && v.isNegative() ? APInt::getAllOnes(width)
                                             : APInt(width, 1);
      },
      [](const APFloat &v) {
        if (v.isNaN() || v.isZero())
          return v;
        APFloat one(v.getSemantics(), 1);
        if (v.isNegative())
          one.changeSign();
        return one;
      });
}

OpFoldResult FloorOp::fold(FoldAdaptor a) {
  return foldUnary(a.getInput(), {}, [](const APFloat &v) {
    APFloat r = v;
    r.roundToIntegral(APFloat::rmTowardNegative);
    return r;
  });
}

OpFoldResult CeilOp::fold(FoldAdaptor a) {
  return foldUnary(a.getInput(), {}, [](const APFloat &v) {
    APFloat r = v;
    r.roundToIntegral(APFloat::rmTowardPositive);
    return r;
  });
}

OpFoldResult ClipOp::fold(FoldAdaptor a) {
  if (!getMinAttr() && !getMaxAttr())
    return getInput();
  auto lo = dyn_cast_or_null<IntegerAttr>(getMinAttr());
  auto hi = dyn_cast_or_null<IntegerAttr>(getMaxAttr());
  auto loF = dyn_cast_or_null<FloatAttr>(getMinAttr());
  auto hiF = dyn_cast_or_null<FloatAttr>(getMaxAttr());
  // min(max(x, lo), hi): above hi, and everything when lo > hi, is hi; NaN
  // stays NaN.
  return foldUnary(
      a.getInput(),
      [&](const APInt &v, bool isUnsigned) {
        auto less = [&](const APInt &x, const APInt &y) {
          return isUnsigned ? x.ult(y) : x.slt(y);
        };
        APInt r = v;
        if (lo && less(r, lo.getValue()))
          r = lo.getValue();
        if (hi && less(hi.getValue(), r))
          r = hi.getValue();
        return r;
      },
      [&](const APFloat &v) {
        APFloat r = v;
        if (r.isNaN())
          return r;
        if (loF && r.compare(loF.getValue()) == APFloat::cmpLessThan)
          r = loF.getValue();
        if (hiF && hiF.getValue().compare(r) == APFloat::cmpLessThan)
          r = hiF.getValue();
        return r;
      });
}

OpFoldResult CastOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  Type from = in.getElementType(), to = getType().getElementType();
  auto rm = APFloat::rmNearestTiesToEven;
  // Booleans and unsigned integers extend with zeros, signed ones with their
  // sign.
  auto isUnsignedInt = [](Type t) {
    return t.isInteger(1) || t.isUnsignedInteger();
  };
  if (auto toInt = dyn_cast<IntegerType>(to)) {
    unsigned width = toInt.getWidth();
    if (isa<IntegerType>(from))
      return in.mapValues(to, [&](const APInt &v) {
        if (width == 1)
          return APInt(1, !v.isZero());
        return isUnsignedInt(from) ? v.zextOrTrunc(width)
                                   : v.sextOrTrunc(width);
      });
    return in.mapValues(to, [&](const APFloat &v) {
      if (width == 1)
        return APInt(1, !v.isZero());
      APSInt result(width, /*isUnsigned=*/toInt.isUnsigned());
      bool exact;
      (void)v.convertToInteger(result, APFloat::rmTowardZero, &exact);
      return APInt(result);
    });
  }
  auto toFloat = cast<FloatType>(to);
  if (auto fromInt = dyn_cast<IntegerType>(from))
    return in.mapValues(to, [&](const APInt &v) {
      APFloat f(toFloat.getFloatSemantics());
      f.convertFromAPInt(v, /*isSigned=*/!isUnsignedInt(fromInt), rm);
      return f.bitcastToAPInt();
    });
  return in.mapValues(to, [&](const APFloat &v) {
    APFloat f = v;
    bool lost;
    f.convert(toFloat.getFloatSemantics(), rm, &lost);
    return f.bitcastToAPInt();
  });
}

OpFoldResult WhereOp::fold(FoldAdaptor a) {
  DenseElementsAttr c = foldable(a.getCondition()), x = foldable(a.getX()),
                    y = foldable(a.getY());
  if (!c || !x || !y || getType().getNumElements() > kMaxFoldElements)
    return {};
  auto shape = getType().getShape();
  auto cIdx = broadcastIndices(shape, c.getType().getShape());
  auto xIdx = broadcastIndices(shape, x.getType().getShape());
  auto yIdx = broadcastIndices(shape, y.getType().getShape());
  auto cond = llvm::to_vector(c.getValues<bool>());
  SmallVector<Attribute> xs = elementsOf(x), ys = elementsOf(y), out;
  for (size_t i = 0; i < cIdx.size(); ++i)
    out.push_back(cond[cIdx[i]] ? xs[xIdx[i]] : ys[yIdx[i]]);
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult ReshapeOp::fold(FoldAdaptor a) {
  return foldReshapeLike(getInput(), a.getInput(), getType());
}
OpFoldResult FlattenOp::fold(FoldAdaptor a) {
  return foldReshapeLike(getInput(), a.getInput(), getType());
}
OpFoldResult UnsqueezeOp::fold(FoldAdaptor a) {
  return foldReshapeLike(getInput(), a.getInput(), getType());
}
OpFoldResult SqueezeOp::fold(FoldAdaptor a) {
  return foldReshapeLike(getInput(), a.getInput(), getType());
}

OpFoldResult ExpandOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in || getType().getNumElements() > kMaxFoldElements)
    return {};
  return gatherElements(
      in, broadcastIndices(getType().getShape(), in.getType().getShape()),
      getType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor a) {
  if (llvm::equal(getPerm(), llvm::seq<int64_t>(0, getPerm().size())))
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  auto inStrides = stridesOf(in.getType().getShape());
  ArrayRef<int64_t> perm = getPerm();
  auto indices = mapIndices(getType().getShape(), [&](ArrayRef<int64_t> i) {
    int64_t src = 0;
    for (size_t d = 0; d < i.size(); ++d)
      src += i[d] * inStrides[perm[d]];
    return src;
  });
  return gatherElements(in, indices, getType());
}

OpFoldResult GatherOp::fold(FoldAdaptor a) {
  DenseElementsAttr data = foldable(a.getData()),
                    idx = foldable(a.getIndices());
  if (!data || !idx || getType().getNumElements() > kMaxFoldElements)
    return {};
  auto shape = data.getType().getShape();
  int64_t axis = getAxis();
  int64_t outer = ShapedType::getNumElements(shape.take_front(axis));
  int64_t inner = ShapedType::getNumElements(shape.drop_front(axis + 1));
  int64_t dim = shape[axis];
  SmallVector<int64_t> indices;
  for (int64_t o = 0; o < outer; ++o)
    for (const APInt &v : idx.getValues<APInt>()) {
      int64_t i = v.getSExtValue();
      if (i < 0)
        i += dim;
      if (i < 0 || i >= dim)
        return {};
      for (int64_t in = 0; in < inner; ++in)
        indices.push_back((o * dim + i) * inner + in);
    }
  return gatherElements(data, indices, getType());
}

OpFoldResult SliceOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getSteps(), [](int64_t s) { return s == 1; }))
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  auto inStrides = stridesOf(in.getType().getShape());
  ArrayRef<int64_t> starts = getStarts(), steps = getSteps();
  auto indices = mapIndices(getType().getShape(), [&](ArrayRef<int64_t> i) {
    int64_t src = 0;
    for (size_t d = 0; d < i.size(); ++d)
      src += (starts[d] + i[d] * steps[d]) * inStrides[d];
    return src;
  });
  return gatherElements(in, indices, getType());
}

OpFoldResult ConcatOp::fold(FoldAdaptor a) {
  if (getInputs().size() == 1)
    return getInputs().front();
  if (getType().getNumElements() > kMaxFoldElements)
    return {};
  int64_t axis = getAxis();
  auto outShape = getType().getShape();
  int64_t outer = ShapedType::getNumElements(outShape.take_front(axis));
  SmallVector<SmallVector<Attribute>> inputs;
  SmallVector<int64_t> chunk;
  for (auto [value, attr] : llvm::zip(getInputs(), a.getInputs())) {
    DenseElementsAttr dense = foldable(attr);
    if (!dense)
      return {};
    inputs.push_back(elementsOf(dense));
    auto shape = cast<ShapedType>(value.getType()).getShape();
    chunk.push_back(ShapedType::getNumElements(shape.drop_front(axis)));
  }
  SmallVector<Attribute> out;
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < inputs.size(); ++i)
      for (int64_t j = 0; j < chunk[i]; ++j)
        out.push_back(inputs[i][o * chunk[i] + j]);
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult PadOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType() &&
      llvm::all_of(getPads(), [](int64_t p) { return p == 0; }))
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in || getType().getNumElements() > kMaxFoldElements)
    return {};
  auto inShape = in.getType().getShape();
  auto inStrides = stridesOf(inShape);
  int64_t rank = inShape.size();
  ArrayRef<int64_t> pads = getPads();
  auto indices = mapIndices(getType().getShape(), [&](ArrayRef<int64_t> i) {
    int64_t src = 0;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t s =
          padSource(i[d], inShape[d], pads[d], pads[d + rank], getMode());
      if (s < 0)
        return int64_t(-1);
      src += s * inStrides[d];
    }
    return src;
  });
  Attribute fill = scalarOf(in.getElementType(), getValue().convertToDouble());
  SmallVector<Attribute> elements = elementsOf(in), out;
  out.reserve(indices.size());
  for (int64_t i : indices)
    out.push_back(i < 0 ? fill : elements[i]);
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult TileOp::fold(FoldAdaptor a) {
  if (getInput().getType() == getType())
    return getInput();
  DenseElementsAttr in = foldable(a.getInput());
  if (!in || getType().getNumElements() > kMaxFoldElements)
    return {};
  auto inShape = in.getType().getShape();
  auto inStrides = stridesOf(inShape);
  auto indices = mapIndices(getType().getShape(), [&](ArrayRef<int64_t> i) {
    int64_t src = 0;
    for (size_t d = 0; d < i.size(); ++d)
      src += (i[d] % inShape[d]) * inStrides[d];
    return src;
  });
  return gatherElements(in, indices, getType());
}

OpFoldResult TriluOp::fold(FoldAdaptor a) {
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  auto shape = getType().getShape();
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t k = getK();
  Attribute zero = scalarOf(in.getElementType(), 0.0);
  SmallVector<Attribute> elements = elementsOf(in);
  for (int64_t i = 0, e = elements.size(); i < e; ++i) {
    int64_t diagonal = i % cols - (i / cols) % rows;
    if (getUpper() ? diagonal < k : diagonal > k)
      elements[i] = zero;
  }
  return DenseElementsAttr::get(getType(), elements);
}

OpFoldResult CumSumOp::fold(FoldAdaptor a) {
  DenseElementsAttr in = foldable(a.getInput());
  if (!in)
    return {};
  auto shape = getType().getShape();
  int64_t axis = getAxis();
  int64_t n = shape[axis];
  int64_t inner = ShapedType::getNumElements(shape.drop_front(axis + 1));
  int64_t outer = ShapedType::getNumElements(shape.take_front(axis));
  // The order in which each line along the axis is summed.
  auto walk = [&](auto values, auto zero, auto add) {
    auto out = values;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        auto sum = zero;
        for (int64_t step = 0; step < n; ++step) {
          int64_t k = getReverse() ? n - 1 - step : step;
          int64_t at = (o * n + k) * inner + i;
          if (getExclusive()) {
            out[at] = sum;
            sum = add(sum, values[at]);
          } else {
            sum = add(sum, values[at]);
            out[at] = sum;
          }
        }
      }
    return out;
  };
  Type elementType = in.getElementType();
  if (auto integer = dyn_cast<IntegerType>(elementType)) {
    auto out = walk(llvm::to_vector(in.getValues<APInt>()),
                    APInt(integer.getWidth(), 0),
                    [](const APInt &l, const APInt &r) { return l + r; });
    return DenseElementsAttr::get(getType(), out);
  }
  const auto &semantics = cast<FloatType>(elementType).getFloatSemantics();
  auto out = walk(llvm::to_vector(in.getValues<APFloat>()),
                  APFloat::getZero(semantics), [](APFloat l, const APFloat &r) {
                    l.add(r, APFloat::rmNearestTiesToEven);
                    return l;
                  });
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult ReduceMaxOp::fold(FoldAdaptor a) {
  return foldReduceExtreme(a.getInput(), getAxes(), getType(), /*max=*/true);
}

OpFoldResult ReduceMinOp::fold(FoldAdaptor a) {
  return foldReduceExtreme(a.getInput(), getAxes(), getType(), /*max=*/false);
}

} // namespace pp::nn
