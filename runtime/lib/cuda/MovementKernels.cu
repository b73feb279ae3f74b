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
//===----------------------------------------------------------------------===//

#include "../cpu/HalfFloats.h"
#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "pp/Support/PadIndex.h"

#include <algorithm>
#include <cstring>

namespace pp::rt::PP_DEVICE_NS {
namespace {

//===----------------------------------------------------------------------===//
// Dispatch and the strided view copy
//===----------------------------------------------------------------------===//

/// Calls fn(U()) with an unsigned integer U as wide as one element.
template <typename Fn>
Status dispatchSize(const KernelSpec &spec, DType dtype, Fn &&fn) {
  switch (dtypeSize(dtype)) {
  case 1:
    return fn(uint8_t());
  case 2:
    return fn(uint16_t());
  case 4:
    return fn(uint32_t());
  case 8:
    return fn(uint64_t());
  default:
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype));
  }
}

template <typename Fn>
Status dispatchFloat(const KernelSpec &spec, DType dtype, Fn &&fn) {
  if (dtype == DType::F32)
    return fn(float());
  if (dtype == DType::F64)
    return fn(double());
  return spec.error(std::string("the CUDA backend supports f32 and f64, got ") +
                    dtypeName(dtype));
}

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

Status makeBufferCopy(const KernelSpec &spec, KernelFn &out) {
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || in.numel() != res.numel())
    return spec.error("cannot reinterpret " + in.str() + " as " + res.str());
  out = [](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    copyBytes(ctx, res[0]->raw(), in[0]->raw(), in[0]->bytes());
  };
  return Status::ok();
}

Status checkResultShape(const KernelSpec &spec, const Shape &expected) {
  return cpu::checkType(spec, "result", spec.outputs[0],
                        TensorType{spec.inputs[0].dtype, expected});
}

Status makeReshape(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  return makeBufferCopy(spec, out);
}

Status makeFlatten(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  const Shape &in = spec.inputs[0].shape;
  if (axis < 0 || axis > int64_t(in.size()))
    return spec.error("axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(in.size()));
  if (Status s =
          checkResultShape(spec, {cpu::productOf(in, 0, size_t(axis)),
                                  cpu::productOf(in, size_t(axis), in.size())}))
    return s;
  return makeBufferCopy(spec, out);
}

/// Reads `axes` as a mask over the axes of a tensor of rank `rank` (of
/// unsqueeze's result when `inserting`); entries unique and in range.
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
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const Shape &in = spec.inputs[0].shape;
  std::vector<bool> removed;
  if (Status s = readAxesMask(spec, in.size(), /*inserting=*/false, removed))
    return s;
  Shape expected;
  for (size_t d = 0; d < in.size(); ++d) {
    if (removed[d] && in[d] != 1)
      return spec.error("cannot squeeze axis " + std::to_string(d) +
                        " of size " + std::to_string(in[d]));
    if (!removed[d])
      expected.push_back(in[d]);
  }
  if (Status s = checkResultShape(spec, expected))
    return s;
  return makeBufferCopy(spec, out);
}

Status makeUnsqueeze(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
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
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  std::vector<int64_t> perm;
  if (Status s = spec.attrs.getInts("perm", perm))
    return s;
  const Shape &in = spec.inputs[0].shape;
  size_t rank = in.size();
  if (perm.size() != rank)
    return spec.error("perm has " + std::to_string(perm.size()) +
                      " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank) || seen[size_t(p)])
      return spec.error("perm is not a permutation of [0, " +
                        std::to_string(rank) + ")");
    seen[size_t(p)] = true;
  }
  Shape shape;
  std::vector<int64_t> inStrides = contiguousStrides(in), readStrides;
  for (int64_t p : perm) {
    shape.push_back(in[size_t(p)]);
    readStrides.push_back(inStrides[size_t(p)]);
  }
  if (Status s = checkResultShape(spec, shape))
    return s;
  StridedIndexer<1> view;
  if (Status s = planView(spec, shape, readStrides, view))
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
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const TensorType &in = spec.inputs[0], &res = spec.outputs[0];
  if (in.dtype != res.dtype || !cpu::broadcastsTo(in.shape, res.shape))
    return spec.error("cannot expand " + in.str() + " to " + res.str());
  return makeViewCopy(spec, res.shape, broadcastStrides(in.shape, res.shape),
                      /*base=*/0, out);
}

