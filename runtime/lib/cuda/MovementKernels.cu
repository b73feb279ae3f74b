//===- MovementKernels.cu - Data movement on CUDA -------------------------===//
//
// The CPU backend's movement ops (runtime/lib/cpu/MovementKernels.cpp) on
// the device, with the same attributes and checks:
//  - reshape, flatten, squeeze and unsqueeze copy the buffer (copyBytes)
//    when the executor does not run them as views;
//  - transpose, slice and expand read a strided view of the operand into a
//    contiguous result: one thread per result element, so writes coalesce
//    (DeviceIndexing.h merges the axes that stay contiguous); a transpose
//    of the last two axes (after merging) runs through shared-memory tiles
//    on a GPU, so that its reads coalesce too (the emulation, which has no
//    shared memory, copies through the view);
//  - gather, concat, split, pad, tile and trilu likewise give each result
//    element one thread that computes where it comes from;
//  - the gradients (gather_grad, slice_grad, pad_grad) sum without atomics:
//    gather_grad gives each column (outer, inner element) and block of
//    rows one thread that walks the indices in order, pad_grad gives each
//    operand element one thread that walks the padded positions reading it in
//    row-major order, the CPU's order of summation in both; slice_grad has one
//    writer per element.
// Everything but the gradients moves elements without reading them, so it
// runs on unsigned integers of the element's size and takes every dtype;
// the gradients take f32 and f64. An index out of range, which the CPU
// reports as an error, cannot stop a device kernel: gather writes zeros
// there and gather_grad skips it.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/MovementPlan.h's, shared with the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/MovementPlan.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "FloatDispatch.h"

#include <algorithm>
#include <cstring>

