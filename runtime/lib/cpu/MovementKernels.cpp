//===- MovementKernels.cpp - Data movement CPU kernels --------------------===//
//
// reshape, flatten, squeeze and unsqueeze (a copy of the buffer), transpose
// (row copies, or tiles of 4 x 4 register blocks when the innermost axis
// moves), gather and its scatter-add gradient, strided slice and its
// gradient, concat, split and expand; pad and its gradient, tile and trilu.
// Every kernel but the gradients moves elements without reading them, so it
// dispatches on the element size only.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"

#include "CpuKernels.h"
#include "HalfFloats.h"
#include "KernelChecks.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"
#include "pp/Support/PadIndex.h"

#include <algorithm>
#include <cstring>

using namespace pp::rt;
using namespace pp::rt::cpu;

namespace {

//===----------------------------------------------------------------------===//
// Copies along a row plan
//===----------------------------------------------------------------------===//

/// Copies `n` elements read with stride `stride` into contiguous `dst`.
template <typename U>
void readRow(U *dst, const U *src, int64_t stride, int64_t n) {
  if (stride == 1)
    std::memcpy(dst, src, size_t(n) * sizeof(U));
  else if (stride == 0)
    std::fill(dst, dst + n, *src);
  else
    for (int64_t i = 0; i < n; ++i)
      dst[i] = src[i * stride];
}

/// out = the view of `in` at `base` with the plan's strides (out contiguous).
template <typename U>
void gatherView(const RowPlan<1> &plan, int64_t base, const U *in, U *out) {
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 1> &offsets) {
    readRow(out + r * plan.inner, in + base + offsets[0], plan.innerStride[0],
            plan.inner);
  });
}

/// The inverse: writes contiguous `in` into the view of `out` at `base`.
template <typename U>
void scatterView(const RowPlan<1> &plan, int64_t base, const U *in, U *out) {
  const int64_t n = plan.inner, stride = plan.innerStride[0];
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 1> &offsets) {
    U *dst = out + base + offsets[0];
    const U *src = in + r * n;
    if (stride == 1)
      std::memcpy(dst, src, size_t(n) * sizeof(U));
    else
      for (int64_t i = 0; i < n; ++i)
        dst[i * stride] = src[i];
  });
}