//===----------------------------------------------------------------------===//
// gather, gather_grad
//===----------------------------------------------------------------------===//

/// data seen as [outer, n, inner] around `axis`; `count` indices.
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

Status prepareGather(const KernelSpec &spec, const TensorType &data,
                     const TensorType &indices, const TensorType &gathered,
                     const char *gatheredName, GatherShape &g) {
  int64_t axis;
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (Status s = cpu::checkAxis(spec, axis, int64_t(data.shape.size())))
    return s;
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  if (Status s = cpu::checkType(spec, gatheredName, gathered,
                                TensorType{data.dtype, shape}))
    return s;
  cpu::AxisLayout l = cpu::layoutAround(data.shape, axis);
  g.outer = l.outer;
  g.n = l.n;
  g.inner = l.inner;
  g.count = indices.numel();
  if (indices.dtype != DType::I64 && indices.dtype != DType::I32)
    return spec.error(std::string("indices must be i64 or i32, got ") +
                      dtypeName(indices.dtype));
  return Status::ok();
}

Status makeGather(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 2, 1))
    return s;
  GatherShape g;
  if (Status s = prepareGather(spec, spec.inputs[0], spec.inputs[1],
                               spec.outputs[0], "result", g))
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
  if (Status s = cpu::checkArity(spec, 2, 1))
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

/// The view a slice reads from a tensor of `full`: its first element's
/// offset, its shape and its strides.
Status planSlice(const KernelSpec &spec, const Shape &full, Shape &sliced,
                 int64_t &base, std::vector<int64_t> &view) {
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
  std::vector<int64_t> strides = contiguousStrides(full);
  view.assign(rank, 0);
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
  if (numElements(sliced) == 0)
    base = 0; // nothing is read; `start` may lie past the end
  return Status::ok();
}

