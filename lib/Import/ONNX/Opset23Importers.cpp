//===- Opset23Importers.cpp - RMSNormalization, RotaryEmbedding, Attention
//-===//
//
// The operators opset 23 added for transformers, which current exporters
// write for normalisation and attention. Each is lowered at import to nn ops
// that differentiation and execution already know, following the function
// that defines it in the ONNX specification; the shapes are pp's own (the
// ONNX library pp builds with predates these schemas).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "pp/Dialect/NN/IR/NN.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace pp::nn;

namespace pp::onnx_import {
namespace {

using Ints = SmallVector<int64_t>;

/// Builds the nn ops of a lowering, each checked at the node.
struct Lowering {
  NodeImporter &n;

  template <typename OpTy, typename... Args>
  FailureOr<Value> op(Args &&...args) {
    auto results = n.build<OpTy>(1, std::forward<Args>(args)...);
    if (failed(results))
      return failure();
    return results->front();
  }

  FailureOr<Value> scalar(Type elementType, double value) {
    auto type = RankedTensorType::get({}, elementType);
    auto attr = DenseElementsAttr::get(
        type, FloatAttr::get(elementType, value).getValue());
    auto results = n.buildTyped<ConstantOp>(type, attr);
    if (failed(results))
      return failure();
    return results->front();
  }

  FailureOr<Value> reshape(Value v, ArrayRef<int64_t> shape) {
    auto type = cast<RankedTensorType>(v.getType()).clone(shape);
    auto results = n.buildTyped<ReshapeOp>(type, v);
    if (failed(results))
      return failure();
    return results->front();
  }

  FailureOr<Value> transpose(Value v, ArrayRef<int64_t> perm) {
    return op<TransposeOp>(v, n.builder.getDenseI64ArrayAttr(perm));
  }

  /// Elements [start, end) with `step` along the last axis.
  FailureOr<Value> sliceLast(Value v, int64_t start, int64_t end,
                             int64_t step = 1) {
    auto shape = cast<RankedTensorType>(v.getType()).getShape();
    Ints starts(shape.size(), 0), ends(shape), steps(shape.size(), 1);
    starts.back() = start;
    ends.back() = end;
    steps.back() = step;
    OpBuilder &b = n.builder;
    return op<SliceOp>(v, b.getDenseI64ArrayAttr(starts),
                       b.getDenseI64ArrayAttr(ends),
                       b.getDenseI64ArrayAttr(steps));
  }

  FailureOr<Value> concat(ValueRange values, int64_t axis) {
    return op<ConcatOp>(values, n.builder.getI64IntegerAttr(axis));
  }