/// Makes `out` copy the view of operand 0 at `base` with `plan`'s strides
/// into the (contiguous) result.
Status makeViewCopy(const KernelSpec &spec, const RowPlan<1> &plan,
                    int64_t base, KernelFn &out) {
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    out = [plan, base](KernelContext &, const Tensor *const *in,
                       Tensor *const *res) {
      gatherView(plan, base, in[0]->data<U>(), res[0]->data<U>());
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// reshape, flatten, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

/// The result holds the operand's elements in the same order: a copy.
Status makeBufferCopy(const KernelSpec &spec, KernelFn &out) {
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || in.numel() != res.numel())
    return spec.error("cannot reinterpret " + in.str() + " as " + res.str());
  out = [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    if (in[0]->raw() != res[0]->raw() && in[0]->bytes() != 0)
      std::memcpy(res[0]->raw(), in[0]->raw(), in[0]->bytes());
  };
  return Status::ok();
}

Status checkResultShape(const KernelSpec &spec, const Shape &expected) {
  return checkType(spec, "result", spec.outputs[0],
                   TensorType{spec.inputs[0].dtype, expected});
}

Status makeReshape(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  return makeBufferCopy(spec, out);
}

Status makeFlatten(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (axis < 0 || axis > int64_t(in.size()))
    return spec.error("axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(in.size()));
  if (Status s =
          checkResultShape(spec, {productOf(in, 0, size_t(axis)),
                                  productOf(in, size_t(axis), in.size())}))
    return s;
  return makeBufferCopy(spec, out);
}

/// Reads `axes` as a mask over the axes of a tensor of rank `rank` (when
/// `inserting`, of that rank plus one axis per entry: unsqueeze's result);
/// the entries must be unique and in range.
Status readAxesMask(const KernelSpec &spec, size_t rank, bool inserting,
                    std::vector<bool> &mask) {
  std::vector<int64_t> axes;
  if (Status s = spec.attrs.getInts("axes", axes))
    return s;
  if (inserting)
    rank += axes.size();
  mask.assign(rank, false);
  for (int64_t a : axes) {
    if (a < 0 || a >= int64_t(rank) || mask[size_t(a)])
      return spec.error("axes must be unique and in [0, " +
                        std::to_string(rank) + ")");
    mask[size_t(a)] = true;
  }
  return Status::ok();
}

Status makeSqueeze(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const Shape &in = spec.inputs[0].shape;
  std::vector<bool> removed;
  if (Status s = readAxesMask(spec, in.size(), /*inserting=*/false, removed))
    return s;
  for (size_t d = 0; d < in.size(); ++d)
    if (removed[d] && in[d] != 1)
      return spec.error("cannot squeeze axis " + std::to_string(d) +
                        " of size " + std::to_string(in[d]));
  Shape expected;
  for (size_t d = 0; d < in.size(); ++d)
    if (!removed[d])
      expected.push_back(in[d]);
  if (Status s = checkResultShape(spec, expected))
    return s;
  return makeBufferCopy(spec, out);
}

Status makeUnsqueeze(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const Shape &in = spec.inputs[0].shape;
  std::vector<bool> inserted;
  if (Status s = readAxesMask(spec, in.size(), /*inserting=*/true, inserted))
    return s;
  Shape expected;
  for (size_t d = 0, next = 0; d < inserted.size(); ++d)
    expected.push_back(inserted[d] ? 1 : in[next++]);
  if (Status s = checkResultShape(spec, expected))
    return s;
  return makeBufferCopy(spec, out);
}

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

/// Edge of the square tiles of the blocked transpose: 32 x 32 elements of
/// up to 8 bytes read and written stay within 16 KiB of L1.
constexpr int64_t kTile = 32;

/// A transpose whose innermost result axis is not the operand's: result
/// axis `a` (extent `na`) is contiguous in the operand, and the result's
/// rows (extent `nb`) read the operand with stride `strideB`. `walk` visits
/// the remaining axes with the operand's and the result's offsets.
struct BlockedTranspose {
  RowPlan<2> walk;
  int64_t na = 1, nb = 1;
  int64_t outStrideA = 0; // result stride of axis a
  int64_t strideB = 0;    // operand stride along the result's rows
};

/// Transposes a 4 x 4 block: out[j * outStride + i] = in[i * inStride + j].
/// Four contiguous loads and four contiguous stores, which the compiler
/// turns into vector loads, shuffles and stores.
template <typename U>
inline void transposeBlock4(const U *in, int64_t inStride, U *out,
                            int64_t outStride) {
  U r[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      r[i][j] = in[i * inStride + j];
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i)
      out[j * outStride + i] = r[i][j];
}

template <typename U>
void blockedTranspose(const BlockedTranspose &t, const U *in, U *out) {
  // out[a * outStrideA + b] = in[a + b * strideB] over one tile.
  auto scalar = [&](const U *src, U *dst, int64_t a0, int64_t a1, int64_t b0,
                    int64_t b1) {
    for (int64_t a = a0; a < a1; ++a)
      for (int64_t b = b0; b < b1; ++b)
        dst[a * t.outStrideA + b] = src[a + b * t.strideB];
  };
  auto tiles = [&](const U *src, U *dst) {
    for (int64_t a0 = 0; a0 < t.na; a0 += kTile) {
      const int64_t a1 = std::min(t.na, a0 + kTile);
      const int64_t aBlocks = a0 + ((a1 - a0) & ~int64_t(3));
      for (int64_t b0 = 0; b0 < t.nb; b0 += kTile) {
        const int64_t b1 = std::min(t.nb, b0 + kTile);
        const int64_t bBlocks = b0 + ((b1 - b0) & ~int64_t(3));
        for (int64_t a = a0; a < aBlocks; a += 4)
          for (int64_t b = b0; b < bBlocks; b += 4)
            transposeBlock4(src + a + b * t.strideB, t.strideB,
                            dst + a * t.outStrideA + b, t.outStrideA);
        scalar(src, dst, a0, aBlocks, bBlocks, b1); // ragged columns
        scalar(src, dst, aBlocks, a1, b0, b1);      // ragged rows
      }
    }
  };
  const RowPlan<2> &w = t.walk;
  forEachRow(w, [&](int64_t, const std::array<int64_t, 2> &offsets) {
    for (int64_t e = 0; e < w.inner; ++e)
      tiles(in + offsets[0] + e * w.innerStride[0],
            out + offsets[1] + e * w.innerStride[1]);
  });
}

Status makeTranspose(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> perm;
  if (Status s = spec.attrs.getInts("perm", perm))
    return s;
  const Shape &in = spec.inputs[0].shape;
  size_t rank = in.size();
  std::vector<bool> seen(rank, false);
  if (perm.size() != rank)
    return spec.error("perm has " + std::to_string(perm.size()) +
                      " entries for rank " + std::to_string(rank));
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank) || seen[size_t(p)])
      return spec.error("perm is not a permutation of [0, " +
                        std::to_string(rank) + ")");
    seen[size_t(p)] = true;
  }
  Shape shape;
  std::vector<int64_t> inStrides = stridesOf(in), readStrides;
  for (int64_t p : perm) {
    shape.push_back(in[size_t(p)]);
    readStrides.push_back(inStrides[size_t(p)]);
  }
  if (Status s = checkResultShape(spec, shape))
    return s;
  RowPlan<1> plan = planRows<1>(shape, {readStrides});

  // Rows read contiguously (the innermost axis stays), or short enough
  // that tiles would not pay: copy row by row.
  int64_t contiguousAxis = -1;
  for (size_t d = 0; d < plan.outer.size(); ++d)
    if (plan.strides[0][d] == 1)
      contiguousAxis = int64_t(d);
  if (plan.contiguous[0] || contiguousAxis < 0 || plan.inner < 4)
    return makeViewCopy(spec, plan, /*base=*/0, out);

  // Blocked: tiles over (the operand's contiguous axis, the result's
  // rows); the other merged axes are walked with both offsets.
  BlockedTranspose t;
  size_t a = size_t(contiguousAxis);
  t.na = plan.outer[a];
  t.nb = plan.inner;
  t.strideB = plan.innerStride[0];
  Shape walkShape;
  std::vector<int64_t> walkIn, walkOut;
  int64_t outStride = plan.inner;
  std::vector<int64_t> outStrides(plan.outer.size());
  for (size_t d = plan.outer.size(); d-- > 0;) {
    outStrides[d] = outStride;
    outStride *= plan.outer[d];
  }
  t.outStrideA = outStrides[a];
  for (size_t d = 0; d < plan.outer.size(); ++d) {
    if (d == a)
      continue;
    walkShape.push_back(plan.outer[d]);
    walkIn.push_back(plan.strides[0][d]);
    walkOut.push_back(outStrides[d]);
  }
  t.walk = planRows<2>(walkShape, {walkIn, walkOut});
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    out = [t](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      blockedTranspose(t, in[0]->data<U>(), res[0]->data<U>());
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// gather, gather_grad
//===----------------------------------------------------------------------===//

/// data seen as [outer, n, inner] around `axis`; `count` indices.
struct GatherShape : AxisLayout {
  int64_t count = 0;
  std::string location;
  /// gather_grad: the position whose lookups pass no gradient, or -1.
  int64_t paddingIndex = -1;
};

/// The index `raw` resolved against an axis of size n (negative counts
/// from the end, as ONNX allows); throws when out of range.
template <typename I>
int64_t resolveIndex(I raw, int64_t position, const GatherShape &g) {
  int64_t i = int64_t(raw);
  if (i < 0)
    i += g.n;
  if (i < 0 || i >= g.n)
    throwDataError(g.location, "index " + std::to_string(int64_t(raw)) +
                                   " at position " + std::to_string(position) +
                                   " is out of range for an axis of size " +
                                   std::to_string(g.n));
  return i;
}

template <typename U, typename I>
void gather(const U *data, const I *indices, U *out, const GatherShape &g) {
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t k = 0; k < g.count; ++k) {
      const U *src =
          data + (o * g.n + resolveIndex(indices[k], k, g)) * g.inner;
      U *dst = out + (o * g.count + k) * g.inner;
      if (g.inner == 1)
        *dst = *src;
      else
        std::memcpy(dst, src, size_t(g.inner) * sizeof(U));
    }
}