Status makeSlice(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  Shape sliced;
  int64_t base;
  std::vector<int64_t> view;
  if (Status s = planSlice(spec, spec.inputs[0].shape, sliced, base, view))
    return s;
  if (Status s = checkResultShape(spec, sliced))
    return s;
  return makeViewCopy(spec, sliced, view, base, out);
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
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const TensorType &dy = spec.inputs[0], &dx = spec.outputs[0];
  Shape sliced;
  int64_t base;
  std::vector<int64_t> strides;
  if (Status s = planSlice(spec, dx.shape, sliced, base, strides))
    return s;
  if (Status s = cpu::checkType(spec, "dy", dy, TensorType{dx.dtype, sliced}))
    return s;
  StridedIndexer<1> view;
  if (Status s = planView(spec, sliced, strides, view))
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

/// The pieces of a concatenation along an axis of `whole`: each piece is
/// `outer` chunks of `chunks[i]` elements, at `offsets[i]` in every chunk
/// of `wholeChunk` elements of the whole.
struct Pieces {
  int64_t outer = 1;
  std::vector<int64_t> chunks, offsets;
  int64_t wholeChunk = 0;
};

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

Status planPieces(const KernelSpec &spec, const std::vector<TensorType> &parts,
                  const char *partName, const TensorType &whole, int64_t axis,
                  Pieces &p) {
  size_t rank = whole.shape.size();
  if (Status s = cpu::checkAxis(spec, axis, int64_t(rank)))
    return s;
  int64_t inner = cpu::productOf(whole.shape, size_t(axis) + 1, rank);
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
  p.outer = cpu::productOf(whole.shape, 0, size_t(axis));
  p.wholeChunk = total * inner;
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

enum PadMode : int { kConstant, kReflect, kEdge, kWrap };

/// One axis of a padded result: pp::padSource (PadIndex.h) with the mode
/// as a number, callable on the device.
struct PadAxis {
  int64_t extent = 1; // of the result
  int64_t start = 0;  // first operand index kept (after cropping)
  int64_t kept = 0;   // operand elements kept
  int64_t lead = 0;   // result elements before the first kept one
  int64_t stride = 0; // of the operand
  int mode = kConstant;

  /// The operand index result index `o` reads; -1 for the constant.
  PP_HD int64_t source(int64_t o) const {
    const int64_t j = o - lead;
    if (j >= 0 && j < kept)
      return start + j;
    if (mode == kConstant || kept <= 0)
      return -1;
    if (mode == kEdge)
      return start + (j < 0 ? 0 : kept - 1);
    if (mode == kWrap)
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
      if (mode == kConstant) { // only the band reads the operand
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

struct PadPlan {
  int rank = 0;
  PadAxis axes[kMaxRank];
};

template <typename U> struct Pad {
  const U *in;
  U *out;
  PadPlan p;
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
  PadPlan p;
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

/// Reads `pads` and `mode` for an operand of `operand`'s shape; `padded`
/// is the result's shape.
Status planPad(const KernelSpec &spec, const Shape &operand, Shape &padded,
               PadPlan &p) {
  std::vector<int64_t> pads;
  std::string mode;
  if (Status s = spec.attrs.getInts("pads", pads))
    return s;
  if (Status s = spec.attrs.getString("mode", mode, "constant"))
    return s;
  int modeNumber = mode == "constant"  ? kConstant
                   : mode == "reflect" ? kReflect
                   : mode == "edge"    ? kEdge
                   : mode == "wrap"    ? kWrap
                                       : -1;
  if (modeNumber < 0)
    return spec.error("unknown mode \"" + mode +
                      "\" (expected constant, reflect, edge or wrap)");
  const size_t rank = operand.size();
  if (pads.size() != 2 * rank)
    return spec.error("expected " + std::to_string(2 * rank) +
                      " pads for rank " + std::to_string(rank) + ", got " +
                      std::to_string(pads.size()));
  if (rank > size_t(kMaxRank))
    return spec.error("the CUDA backend pads at most " +
                      std::to_string(kMaxRank) + " axes");
  std::vector<int64_t> strides = contiguousStrides(operand);
  padded.clear();
  p.rank = int(rank);
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
    PadAxis &a = p.axes[d];
    a.extent = padded.back();
    a.start = std::max<int64_t>(-begin, 0);
    a.kept = kept;
    a.lead = std::max<int64_t>(begin, 0);
    a.stride = strides[d];
    a.mode = modeNumber;
  }
  return Status::ok();
}

/// `value` converted to `dtype` as a cast would, as one element's bits.
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
  case DType::F16:
    store(cpu::narrowToFloat16(value).bits);
    break;
  case DType::BF16:
    store(cpu::narrowToBFloat16(value).bits);
    break;
  }
  return bits;
}

Status makePad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  double value;
  if (Status s = spec.attrs.getFloat("value", value, 0.0))
    return s;
  Shape padded;
  PadPlan p;
  if (Status s = planPad(spec, spec.inputs[0].shape, padded, p))
    return s;
  if (Status s = checkResultShape(spec, padded))
    return s;
  const DType dtype = spec.inputs[0].dtype;
  const uint64_t bits = elementBits(dtype, value);
  const int64_t n = numElements(padded);
  return dispatchSize(spec, dtype, [&](auto tag) {
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
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const TensorType &dy = spec.inputs[0], &dx = spec.outputs[0];
  Shape padded;
  PadPlan p;
  if (Status s = planPad(spec, dx.shape, padded, p))
    return s;
  if (Status s = cpu::checkType(spec, "dy", dy, TensorType{dx.dtype, padded}))
    return s;
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
  if (Status s = cpu::checkArity(spec, 1, 1))
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
  if (Status s = cpu::checkArity(spec, 1, 1))
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
  const int64_t n = numElements(in);
  // Beyond the matrix, every k keeps everything or nothing: clamped, j - i
  // against k cannot overflow.
  k = std::clamp<int64_t>(k, -rows - 1, cols + 1);
  return dispatchSize(spec, spec.inputs[0].dtype, [&](auto tag) {
    using U = decltype(tag);
    out = [=](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
      forEach(ctx, n,
              Trilu<U>{in[0]->data<U>(), res[0]->data<U>(), rows, cols, k,
                       upper != 0});
    };
    return Status::ok();
  });
}

} // namespace

void registerMovementKernels(KernelRegistry &registry) {
  registry.add("nn.reshape", Backend::CUDA, makeReshape);
  registry.add("nn.flatten", Backend::CUDA, makeFlatten);
  registry.add("nn.squeeze", Backend::CUDA, makeSqueeze);
  registry.add("nn.unsqueeze", Backend::CUDA, makeUnsqueeze);
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