  FailureOr<Value> unsqueeze(Value v, int64_t axis) {
    return op<UnsqueezeOp>(v, n.builder.getDenseI64ArrayAttr({axis}));
  }
};

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

} // namespace

/// RMSNormalization: X / sqrt(mean(X^2 over the axes from `axis` on) +
/// epsilon) * scale, computed in X's type (`stash_type` asks for at least
/// float32; pp's float32 and float64 models already compute in that).
LogicalResult importRMSNormalization(NodeImporter &n) {
  Lowering l{n};
  Value x = n.input(0);
  auto xType = typeOf(x);
  if (!isa<FloatType>(xType.getElementType()))
    return n.error() << "X must be floating point, got " << xType;
  int64_t rank = xType.getRank();
  auto axis = n.normalizeAxis(n.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  Ints axes = llvm::to_vector(llvm::seq<int64_t>(*axis, rank));
  auto square = l.op<MulOp>(x, x);
  if (failed(square))
    return failure();
  auto mean = l.op<ReduceMeanOp>(*square, n.builder.getDenseI64ArrayAttr(axes),
                                 n.builder.getBoolAttr(true));
  auto eps = l.scalar(xType.getElementType(), n.floatAttr("epsilon", 1e-5f));
  if (failed(mean) || failed(eps))
    return failure();
  auto shifted = l.op<AddOp>(*mean, *eps);
  if (failed(shifted))
    return failure();
  auto root = l.op<SqrtOp>(*shifted);
  if (failed(root))
    return failure();
  auto normalized = l.op<DivOp>(x, *root);
  if (failed(normalized))
    return failure();
  return n.emit<MulOp>(*normalized, n.input(1));
}

/// RotaryEmbedding: rotates the first `rotary_embedding_dim` elements of
/// each head (all by default) by the angles whose cosines and sines the
/// caches hold, looked up by `position_ids` when given; pairs are the two
/// halves of the rotated part, or neighbours when `interleaved`. X is
/// [batch, heads, sequence, head size], or [batch, sequence, hidden] with
/// `num_heads`.
LogicalResult importRotaryEmbedding(NodeImporter &n) {
  Lowering l{n};
  Value x = n.input(0), cosCache = n.input(1), sinCache = n.input(2);
  auto xType = typeOf(x);
  int64_t rank = xType.getRank();
  if (rank != 3 && rank != 4)
    return n.error() << "X must have rank 3 or 4, got " << xType;
  if (typeOf(cosCache) != typeOf(sinCache))
    return n.error() << "cos_cache " << typeOf(cosCache) << " and sin_cache "
                     << typeOf(sinCache) << " differ";
  if (typeOf(cosCache).getElementType() != xType.getElementType())
    return n.error() << "the caches' element type differs from X's";
  int64_t batch = xType.getDimSize(0), heads, sequence, headSize;
  Value rotated = x; // [batch, sequence, heads, head size]
  if (rank == 4) {
    heads = xType.getDimSize(1);
    sequence = xType.getDimSize(2);
    headSize = xType.getDimSize(3);
    auto t = l.transpose(x, {0, 2, 1, 3});
    if (failed(t))
      return failure();
    rotated = *t;
  } else {
    heads = n.intAttr("num_heads", 0);
    sequence = xType.getDimSize(1);
    int64_t hidden = xType.getDimSize(2);
    if (heads <= 0 || hidden % heads != 0)
      return n.error() << "a 3-D X needs num_heads dividing its hidden size "
                       << hidden << ", got " << heads;
    headSize = hidden / heads;
    auto r = l.reshape(x, {batch, sequence, heads, headSize});
    if (failed(r))
      return failure();
    rotated = *r;
  }
  int64_t dim = n.intAttr("rotary_embedding_dim", 0);
  if (dim == 0)
    dim = headSize;
  if (dim < 0 || dim > headSize || dim % 2 != 0)
    return n.error() << "rotary_embedding_dim " << dim
                     << " must be even and at most the head size " << headSize;
  int64_t half = dim / 2;

  // The caches as [batch, sequence, 1, dim / 2].
  Value cos = cosCache, sin = sinCache;
  if (n.hasInput(3)) {
    auto ids = typeOf(n.input(3));
    if (typeOf(cosCache).getRank() != 2 || ids.getRank() != 2)
      return n.error() << "with position_ids, the caches must be 2-D and "
                          "position_ids [batch, sequence], got "
                       << typeOf(cosCache) << " and " << ids;
    auto c =
        l.op<GatherOp>(cosCache, n.input(3), n.builder.getI64IntegerAttr(0));
    auto s =
        l.op<GatherOp>(sinCache, n.input(3), n.builder.getI64IntegerAttr(0));
    if (failed(c) || failed(s))
      return failure();
    cos = *c;
    sin = *s;
  } else if (typeOf(cosCache).getRank() != 3) {
    return n.error() << "without position_ids, the caches must be [batch, "
                        "sequence, rotary dim / 2], got "
                     << typeOf(cosCache);
  }
  auto cacheShape = typeOf(cos).getShape();
  if (cacheShape[0] != batch || cacheShape[1] != sequence ||
      cacheShape[2] < half)
    return n.error() << "the caches give [" << formatInts(cacheShape)
                     << "] per position; X needs [" << batch << ", " << sequence
                     << ", >= " << half << "]";
  if (cacheShape[2] != half) {
    auto c = l.sliceLast(cos, 0, half), s = l.sliceLast(sin, 0, half);
    if (failed(c) || failed(s))
      return failure();
    cos = *c;
    sin = *s;
  }
  auto c = l.unsqueeze(cos, 2), s = l.unsqueeze(sin, 2);
  if (failed(c) || failed(s))
    return failure();
  cos = *c;
  sin = *s;

  Value part = rotated, rest;
  if (dim != headSize) {
    auto p = l.sliceLast(rotated, 0, dim);
    auto r = l.sliceLast(rotated, dim, headSize);
    if (failed(p) || failed(r))
      return failure();
    part = *p;
    rest = *r;
  }
  bool interleaved = n.intAttr("interleaved", 0) != 0;
  auto x1 =
      interleaved ? l.sliceLast(part, 0, dim, 2) : l.sliceLast(part, 0, half);
  auto x2 =
      interleaved ? l.sliceLast(part, 1, dim, 2) : l.sliceLast(part, half, dim);
  if (failed(x1) || failed(x2))
    return failure();
  auto cx1 = l.op<MulOp>(cos, *x1), sx2 = l.op<MulOp>(sin, *x2);
  auto sx1 = l.op<MulOp>(sin, *x1), cx2 = l.op<MulOp>(cos, *x2);
  if (failed(cx1) || failed(sx2) || failed(sx1) || failed(cx2))
    return failure();
  auto real = l.op<SubOp>(*cx1, *sx2), imag = l.op<AddOp>(*sx1, *cx2);
  if (failed(real) || failed(imag))
    return failure();
  FailureOr<Value> result;
  if (interleaved) {
    auto re = l.unsqueeze(*real, 4), im = l.unsqueeze(*imag, 4);
    if (failed(re) || failed(im))
      return failure();
    auto pairs = l.concat({*re, *im}, 4);
    if (failed(pairs))
      return failure();
    result = l.reshape(*pairs, typeOf(part).getShape());
  } else {
    result = l.concat({*real, *imag}, 3);
  }
  if (failed(result))
    return failure();
  if (rest) {
    result = l.concat({*result, rest}, 3);
    if (failed(result))
      return failure();
  }
  result = rank == 4 ? l.transpose(*result, {0, 2, 1, 3})
                     : l.reshape(*result, xType.getShape());
  if (failed(result))
    return failure();
  n.setOutput(0, *result);
  return success();
}

/// Attention: softmax(Q K^T * scale + mask) V per head, with grouped keys
/// and values (q_num_heads a multiple of kv_num_heads), a boolean (true:
/// attend) or additive mask, `is_causal`, `softcap`, and past keys and
/// values, which present_key and present_value return with the new ones.
/// Q, K and V are [batch, heads, sequence, head size], or [batch, sequence,
/// hidden] with q_num_heads and kv_num_heads. The fourth output (the scores)
/// has no lowering.
LogicalResult importAttention(NodeImporter &n) {
  Lowering l{n};
  if (n.hasOutput(3))
    return n.error() << "pp does not lower output 3 (qk_matmul_output)";
  if (n.hasInput(4) != n.hasInput(5))
    return n.error() << "past_key and past_value go together";
  Value q = n.input(0), k = n.input(1), v = n.input(2);
  auto qType = typeOf(q);
  Type element = qType.getElementType();
  if (!isa<FloatType>(element))
    return n.error() << "Q must be floating point, got " << qType;
  int64_t rank = qType.getRank();
  if (rank != 3 && rank != 4)
    return n.error() << "Q must have rank 3 or 4, got " << qType;
  if (typeOf(k).getRank() != rank || typeOf(v).getRank() != rank)
    return n.error() << "Q, K and V must have the same rank";
  int64_t batch = qType.getDimSize(0);
  // To [batch, heads, sequence, head size].
  auto toHeads = [&](Value t, int64_t heads,
                     StringRef what) -> FailureOr<Value> {
    auto type = typeOf(t);
    if (rank == 4)
      return t;
    int64_t hidden = type.getDimSize(2);
    if (heads <= 0 || hidden % heads != 0)
      return n.error() << "a 3-D " << what << " needs a head count dividing "
                       << hidden << ", got " << heads;
    auto r = l.reshape(
        t, {type.getDimSize(0), type.getDimSize(1), heads, hidden / heads});
    if (failed(r))
      return failure();
    return l.transpose(*r, {0, 2, 1, 3});
  };
  auto qh = toHeads(q, n.intAttr("q_num_heads", 0), "Q");
  auto kh = toHeads(k, n.intAttr("kv_num_heads", 0), "K");
  auto vh = toHeads(v, n.intAttr("kv_num_heads", 0), "V");
  if (failed(qh) || failed(kh) || failed(vh))
    return failure();
  Value key = *kh, value = *vh;
  if (n.hasInput(4)) {
    auto pk = l.concat({n.input(4), key}, 2);
    auto pv = l.concat({n.input(5), value}, 2);
    if (failed(pk) || failed(pv))
      return failure();
    key = *pk;
    value = *pv;
  }
  if (n.hasOutput(1))
    n.setOutput(1, key);
  if (n.hasOutput(2))
    n.setOutput(2, value);
  auto qs = typeOf(*qh).getShape(), ks = typeOf(key).getShape(),
       vs = typeOf(value).getShape();
  int64_t qHeads = qs[1], kvHeads = ks[1], qLen = qs[2], kvLen = ks[2];
  int64_t headSize = qs[3];
  if (ks[0] != batch || vs[0] != batch || vs[1] != kvHeads || vs[2] != kvLen ||
      ks[3] != headSize)
    return n.error() << "K [" << formatInts(ks) << "] and V [" << formatInts(vs)
                     << "] do not fit Q [" << formatInts(qs) << "]";
  if (kvHeads <= 0 || qHeads % kvHeads != 0)
    return n.error() << "q heads " << qHeads
                     << " must be a multiple of kv heads " << kvHeads;
  // Grouped-query attention: each key and value head serves qHeads /
  // kvHeads consecutive query heads.
  if (int64_t group = qHeads / kvHeads; group > 1) {
    for (Value *t : {&key, &value}) {
      auto shape = typeOf(*t).getShape();
      auto u = l.unsqueeze(*t, 2);
      if (failed(u))
        return failure();
      SmallVector<Value> copies(group, *u);
      auto c = l.concat(copies, 2);
      if (failed(c))
        return failure();
      auto r = l.reshape(*c, {shape[0], qHeads, shape[2], shape[3]});
      if (failed(r))
        return failure();
      *t = *r;
    }
  }
  auto keyT = l.transpose(key, {0, 1, 3, 2});
  if (failed(keyT))
    return failure();
  auto scores = l.op<MatMulOp>(*qh, *keyT);
  float scaleAttr = n.floatAttr("scale", 0.0f);
  double scale =
      scaleAttr != 0.0f ? double(scaleAttr) : 1.0 / std::sqrt(double(headSize));
  auto scaleValue = l.scalar(element, scale);
  if (failed(scores) || failed(scaleValue))
    return failure();
  scores = l.op<MulOp>(*scores, *scaleValue);
  if (failed(scores))
    return failure();
  auto floatAttr = [&](double value) { return l.scalar(element, value); };
  auto negInf = floatAttr(-std::numeric_limits<double>::infinity());
  auto zero = floatAttr(0.0);
  if (failed(negInf) || failed(zero))
    return failure();
  if (n.hasInput(3)) {
    Value mask = n.input(3);
    if (typeOf(mask).getElementType().isInteger(1)) {
      auto additive = l.op<WhereOp>(mask, *zero, *negInf);
      if (failed(additive))
        return failure();
      mask = *additive;
    }
    scores = l.op<AddOp>(*scores, mask);
    if (failed(scores))
      return failure();
  }
  if (n.intAttr("is_causal", 0) != 0) {
    // Query i attends to keys 0..i + past: the new queries follow the
    // past ones (top-left aligned without a past).
    int64_t past = n.hasInput(4) ? typeOf(n.input(4)).getDimSize(2) : 0;
    SmallVector<double> bias;
    for (int64_t i = 0; i < qLen; ++i)
      for (int64_t j = 0; j < kvLen; ++j)
        bias.push_back(
            j <= i + past ? 0.0 : -std::numeric_limits<double>::infinity());
    auto type = RankedTensorType::get({qLen, kvLen}, element);
    SmallVector<APFloat> values;
    for (double b : bias) {
      APFloat f(b);
      bool lost;
      f.convert(cast<FloatType>(element).getFloatSemantics(),
                APFloat::rmNearestTiesToEven, &lost);
      values.push_back(f);
    }
    auto causal =
        n.buildTyped<ConstantOp>(type, DenseElementsAttr::get(type, values));
    if (failed(causal))
      return failure();
    scores = l.op<AddOp>(*scores, causal->front());
    if (failed(scores))
      return failure();
  }
  if (float softcap = n.floatAttr("softcap", 0.0f); softcap > 0.0f) {
    auto cap = floatAttr(softcap);
    if (failed(cap))
      return failure();
    auto divided = l.op<DivOp>(*scores, *cap);
    if (failed(divided))
      return failure();
    auto bounded = l.op<TanhOp>(*divided);
    if (failed(bounded))
      return failure();
    scores = l.op<MulOp>(*bounded, *cap);
    if (failed(scores))
      return failure();
  }
  auto weights = l.op<SoftmaxOp>(*scores, n.builder.getI64IntegerAttr(3));
  if (failed(weights))
    return failure();
  auto y = l.op<MatMulOp>(*weights, value);
  if (failed(y))
    return failure();
  if (rank == 3) {
    auto t = l.transpose(*y, {0, 2, 1, 3});
    if (failed(t))
      return failure();
    y = l.reshape(*t, {batch, qLen, qHeads * vs[3]});
    if (failed(y))
      return failure();
  }
  n.setOutput(0, *y);
  return success();
}

} // namespace pp::onnx_import