template <typename T, typename I>
void gatherGrad(const T *dy, const I *indices, T *ddata, const GatherShape &g) {
  std::fill(ddata, ddata + g.outer * g.n * g.inner, T(0));
  for (int64_t o = 0; o < g.outer; ++o)
    for (int64_t k = 0; k < g.count; ++k) {
      int64_t row = resolveIndex(indices[k], k, g);
      if (row == g.paddingIndex)
        continue;
      T *dst = ddata + (o * g.n + row) * g.inner;
      const T *src = dy + (o * g.count + k) * g.inner;
      for (int64_t e = 0; e < g.inner; ++e)
        dst[e] += src[e];
    }
}

/// Checks data, indices and the gathered type, and reads `axis`.
Status prepareGather(const KernelSpec &spec, const TensorType &data,
                     const TensorType &indices, const TensorType &gathered,
                     const char *gatheredName, GatherShape &g) {
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = checkAxis(spec, axis, int64_t(data.shape.size())))
    return s;
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  if (Status s = checkType(spec, gatheredName, gathered,
                           TensorType{data.dtype, shape}))
    return s;
  static_cast<AxisLayout &>(g) = layoutAround(data.shape, axis);
  g.count = indices.numel();
  g.location = spec.location;
  return Status::ok();
}

Status makeGather(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  GatherShape g;
  if (Status s = prepareGather(spec, spec.inputs[0], spec.inputs[1],
                               spec.outputs[0], "result", g))
    return s;
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    return dispatchType(IndexTypes{}, spec, "indices", spec.inputs[1].dtype,
                        [&](auto indexTag) {
                          using I = typename decltype(indexTag)::type;
                          out = [g](KernelContext &, const Tensor *const *in,
                                    Tensor *const *res) {
                            gather(in[0]->data<U>(), in[1]->data<I>(),
                                   res[0]->data<U>(), g);
                          };
                          return Status::ok();
                        });
  });
}