namespace pp::rt::PP_DEVICE_NS {
namespace {

using namespace kernels; // the checks and plans shared with the CPU

//===----------------------------------------------------------------------===//
// The strided view copy
//===----------------------------------------------------------------------===//

PP_HD_INLINE int64_t offsetOf(const StridedIndexer<1> &view, int64_t i) {
  if (view.rank == 1)
    return i * view.stride[0][0];
  int64_t offset[1];
  view.offsets(i, offset);
  return offset[0];
}

/// out[i] = in[base + view(i)]: a strided view into a contiguous result.
template <typename U> struct ViewCopy {
  const U *in;
  U *out;
  StridedIndexer<1> view;
  int64_t base;

  PP_HD void operator()(int64_t i) const {
    out[i] = in[base + offsetOf(view, i)];
  }
};

/// The view of a result of `shape` reading the operand with `strides` (one
/// per result axis); an error when more than kMaxRank axes remain unmerged.
Status planView(const KernelSpec &spec, const Shape &shape,
                const std::vector<int64_t> &strides, StridedIndexer<1> &view) {
  if (!makeIndexer<1>(shape, {strides}, view))
    return spec.error("the CUDA backend moves at most " +
                      std::to_string(kMaxRank) + " non-mergeable axes");
  return Status::ok();
}

Status makeViewCopy(const KernelSpec &spec, const Shape &shape,
                    const std::vector<int64_t> &strides, int64_t base,
                    KernelFn &out) {
  StridedIndexer<1> view;
  if (Status s = planView(spec, shape, strides, view))
    return s;
  const int64_t n = numElements(shape);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [view, base, n](KernelContext &ctx, const Tensor *const *in,
                          Tensor *const *res) {
      forEach(ctx, n,
              ViewCopy<U>{in[0]->data<U>(), res[0]->data<U>(), view, base});
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// reshape, flatten, squeeze, unsqueeze
//===----------------------------------------------------------------------===//

/// reshape, flatten, squeeze or unsqueeze, checked by `Plan`: a copy of
/// the buffer.
template <Status (*Plan)(const KernelSpec &)>
Status makeBufferCopy(const KernelSpec &spec, KernelFn &out) {
  if (Status s = Plan(spec))
    return s;
  out = [](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    copyBytes(ctx, res[0]->raw(), in[0]->raw(), in[0]->bytes());
  };
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// transpose, expand
//===----------------------------------------------------------------------===//

/// A batch of row-major matrices to transpose.
struct MatrixSwap {
  int64_t batch = 1, rows = 1, cols = 1;
};

#if defined(__CUDACC__)
constexpr int kTile = 32;

/// Transposes 32 x 32 tiles through shared memory, so that both the reads
/// (along a row of the operand) and the writes (along a row of the result)
/// coalesce; the extra column keeps the tile's columns in distinct banks.
/// Blocks of 32 x 8 threads, each thread moving 4 elements per tile.
template <typename U>
__global__ void transposeTiles(const U *in, U *out, MatrixSwap m) {
  __shared__ U tile[kTile][kTile + 1];
  const int64_t r0 = int64_t(blockIdx.y) * kTile;
  const int64_t c0 = int64_t(blockIdx.x) * kTile;
  for (int64_t b = blockIdx.z; b < m.batch; b += gridDim.z) {
    const U *src = in + b * m.rows * m.cols;
    U *dst = out + b * m.rows * m.cols;
    for (int j = threadIdx.y; j < kTile; j += blockDim.y) {
      const int64_t r = r0 + j, c = c0 + threadIdx.x;
      if (r < m.rows && c < m.cols)
        tile[j][threadIdx.x] = src[r * m.cols + c];
    }
    __syncthreads();
    for (int j = threadIdx.y; j < kTile; j += blockDim.y) {
      const int64_t c = c0 + j, r = r0 + threadIdx.x;
      if (c < m.cols && r < m.rows)
        dst[c * m.rows + r] = tile[threadIdx.x][j];
    }
    __syncthreads();
  }
}
#endif

/// Launches the tiled transpose; false where there is none (the device
/// emulation, or more tiles than a grid holds), and the caller copies
/// through the strided view instead.
template <typename U>
bool transposeTiled(KernelContext &ctx, const MatrixSwap &m, const U *in,
                    U *out) {
#if defined(__CUDACC__)
  const int64_t tilesX = (m.cols + kTile - 1) / kTile;
  const int64_t tilesY = (m.rows + kTile - 1) / kTile;
  if (tilesX > INT32_MAX || tilesY > 65535)
    return false;
  const int64_t z = m.batch < 65535 ? m.batch : 65535;
  transposeTiles<U>
      <<<dim3(unsigned(tilesX), unsigned(tilesY), unsigned(z)), dim3(kTile, 8),
         0, static_cast<cudaStream_t>(ctx.stream)>>>(in, out, m);
  checkLaunch(ctx, "transpose launch");
  return true;
#else
  (void)ctx, (void)m, (void)in, (void)out;
  return false;
#endif
}

Status makeTranspose(const KernelSpec &spec, KernelFn &out) {
  TransposePlan t;
  if (Status s = planTranspose(spec, t))
    return s;
  const Shape &shape = t.shape;
  StridedIndexer<1> view;
  if (Status s = planView(spec, shape, t.readStrides, view))
    return s;
  // A batch of matrices [batch, rows, cols] into [batch, cols, rows]: the
  // merged view reads the result's last axis with stride cols and the one
  // before it contiguously.
  const int r = view.rank;
  const bool swap =
      r >= 2 && r <= 3 && view.stride[0][r - 2] == 1 &&
      view.stride[0][r - 1] == view.extent[r - 2] &&
      (r == 2 || view.stride[0][0] == view.extent[1] * view.extent[2]);
  MatrixSwap m;
  if (swap) {
    m.batch = r == 3 ? view.extent[0] : 1;
    m.cols = view.extent[r - 2];
    m.rows = view.extent[r - 1];
  }
  const int64_t n = numElements(shape);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [view, swap, m, n](KernelContext &ctx, const Tensor *const *in,
                             Tensor *const *res) {
      if (swap && transposeTiled(ctx, m, in[0]->data<U>(), res[0]->data<U>()))
        return;
      forEach(ctx, n,
              ViewCopy<U>{in[0]->data<U>(), res[0]->data<U>(), view, 0});
    };
    return Status::ok();
  });
}

Status makeExpand(const KernelSpec &spec, KernelFn &out) {
  if (Status s = planExpand(spec))
    return s;
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  return makeViewCopy(spec, res.shape, broadcastStrides(in.shape, res.shape),
                      /*base=*/0, out);
}

//===----------------------------------------------------------------------===//
// gather, gather_grad
//===----------------------------------------------------------------------===//

/// gather's plan (GatherPlan) as device kernels take it.
struct GatherShape {
  int64_t outer = 1, n = 1, inner = 1, count = 0;
  /// gather_grad: the position whose lookups pass no gradient, or -1.
  int64_t paddingIndex = -1;
};

/// The index `raw` resolved against an axis of size n (negative counts
/// from the end); -1 when out of range.
template <typename I> PP_HD_INLINE int64_t resolve(I raw, int64_t n) {
  int64_t i = int64_t(raw);
  if (i < 0)
    i += n;
  return i >= 0 && i < n ? i : -1;
}

template <typename U, typename I> struct Gather {
  const U *data;
  const I *indices;
  U *out;
  GatherShape g;

  PP_HD void operator()(int64_t i) const {
    const int64_t e = i % g.inner, rest = i / g.inner;
    const int64_t k = rest % g.count, o = rest / g.count;
    const int64_t row = resolve(indices[k], g.n);
    out[i] = row < 0 ? U(0) : data[(o * g.n + row) * g.inner + e];
  }
};

/// One thread per column (o, e) of ddata and block of its rows, adding the
/// gathered gradients of those rows in the order of the indices (ddata
/// zeroed first). Each element of ddata has one writer; the row blocks only
/// multiply the threads when the columns alone would leave the GPU idle
/// (an embedding's table is a few thousand columns wide), every thread
/// walking all indices and adding those in its block.
template <typename T, typename I> struct GatherGrad {
  const T *dy;
  const I *indices;
  T *ddata;
  GatherShape g;
  int64_t rowsPerBlock;

  PP_HD void operator()(int64_t t) const {
    const int64_t columns = g.outer * g.inner;
    const int64_t column = t % columns;
    const int64_t first = (t / columns) * rowsPerBlock;
    const int64_t last =
        first + rowsPerBlock < g.n ? first + rowsPerBlock : g.n;
    const int64_t o = column / g.inner, e = column % g.inner;
    T *dst = ddata + o * g.n * g.inner + e;
    const T *src = dy + o * g.count * g.inner + e;
    for (int64_t k = 0; k < g.count; ++k) {
      const int64_t row = resolve(indices[k], g.n);
      if (row >= first && row < last && row != g.paddingIndex)
        dst[row * g.inner] += src[k * g.inner];
    }
  }
};

/// Plans gather (or with `grad` gather_grad). Its indices must be i64 or
/// i32, which the CUDA backend checks itself, after the shapes and before
/// padding_index (the CPU dispatches on them last, with its own message).
Status prepareGather(const KernelSpec &spec, bool grad, GatherShape &g) {
  GatherPlan p;
  if (Status s = planGather(spec, grad, p))
    return s;
  const DType indices = spec.inputs[1].dtype;
  if (indices != DType::I64 && indices != DType::I32)
    return spec.error(std::string("indices must be i64 or i32, got ") +
                      dtypeName(indices));
  if (grad)
    if (Status s = readPaddingIndex(spec, p))
      return s;
  g = GatherShape{p.outer, p.n, p.inner, p.count, p.paddingIndex};
  return Status::ok();
}

Status makeGather(const KernelSpec &spec, KernelFn &out) {
  GatherShape g;
  if (Status s = prepareGather(spec, /*grad=*/false, g))
    return s;
  const int64_t total = spec.outputs[0].numel();
  const bool wide = spec.inputs[1].dtype == DType::I64;
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [g, total, wide](KernelContext &ctx, const Tensor *const *in,
                           Tensor *const *res) {
      if (wide)
        forEach(ctx, total,
                Gather<U, int64_t>{in[0]->data<U>(), in[1]->data<int64_t>(),
                                   res[0]->data<U>(), g});
      else
        forEach(ctx, total,
                Gather<U, int32_t>{in[0]->data<U>(), in[1]->data<int32_t>(),
                                   res[0]->data<U>(), g});
    };
    return Status::ok();
  });
}

Status makeGatherGrad(const KernelSpec &spec, KernelFn &out) {
  GatherShape g;
  if (Status s = prepareGather(spec, /*grad=*/true, g))
    return s;
  const TensorType &dy = spec.inputs[0];
  const bool wide = spec.inputs[1].dtype == DType::I64;
  // Enough threads to fill a GPU: about 64K, in blocks of whole rows.
  const int64_t columns = g.outer * g.inner;
  int64_t rowsPerBlock = 1, threads = 0;
  if (columns > 0 && g.n > 0) {
    const int64_t blocks =
        std::min<int64_t>(g.n, (int64_t(1) << 16) / columns + 1);
    rowsPerBlock = (g.n + blocks - 1) / blocks;
    threads = columns * ((g.n + rowsPerBlock - 1) / rowsPerBlock);
  }
  return dispatchFloat(spec, dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    out = [g, wide, rowsPerBlock, threads](
              KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
      zeroBytes(ctx, res[0]->raw(), res[0]->bytes());
      if (wide)
        forEach(ctx, threads,
                GatherGrad<T, int64_t>{in[0]->data<T>(), in[1]->data<int64_t>(),
                                       res[0]->data<T>(), g, rowsPerBlock});
      else
        forEach(ctx, threads,
                GatherGrad<T, int32_t>{in[0]->data<T>(), in[1]->data<int32_t>(),
                                       res[0]->data<T>(), g, rowsPerBlock});
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
  return makeViewCopy(spec, p.sliced, p.view, p.base, out);
}

/// dx[base + view(i)] = dy[i]: one writer per element of the slice.
template <typename T> struct ScatterView {
  const T *dy;
  T *dx;
  StridedIndexer<1> view;
  int64_t base;

  PP_HD void operator()(int64_t i) const {
    dx[base + offsetOf(view, i)] = dy[i];
  }
};

Status makeSliceGrad(const KernelSpec &spec, KernelFn &out) {
  SlicePlan p;
  if (Status s = planSlice(spec, /*grad=*/true, p))
    return s;
  const TensorType &dy = spec.inputs[0];
  const Shape &sliced = p.sliced;
  const int64_t base = p.base;
  StridedIndexer<1> view;
  if (Status s = planView(spec, sliced, p.view, view))
    return s;
  const int64_t n = numElements(sliced);
  return dispatchFloat(spec, dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    out = [view, base, n](KernelContext &ctx, const Tensor *const *in,
                          Tensor *const *res) {
      zeroBytes(ctx, res[0]->raw(), res[0]->bytes());
      forEach(ctx, n,
              ScatterView<T>{in[0]->data<T>(), res[0]->data<T>(), view, base});
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// concat, split
//===----------------------------------------------------------------------===//

/// Copies one piece into the whole (ToWhole) or out of it, one thread per
/// element of the piece.
template <typename U, bool ToWhole> struct CopyPiece {
  const U *src;
  U *dst;
  int64_t chunk, wholeChunk, offset;

  PP_HD void operator()(int64_t i) const {
    const int64_t w = (i / chunk) * wholeChunk + offset + i % chunk;
    if (ToWhole)
      dst[w] = src[i];
    else
      dst[i] = src[w];
  }
};

Status makeConcat(const KernelSpec &spec, KernelFn &out) {
  Pieces p;
  if (Status s = planConcat(spec, p))
    return s;
  return dispatchSize(spec, spec.outputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [p](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
      for (size_t i = 0; i < p.chunks.size(); ++i)
        if (p.chunks[i])
          forEach(ctx, p.outer * p.chunks[i],
                  CopyPiece<U, true>{in[i]->data<U>(), res[0]->data<U>(),
                                     p.chunks[i], p.wholeChunk, p.offsets[i]});
    };
    return Status::ok();
  });
}

Status makeSplit(const KernelSpec &spec, KernelFn &out) {
  Pieces p;
  if (Status s = planSplit(spec, p))
    return s;
  const TensorType &whole = spec.inputs[0];
  return dispatchSize(spec, whole.dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [p](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
      for (size_t i = 0; i < p.chunks.size(); ++i)
        if (p.chunks[i])
          forEach(ctx, p.outer * p.chunks[i],
                  CopyPiece<U, false>{in[0]->data<U>(), res[i]->data<U>(),
                                      p.chunks[i], p.wholeChunk, p.offsets[i]});
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// pad, pad_grad, tile
//===----------------------------------------------------------------------===//

/// One axis of a padded result: pp::padSource (PadIndex.h) with the mode
/// as a number, callable on the device.
struct PadAxis {
  int64_t extent = 1; // of the result
  int64_t start = 0;  // first operand index kept (after cropping)
  int64_t kept = 0;   // operand elements kept
  int64_t lead = 0;   // result elements before the first kept one
  int64_t stride = 0; // of the operand
  int mode = kPadConstant;

  /// The operand index result index `o` reads; -1 for the constant.
  PP_HD int64_t source(int64_t o) const {
    const int64_t j = o - lead;
    if (j >= 0 && j < kept)
      return start + j;
    if (mode == kPadConstant || kept <= 0)
      return -1;
    if (mode == kPadEdge)
      return start + (j < 0 ? 0 : kept - 1);
    if (mode == kPadWrap)
      return start + ((j % kept) + kept) % kept;
    if (kept == 1)
      return start;
    const int64_t period = 2 * (kept - 1);
    const int64_t r = ((j % period) + period) % period;
    return start + (r < kept ? r : period - r);
  }

  /// The first result index at or after `o` that reads operand index `i`;
  /// `extent` when none does. Inside the kept band only o = lead + i -
  /// start can, so the band is skipped in one step.
  PP_HD int64_t nextReading(int64_t i, int64_t o) const {
    while (o < extent) {
      if (o >= lead && o < lead + kept) {
        const int64_t direct = lead + (i - start);
        if (i >= start && i < start + kept && direct >= o)
          return direct;
        o = lead + kept;
        continue;
      }
      if (mode == kPadConstant) { // only the band reads the operand
        if (o >= lead)
          return extent;
        o = lead;
        continue;
      }
      if (source(o) == i)
        return o;
      ++o;
    }
    return extent;
  }
};

/// The axes of a padded result (at most kMaxRank).
struct PadAxes {
  int rank = 0;
  PadAxis axes[kMaxRank];
};

template <typename U> struct Pad {
  const U *in;
  U *out;
  PadAxes p;
  U fill;

  PP_HD void operator()(int64_t i) const {
    int64_t offset = 0, rest = i;
    for (int d = p.rank - 1; d >= 0; --d) {
      const int64_t s = p.axes[d].source(rest % p.axes[d].extent);
      rest /= p.axes[d].extent;
      if (s < 0) {
        out[i] = fill;
        return;
      }
      offset += s * p.axes[d].stride;
    }
    out[i] = in[offset];
  }
};

/// pad_grad: one thread per operand element i, summing every element of dy
/// that reads it, in dy's row-major order (the CPU's).
template <typename T> struct PadGrad {
  const T *dy;
  T *dx;
  PadAxes p;
  int64_t operand[kMaxRank]; // dx's extents

  PP_HD void operator()(int64_t flat) const {
    int64_t index[kMaxRank], o[kMaxRank], dyStride[kMaxRank];
    int64_t rest = flat, stride = 1;
    for (int d = p.rank - 1; d >= 0; --d) {
      index[d] = rest % operand[d];
      rest /= operand[d];
      dyStride[d] = stride;
      stride *= p.axes[d].extent;
    }
    T sum = T(0);
    for (int d = 0; d < p.rank; ++d) {
      o[d] = p.axes[d].nextReading(index[d], 0);
      if (o[d] == p.axes[d].extent) {
        dx[flat] = sum;
        return;
      }
    }
    while (true) {
      int64_t at = 0;
      for (int d = 0; d < p.rank; ++d)
        at += o[d] * dyStride[d];
      sum += dy[at];
      // The next position in row-major order: the innermost axis advances,
      // and an axis past its last reading restarts as the one above moves.
      int d = p.rank - 1;
      for (; d >= 0; --d) {
        o[d] = p.axes[d].nextReading(index[d], o[d] + 1);
        if (o[d] < p.axes[d].extent)
          break;
        o[d] = p.axes[d].nextReading(index[d], 0);
      }
      if (d < 0)
        break;
    }
    dx[flat] = sum;
  }
};

/// The CUDA backend pads at most kMaxRank axes.
Status checkPadRank(const KernelSpec &spec, size_t rank) {
  if (rank > size_t(kMaxRank))
    return spec.error("the CUDA backend pads at most " +
                      std::to_string(kMaxRank) + " axes");
  return Status::ok();
}

/// Plans pad (or with `grad` pad_grad) and lays it out per axis.
Status planPadAxes(const KernelSpec &spec, bool grad, PadPlan &plan,
                   PadAxes &p) {
  if (Status s = planPad(spec, grad, plan, checkPadRank))
    return s;
  std::vector<int64_t> strides = contiguousStrides(plan.operand);
  p.rank = int(plan.operand.size());
  for (size_t d = 0; d < plan.operand.size(); ++d) {
    PadAxis &a = p.axes[d];
    a.extent = plan.padded[d];
    a.start = std::max<int64_t>(-plan.begin(d), 0);
    a.kept = plan.kept[d];
    a.lead = std::max<int64_t>(plan.begin(d), 0);
    a.stride = strides[d];
    a.mode = plan.modeNumber;
  }
  return Status::ok();
}

Status makePad(const KernelSpec &spec, KernelFn &out) {
  PadPlan plan;
  PadAxes p;
  if (Status s = planPadAxes(spec, /*grad=*/false, plan, p))
    return s;
  const uint64_t bits = plan.fillBits;
  const int64_t n = numElements(plan.padded);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    U fill;
    std::memcpy(&fill, &bits, sizeof fill);
    out = [p, fill, n](KernelContext &ctx, const Tensor *const *in,
                       Tensor *const *res) {
      forEach(ctx, n, Pad<U>{in[0]->data<U>(), res[0]->data<U>(), p, fill});
    };
    return Status::ok();
  });
}

Status makePadGrad(const KernelSpec &spec, KernelFn &out) {
  PadPlan plan;
  PadAxes p;
  if (Status s = planPadAxes(spec, /*grad=*/true, plan, p))
    return s;
  const TensorType &dy = spec.inputs[0], &dx = spec.outputs[0];
  const int64_t n = dx.numel();
  return dispatchFloat(spec, dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    PadGrad<T> f{nullptr, nullptr, p, {}};
    for (int d = 0; d < p.rank; ++d)
      f.operand[d] = dx.shape[size_t(d)];
    out = [f, n](KernelContext &ctx, const Tensor *const *in,
                 Tensor *const *res) {
      PadGrad<T> g = f;
      g.dy = in[0]->data<T>();
      g.dx = res[0]->data<T>();
      forEach(ctx, n, g);
    };
    return Status::ok();
  });
}

/// tile: result index o along axis d reads operand index o % in[d].
template <typename U> struct Tile {
  const U *in;
  U *out;
  int rank;
  int64_t extent[kMaxRank], operand[kMaxRank], stride[kMaxRank];

  PP_HD void operator()(int64_t i) const {
    int64_t offset = 0, rest = i;
    for (int d = rank - 1; d >= 0; --d) {
      offset += (rest % extent[d]) % operand[d] * stride[d];
      rest /= extent[d];
    }
    out[i] = in[offset];
  }
};

Status makeTile(const KernelSpec &spec, KernelFn &out) {
  Shape tiled;
  if (Status s = planTile(spec, tiled))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (in.size() > size_t(kMaxRank))
    return spec.error("the CUDA backend tiles at most " +
                      std::to_string(kMaxRank) + " axes");
  const int64_t n = numElements(tiled);
  std::vector<int64_t> strides = contiguousStrides(in);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    Tile<U> f{nullptr, nullptr, int(in.size()), {}, {}, {}};
    for (size_t d = 0; d < in.size(); ++d) {
      f.extent[d] = tiled[d];
      f.operand[d] = in[d];
      f.stride[d] = strides[d];
    }
    out = [f, n](KernelContext &ctx, const Tensor *const *in,
                 Tensor *const *res) {
      Tile<U> t = f;
      t.in = in[0]->data<U>();
      t.out = res[0]->data<U>();
      forEach(ctx, n, t);
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// trilu
//===----------------------------------------------------------------------===//

/// Keeps the elements (i, j) of every matrix with j - i >= k (upper) or
/// j - i <= k, zeroes the others (all-zero bits: 0, 0.0 or false).
template <typename U> struct Trilu {
  const U *in;
  U *out;
  int64_t rows, cols, k;
  bool upper;

  PP_HD void operator()(int64_t idx) const {
    const int64_t j = idx % cols, i = (idx / cols) % rows;
    const bool keep = upper ? j - i >= k : j - i <= k;
    out[idx] = keep ? in[idx] : U(0);
  }
};

Status makeTrilu(const KernelSpec &spec, KernelFn &out) {
  TriluPlan p;
  if (Status s = planTrilu(spec, p))
    return s;
  const int64_t n = numElements(spec.inputs[0].shape);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [p, n](KernelContext &ctx, const Tensor *const *in,
                 Tensor *const *res) {
      forEach(ctx, n,
              Trilu<U>{in[0]->data<U>(), res[0]->data<U>(), p.rows, p.cols, p.k,
                       p.upper});
    };
    return Status::ok();
  });
}

} // namespace

void registerMovementKernels(KernelRegistry &registry) {
  registry.add("nn.reshape", Backend::CUDA, makeBufferCopy<planReshape>);
  registry.add("nn.flatten", Backend::CUDA, makeBufferCopy<planFlatten>);
  registry.add("nn.squeeze", Backend::CUDA, makeBufferCopy<planSqueeze>);
  registry.add("nn.unsqueeze", Backend::CUDA, makeBufferCopy<planUnsqueeze>);
  registry.add("nn.transpose", Backend::CUDA, makeTranspose);
  registry.add("nn.gather", Backend::CUDA, makeGather);
  registry.add("nn.gather_grad", Backend::CUDA, makeGatherGrad);
  registry.add("nn.slice", Backend::CUDA, makeSlice);
  registry.add("nn.slice_grad", Backend::CUDA, makeSliceGrad);
  registry.add("nn.concat", Backend::CUDA, makeConcat);
  registry.add("nn.split", Backend::CUDA, makeSplit);
  registry.add("nn.expand", Backend::CUDA, makeExpand);
  registry.add("nn.pad", Backend::CUDA, makePad);
  registry.add("nn.pad_grad", Backend::CUDA, makePadGrad);
  registry.add("nn.tile", Backend::CUDA, makeTile);
  registry.add("nn.trilu", Backend::CUDA, makeTrilu);
}

} // namespace pp::rt::PP_DEVICE_NS
