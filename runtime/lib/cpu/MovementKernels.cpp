//===- MovementKernels.cpp - Data movement CPU kernels --------------------===//
//
// reshape, flatten, squeeze and unsqueeze (a copy of the buffer), transpose
// (row copies, or tiles of 4 x 4 register blocks when the innermost axis
// moves), gather and its scatter-add gradient, strided slice and its
// gradient, concat, split and expand; pad and its gradient, tile and trilu.
// Every kernel but the gradients moves elements without reading them, so it
// dispatches on the element size only.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/MovementPlan.h's, shared with the CUDA backend.
//
//===----------------------------------------------------------------------===//

#include "Broadcast.h"

#include "../kernels/MovementPlan.h"
#include "CpuKernels.h"
#include "KernelChecks.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"
#include "pp/Support/PadIndex.h"

#include <algorithm>
#include <cstring>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::kernels;

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
KernelFn bufferCopy() {
  return [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    if (in[0]->raw() != res[0]->raw() && in[0]->bytes() != 0)
      std::memcpy(res[0]->raw(), in[0]->raw(), in[0]->bytes());
  };
}

/// reshape, flatten, squeeze or unsqueeze, checked by `plan`.
template <Status (*Plan)(const KernelSpec &)>
Status makeBufferCopy(const KernelSpec &spec, KernelFn &out) {
  if (Status s = Plan(spec))
    return s;
  out = bufferCopy();
  return Status::ok();
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
  TransposePlan p;
  if (Status s = planTranspose(spec, p))
    return s;
  RowPlan<1> plan = planRows<1>(p.shape, {p.readStrides});

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

/// The plan, and the op's location for the errors of indices out of range.
struct GatherShape : GatherPlan {
  std::string location;
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

/// Plans gather (or with `grad` gather_grad) and keeps its location.
Status prepareGather(const KernelSpec &spec, bool grad, GatherShape &g) {
  if (Status s = planGather(spec, grad, g))
    return s;
  g.location = spec.location;
  if (grad)
    return readPaddingIndex(spec, g);
  return Status::ok();
}

Status makeGather(const KernelSpec &spec, KernelFn &out) {
  GatherShape g;
  if (Status s = prepareGather(spec, /*grad=*/false, g))
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
  GatherShape g;
  if (Status s = prepareGather(spec, /*grad=*/true, g))
    return s;
  return dispatchTypePair(
      FloatTypes{}, IndexTypes{}, spec, "dy", spec.inputs[0].dtype, "indices",
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

Status makeSlice(const KernelSpec &spec, KernelFn &out) {
  SlicePlan p;
  if (Status s = planSlice(spec, /*grad=*/false, p))
    return s;
  return makeViewCopy(spec, planRows<1>(p.sliced, {p.view}), p.base, out);
}

Status makeSliceGrad(const KernelSpec &spec, KernelFn &out) {
  SlicePlan p;
  if (Status s = planSlice(spec, /*grad=*/true, p))
    return s;
  const RowPlan<1> plan = planRows<1>(p.sliced, {p.view});
  const int64_t base = p.base;
  return dispatchType(
      FloatTypes{}, spec, "dy", spec.inputs[0].dtype, [&](auto tag) {
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

Status makeConcat(const KernelSpec &spec, KernelFn &out) {
  Pieces p;
  if (Status s = planConcat(spec, p))
    return s;
  out = [p](KernelContext &, const Tensor *const *in, Tensor *const *res) {
    copyPieces</*ToWhole=*/true>(
        p, static_cast<char *>(res[0]->raw()),
        [in](size_t i) { return static_cast<char *>(in[i]->raw()); });
  };
  return Status::ok();
}

Status makeSplit(const KernelSpec &spec, KernelFn &out) {
  Pieces p;
  if (Status s = planSplit(spec, p))
    return s;
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
  if (Status s = planExpand(spec))
    return s;
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
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

/// The maps of padding as `p` plans it.
AxisMaps mapPad(const PadPlan &p) {
  const size_t rank = p.operand.size();
  return mapAxes(p.operand, p.padded, [&](size_t d, int64_t o) {
    return ::pp::padSource(o, p.operand[d], p.pads[d], p.pads[d + rank],
                           p.mode);
  });
}

Status makePad(const KernelSpec &spec, KernelFn &out) {
  PadPlan p;
  if (Status s = planPad(spec, /*grad=*/false, p))
    return s;
  AxisMaps m = mapPad(p);
  const uint64_t bits = p.fillBits;
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
  PadPlan p;
  if (Status s = planPad(spec, /*grad=*/true, p))
    return s;
  AxisMaps m = mapPad(p);
  return dispatchType(FloatTypes{}, spec, "dy", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        out = [m](KernelContext &, const Tensor *const *in,
                                  Tensor *const *res) {
                          mappedScatterAdd(m, in[0]->data<T>(),
                                           res[0]->data<T>(), res[0]->numel());
                        };
                        return Status::ok();
                      });
}

Status makeTile(const KernelSpec &spec, KernelFn &out) {
  Shape tiled;
  if (Status s = planTile(spec, tiled))
    return s;
  const Shape &in = spec.inputs[0].shape;
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
  TriluPlan p;
  if (Status s = planTrilu(spec, p))
    return s;
  return dispatchElementSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = typename decltype(tag)::type;
    out = [p](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      trilu(in[0]->data<U>(), res[0]->data<U>(), p.matrices, p.rows, p.cols,
            p.upper, p.k);
    };
    return Status::ok();
  });
}

} // namespace

void pp::rt::cpu::registerMovementKernels(KernelRegistry &registry) {
  registry.add("nn.reshape", Backend::CPU, makeBufferCopy<planReshape>);
  registry.add("nn.flatten", Backend::CPU, makeBufferCopy<planFlatten>);
  registry.add("nn.squeeze", Backend::CPU, makeBufferCopy<planSqueeze>);
  registry.add("nn.unsqueeze", Backend::CPU, makeBufferCopy<planUnsqueeze>);
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