Status makeGatherGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  GatherShape g;
  const TensorType &dy = spec.inputs[0], &ddata = spec.outputs[0];
  if (Status s = prepareGather(spec, ddata, spec.inputs[1], dy, "dy", g))
    return s;
  if (spec.attrs.has("padding_index")) {
    if (Status s = spec.attrs.getInt("padding_index", g.paddingIndex))
      return s;
    if (g.paddingIndex < 0 || g.paddingIndex >= g.n)
      return spec.error("padding_index " + std::to_string(g.paddingIndex) +
                        " is outside the axis of size " + std::to_string(g.n));
  }
  return dispatchTypePair(
      FloatTypes{}, IndexTypes{}, spec, "dy", dy.dtype, "indices",
      spec.inputs[1].dtype, [&](auto tag, auto indexTag) {
        using T = typename decltype(tag)::type;
        using I = typename decltype(indexTag)::type;
        out = [g](KernelContext &, const Tensor *const *in,
                  Tensor *const *res) {
          gatherGrad(in[0]->data<T>(), in[1]->data<I>(), res[0]->data<T>(), g);
        };
        return Status::ok();
      });
}

//===----------------------------------------------------------------------===//
// slice, slice_grad
//===----------------------------------------------------------------------===//

/// The view a slice reads from a tensor of `full`: the offset of its first
/// element and the plan of its rows; `sliced` is its shape.
Status planSlice(const KernelSpec &spec, const Shape &full, Shape &sliced,
                 int64_t &base, RowPlan<1> &plan) {
  std::vector<int64_t> starts, ends, steps;
  if (Status s = spec.attrs.getInts("starts", starts))
    return s;
  if (Status s = spec.attrs.getInts("ends", ends))
    return s;
  if (Status s = spec.attrs.getInts("steps", steps))
    return s;
  size_t rank = full.size();
  if (starts.size() != rank || ends.size() != rank || steps.size() != rank)
    return spec.error("starts, ends and steps need one entry per axis (" +
                      std::to_string(rank) + ")");
  std::vector<int64_t> strides = stridesOf(full), view(rank);
  sliced.assign(rank, 0);
  base = 0;
  for (size_t d = 0; d < rank; ++d) {
    int64_t dim = full[d], start = starts[d], end = ends[d], step = steps[d];
    bool clamped =
        step > 0
            ? start >= 0 && start <= dim && end >= 0 && end <= dim
            : step < 0 && start >= -1 && start < dim && end >= -1 && end < dim;
    if (!clamped)
      return spec.error("slice " + std::to_string(start) + ":" +
                        std::to_string(end) + ":" + std::to_string(step) +
                        " of axis " + std::to_string(d) +
                        " is not clamped to its size " + std::to_string(dim));
    int64_t count = step > 0 ? (end - start + step - 1) / step
                             : (start - end - step - 1) / -step;
    sliced[d] = std::max<int64_t>(count, 0);
    base += start * strides[d];
    view[d] = step * strides[d];
  }
  plan = planRows<1>(sliced, {view});
  return Status::ok();
}

Status makeSlice(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  Shape sliced;
  int64_t base;
  RowPlan<1> plan;
  if (Status s = planSlice(spec, spec.inputs[0].shape, sliced, base, plan))
    return s;
  if (Status s = checkResultShape(spec, sliced))
    return s;
  if (plan.rows == 0)
    base = 0; // nothing is read; `start` may lie past the end
  return makeViewCopy(spec, plan, base, out);
}

Status makeSliceGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const TensorType &dy = spec.inputs[0], &dx = spec.outputs[0];
  Shape sliced;
  int64_t base;
  RowPlan<1> plan;
  if (Status s = planSlice(spec, dx.shape, sliced, base, plan))
    return s;
  if (Status s = checkType(spec, "dy", dy, TensorType{dx.dtype, sliced}))
    return s;
  return dispatchType(FloatTypes{}, spec, "dy", dy.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    out = [plan, base](KernelContext &, const Tensor *const *in,
                       Tensor *const *res) {
      T *dx = res[0]->data<T>();
      std::fill(dx, dx + res[0]->numel(), T(0));
      scatterView(plan, base, in[0]->data<T>(), dx);
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

/// The pieces of a concatenation along `axis` of `whole`: each piece is
/// `outer` chunks of `sizes[i] * inner` elements, laid one after the other
/// in every chunk of `whole`.
struct Pieces {
  int64_t outer = 1;
  std::vector<int64_t> chunks;  // elements per chunk of each piece
  std::vector<int64_t> offsets; // where each piece's chunk starts in whole's
  int64_t wholeChunk = 0;
  size_t elementSize = 0; // bytes
};

/// Copies every chunk of every piece between `whole` and `piece(i)`: into
/// the whole when `ToWhole` (concat), out of it otherwise (split).
template <bool ToWhole, typename PieceFn>
void copyPieces(const Pieces &p, char *whole, PieceFn piece) {
  const size_t es = p.elementSize;
  for (size_t i = 0; i < p.chunks.size(); ++i) {
    char *part = piece(i);
    size_t bytes = size_t(p.chunks[i]) * es;
    if (bytes == 0)
      continue;
    for (int64_t o = 0; o < p.outer; ++o) {
      char *w = whole + size_t(o * p.wholeChunk + p.offsets[i]) * es;
      char *q = part + size_t(o) * bytes;
      if constexpr (ToWhole)
        std::memcpy(w, q, bytes);
      else
        std::memcpy(q, w, bytes);
    }
  }
}

/// Checks that `pieces` concatenate along `axis` into `whole`.
Status planPieces(const KernelSpec &spec, const std::vector<TensorType> &parts,
                  const char *partName, const TensorType &whole, int64_t axis,
                  Pieces &p) {
  size_t rank = whole.shape.size();
  if (Status s = checkAxis(spec, axis, int64_t(rank)))
    return s;
  int64_t inner = productOf(whole.shape, size_t(axis) + 1, rank);
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const TensorType &t = parts[i];
    Shape expected = whole.shape;
    expected[size_t(axis)] = t.shape.size() == rank ? t.shape[size_t(axis)] : 0;
    if (t.dtype != whole.dtype || t.shape != expected)
      return spec.error(std::string(partName) + " " + std::to_string(i) + " " +
                        t.str() + " does not match " + whole.str() +
                        " outside axis " + std::to_string(axis));
    p.offsets.push_back(total * inner);
    p.chunks.push_back(t.shape[size_t(axis)] * inner);
    total += t.shape[size_t(axis)];
  }
  if (total != whole.shape[size_t(axis)])
    return spec.error(std::string(partName) + "s add up to " +
                      std::to_string(total) + " along axis " +
                      std::to_string(axis) + ", expected " +
                      std::to_string(whole.shape[size_t(axis)]));
  p.outer = productOf(whole.shape, 0, size_t(axis));
  p.wholeChunk = total * inner;
  p.elementSize = dtypeSize(whole.dtype);
  return Status::ok();
}

Status makeConcat(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty() || spec.outputs.size() != 1)
    return spec.error("expected at least 1 operand and 1 result");
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  Pieces p;
  if (Status s =
          planPieces(spec, spec.inputs, "operand", spec.outputs[0], axis, p))
    return s;
  out = [p](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    copyPieces</*ToWhole=*/true>(
        p, static_cast<char *>(res[0]->raw()),
        [in](size_t i) { return static_cast<char *>(in[i]->raw()); });
  };
  return Status::ok();
}

Status makeSplit(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.size() != 1 || spec.outputs.empty())
    return spec.error("expected 1 operand and at least 1 result");
  int64_t axis;
  std::vector<int64_t> sizes;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = spec.attrs.getInts("sizes", sizes))
    return s;
  if (sizes.size() != spec.outputs.size())
    return spec.error("sizes has " + std::to_string(sizes.size()) +
                      " entries for " + std::to_string(spec.outputs.size()) +
                      " results");
  const TensorType &whole = spec.inputs[0];
  Pieces p;
  if (Status s = planPieces(spec, spec.outputs, "result", whole, axis, p))
    return s;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (spec.outputs[i].shape[size_t(axis)] != sizes[i])
      return spec.error("result " + std::to_string(i) + " " +
                        spec.outputs[i].str() + " does not have size " +
                        std::to_string(sizes[i]) + " along axis " +
                        std::to_string(axis));
  out = [p](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    copyPieces</*ToWhole=*/false>(
        p, static_cast<char *>(in[0]->raw()),
        [res](size_t i) { return static_cast<char *>(res[i]->raw()); });
  };
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// expand
//===----------------------------------------------------------------------===//

Status makeExpand(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || !broadcastsTo(in.shape, res.shape))
    return spec.error("cannot expand " + in.str() + " to " + res.str());
  return makeViewCopy(spec, planBroadcast<1>(res.shape, {in.shape}),
                      /*base=*/0, out);
}

//===----------------------------------------------------------------------===//
// pad, pad_grad, tile: results read through one index map per axis
//===----------------------------------------------------------------------===//

/// A result whose every axis reads the operand through an index map: per
/// result axis, the operand offset (index times stride) each result index
/// reads, -1 where it reads nothing (a padding constant). A 0-d result is
/// planned as one element of rank 1.
struct AxisMaps {
  Shape shape;
  std::vector<std::vector<int64_t>> offsets;
};

/// Calls fn(first, base, last, n) for every row along the result's last
/// axis: `first` is the row's flat index in the result, `base` the operand
/// offset of its outer indices (-1 when one of them reads nothing), `last`
/// the last axis's offsets and `n` its size.
template <typename Fn> void forEachMappedRow(const AxisMaps &m, Fn &&fn) {
  const size_t rank = m.shape.size();
  const int64_t n = m.shape.back();
  if (numElements(m.shape) == 0)
    return;
  const int64_t rows = numElements(m.shape) / n;
  std::vector<int64_t> index(rank - 1, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t base = 0;
    for (size_t d = 0; d + 1 < rank && base >= 0; ++d) {
      int64_t o = m.offsets[d][size_t(index[d])];
      base = o < 0 ? -1 : base + o;
    }
    fn(r * n, base, m.offsets.back().data(), n);
    for (size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < m.shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// out = the operand read through the maps, `fill` where they read nothing.
template <typename U>
void mappedGather(const AxisMaps &m, const U *in, U *out, U fill) {
  forEachMappedRow(
      m, [&](int64_t first, int64_t base, const int64_t *last, int64_t n) {
        U *dst = out + first;
        if (base < 0) {
          std::fill(dst, dst + n, fill);
          return;
        }
        const U *src = in + base;
        for (int64_t i = 0; i < n; ++i)
          dst[i] = last[i] < 0 ? fill : src[last[i]];
      });
}

/// Its transpose: dx = 0, then each element of dy added to the operand
/// element it was read from (several add up).
template <typename T>
void mappedScatterAdd(const AxisMaps &m, const T *dy, T *dx, int64_t size) {
  std::fill(dx, dx + size, T(0));
  forEachMappedRow(
      m, [&](int64_t first, int64_t base, const int64_t *last, int64_t n) {
        if (base < 0)
          return;
        T *dst = dx + base;
        const T *src = dy + first;
        for (int64_t i = 0; i < n; ++i)
          if (last[i] >= 0)
            dst[last[i]] += src[i];
      });
}

/// Maps for a result of `shape` whose index o along axis d reads operand
/// index source(d, o) (-1: nothing), for an operand of `operand`'s shape.
template <typename SourceFn>
AxisMaps mapAxes(const Shape &operand, const Shape &shape, SourceFn source) {
  AxisMaps m;
  std::vector<int64_t> strides = stridesOf(operand);
  for (size_t d = 0; d < shape.size(); ++d) {
    std::vector<int64_t> offsets;
    for (int64_t o = 0; o < shape[d]; ++o) {
      int64_t s = source(d, o);
      offsets.push_back(s < 0 ? -1 : s * strides[d]);
    }
    m.offsets.push_back(std::move(offsets));
  }
  m.shape = shape;
  if (shape.empty()) {
    m.shape = {1};
    m.offsets = {{0}};
  }
  return m;
}

/// Reads `pads` and `mode` and maps padding an operand of `operand`'s
/// shape; `padded` is the result's shape.
Status planPad(const KernelSpec &spec, const Shape &operand, Shape &padded,
               AxisMaps &m) {
  std::vector<int64_t> pads;
  std::string mode;
  if (Status s = spec.attrs.getInts("pads", pads))
    return s;
  if (Status s = spec.attrs.getString("mode", mode, "constant"))
    return s;
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    return spec.error("unknown mode \"" + mode +
                      "\" (expected constant, reflect, edge or wrap)");
  const size_t rank = operand.size();
  if (pads.size() != 2 * rank)
    return spec.error("expected " + std::to_string(2 * rank) +
                      " pads for rank " + std::to_string(rank) + ", got " +
                      std::to_string(pads.size()));
  padded.clear();
  for (size_t d = 0; d < rank; ++d) {
    int64_t begin = pads[d], end = pads[d + rank];
    int64_t kept =
        operand[d] - std::max<int64_t>(-begin, 0) - std::max<int64_t>(-end, 0);
    if (kept < 0)
      return spec.error("pads " + std::to_string(begin) + " and " +
                        std::to_string(end) + " of axis " + std::to_string(d) +
                        " remove more than its " + std::to_string(operand[d]) +
                        " elements");
    if (mode != "constant" && kept == 0 && (begin > 0 || end > 0))
      return spec.error("cannot pad axis " + std::to_string(d) + " in mode " +
                        mode + ": it has no elements to copy");
    padded.push_back(operand[d] + begin + end);
  }
  m = mapAxes(operand, padded, [&](size_t d, int64_t o) {
    return ::pp::padSource(o, operand[d], pads[d], pads[d + rank], mode);
  });
  return Status::ok();
}

/// `value` converted to `dtype` (as a cast would), as the bits of one
/// element in the low bytes.
uint64_t elementBits(DType dtype, double value) {
  uint64_t bits = 0;
  auto store = [&](auto v) { std::memcpy(&bits, &v, sizeof v); };
  switch (dtype) {
  case DType::F32:
    store(float(value));
    break;
  case DType::F64:
    store(value);
    break;
  case DType::F16:
    store(narrowToFloat16(value).bits);
    break;
  case DType::BF16:
    store(narrowToBFloat16(value).bits);
    break;
  case DType::Bool:
    store(uint8_t(value != 0));
    break;
  case DType::I8:
    store(int8_t(value));
    break;
  case DType::U8:
    store(uint8_t(value));
    break;
  case DType::I16:
    store(int16_t(value));
    break;
  case DType::U16:
    store(uint16_t(value));
    break;
  case DType::I32:
    store(int32_t(value));
    break;
  case DType::U32:
    store(uint32_t(value));
    break;
  case DType::I64:
    store(int64_t(value));
    break;
  case DType::U64:
    store(uint64_t(value));
    break;
  }
  return bits;
}

Status makePad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  double value;
  if (Status s = spec.attrs.getFloat("value", value, 0.0))
    return s;
  Shape padded;
  AxisMaps m;
  if (Status s = planPad(spec, spec.inputs[0].shape, padded, m))
    return s;
  if (Status s = checkResultShape(spec, padded))
    return s;
  const uint64_t bits = elementBits(spec.inputs[0].dtype, value);
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    U fill;
    std::memcpy(&fill, &bits, sizeof fill);
    out = [m, fill](KernelContext &, const Tensor *const *in,
                    Tensor *const *res) {
      mappedGather(m, in[0]->data<U>(), res[0]->data<U>(), fill);
    };
    return Status::ok();
  });
}

Status makePadGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const TensorType &dy = spec.inputs[0], &dx = spec.outputs[0];
  Shape padded;
  AxisMaps m;
  if (Status s = planPad(spec, dx.shape, padded, m))
    return s;
  if (Status s = checkType(spec, "dy", dy, TensorType{dx.dtype, padded}))
    return s;
  return dispatchType(FloatTypes{}, spec, "dy", dy.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    out = [m](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      mappedScatterAdd(m, in[0]->data<T>(), res[0]->data<T>(), res[0]->numel());
    };
    return Status::ok();
  });
}

Status makeTile(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> repeats;
  if (Status s = spec.attrs.getInts("repeats", repeats))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (repeats.size() != in.size())
    return spec.error("repeats has " + std::to_string(repeats.size()) +
                      " entries for rank " + std::to_string(in.size()));
  Shape tiled;
  for (size_t d = 0; d < in.size(); ++d) {
    if (repeats[d] < 0)
      return spec.error("repeats must not be negative");
    tiled.push_back(in[d] * repeats[d]);
  }
  if (Status s = checkResultShape(spec, tiled))
    return s;
  AxisMaps m =
      mapAxes(in, tiled, [&](size_t d, int64_t o) { return o % in[d]; });
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    out = [m](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      mappedGather(m, in[0]->data<U>(), res[0]->data<U>(), U(0));
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// trilu
//===----------------------------------------------------------------------===//

/// Keeps the elements (i, j) of every matrix with j - i >= k (`upper`) or
/// j - i <= k, zeroes the others (all-zero bits: 0, 0.0 or false).
template <typename U>
void trilu(const U *in, U *out, int64_t matrices, int64_t rows, int64_t cols,
           bool upper, int64_t k) {
  for (int64_t b = 0; b < matrices; ++b)
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t at = (b * rows + i) * cols;
      // Columns [0, split) are zeroed (upper) or kept (lower).
      const int64_t split =
          std::clamp<int64_t>(upper ? i + k : i + k + 1, 0, cols);
      const int64_t keepBegin = upper ? split : 0;
      const int64_t keepEnd = upper ? cols : split;
      std::fill(out + at, out + at + cols, U(0));
      std::copy(in + at + keepBegin, in + at + keepEnd, out + at + keepBegin);
    }
}

Status makeTrilu(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  int64_t upper, k;
  if (Status s = spec.attrs.getInt("upper", upper, 1))
    return s;
  if (Status s = spec.attrs.getInt("k", k, 0))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (in.size() < 2)
    return spec.error("expected rank >= 2 (matrices on the last two axes), "
                      "got " +
                      spec.inputs[0].str());
  if (Status s = checkResultShape(spec, in))
    return s;
  const int64_t rows = in[in.size() - 2], cols = in.back();
  const int64_t matrices = productOf(in, 0, in.size() - 2);
  // Beyond the matrix, every k keeps everything or nothing: clamped, i + k
  // cannot overflow.
  k = std::clamp<int64_t>(k, -rows - 1, cols + 1);
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    out = [=](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      trilu(in[0]->data<U>(), res[0]->data<U>(), matrices, rows, cols,
            upper != 0, k);
    };
    return Status::ok();
  });
}

} // namespace

void pp::rt::cpu::registerMovementKernels(KernelRegistry &registry) {
  registry.add("nn.reshape", Backend::CPU, makeReshape);
  registry.add("nn.flatten", Backend::CPU, makeFlatten);
  registry.add("nn.squeeze", Backend::CPU, makeSqueeze);
  registry.add("nn.unsqueeze", Backend::CPU, makeUnsqueeze);
  registry.add("nn.transpose", Backend::CPU, makeTranspose);
  registry.add("nn.gather", Backend::CPU, makeGather);
  registry.add("nn.gather_grad", Backend::CPU, makeGatherGrad);
  registry.add("nn.slice", Backend::CPU, makeSlice);
  registry.add("nn.slice_grad", Backend::CPU, makeSliceGrad);
  registry.add("nn.concat", Backend::CPU, makeConcat);
  registry.add("nn.split", Backend::CPU, makeSplit);
  registry.add("nn.expand", Backend::CPU, makeExpand);
  registry.add("nn.pad", Backend::CPU, makePad);
  registry.add("nn.pad_grad", Backend::CPU, makePadGrad);
  registry.add("nn.tile", Backend::CPU, makeTile);
  registry.add("nn.trilu", Backend::CPU, makeTrilu);
}
