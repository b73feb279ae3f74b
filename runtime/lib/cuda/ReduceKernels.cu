//===- ReduceKernels.cu - Reductions, sum_to and cumsum on CUDA -----------===//
//
// reduce_sum, reduce_mean, sum_to, reduce_max, reduce_min and cumsum with
// the CPU backend's semantics and precision (runtime/lib/cpu/
// ReduceKernels.cpp): float sums accumulate in double, integer sums in
// 64-bit integers; a mean divides by the number of elements reduced; the
// extremes keep the element type and a NaN wins.
//
// A reduction over any axes is seen as two strided index spaces of the
// input (DeviceIndexing.h): the kept axes, one result per index, and the
// reduced axes, each merged where contiguous. When the reduced elements of
// a result are contiguous (the reduced axes are the innermost), one warp
// reduces them (forEachRow: its lanes read coalesced and combine in a fixed
// shuffle tree); otherwise one thread per result walks its reduced
// elements in order, and neighbouring threads, which own neighbouring
// results, read neighbouring elements. Sums with too few results to fill
// the GPU (a bias gradient, a loss's mean) split each result's elements
// into chunks summed in parallel into scratch, then add the chunks in
// order; the split depends on the shapes only. cumsum gives each line
// along its axis to one thread, which walks it in order. Every order is
// fixed, so a result repeats bit for bit.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/ReducePlan.h's, shared with the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/ReducePlan.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "WarpRows.h"

#include <algorithm>
#include <math.h>
#include <type_traits>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The accumulator of a sum: double for floats, 64-bit integers of the
/// element's signedness for integers (as on the CPU).
template <typename T>
using AccumulatorOf = std::conditional_t<
    std::is_floating_point_v<T>, double,
    std::conditional_t<std::is_unsigned_v<T>, uint64_t, int64_t>>;

/// The offset of element `r` of a one-operand index space; ranks 0 and 1,
/// the common cases, without a division.
PP_HD_INLINE int64_t offsetOf(const StridedIndexer<1> &space, int64_t r) {
  if (space.rank == 0)
    return 0;
  if (space.rank == 1)
    return r * space.stride[0][0];
  int64_t offset[1];
  space.offsets(r, offset);
  return offset[0];
}

template <typename T> PP_HD_INLINE bool isNaN(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return v != v;
  else
    return false;
}

/// The larger (Max) or smaller of two values; a NaN wins.
template <bool Max> struct ExtremeOp {
  template <typename T> PP_HD T operator()(T a, T v) const {
    if (isNaN(a) || isNaN(v))
      return isNaN(a) ? a : v;
    return Max ? (v > a ? v : a) : (v < a ? v : a);
  }
};

/// What every reduction functor holds: the input, the result, the two
/// index spaces and how many elements each result reduces.
template <typename T> struct ReductionView {
  const T *x;
  T *y;
  StridedIndexer<1> kept, reduced;
  int64_t count;
};

/// Sums (a mean when `mean`) finished into the result's type.
template <typename T> struct SumFinish {
  bool mean;
  double scale; // 1 / count (inf for an empty reduction: 0 * inf is NaN)
  int64_t count;

  PP_HD T operator()(AccumulatorOf<T> acc) const {
    if (!mean)
      return T(acc);
    if constexpr (std::is_floating_point_v<T>)
      return T(acc * scale);
    else
      return count ? T(acc / AccumulatorOf<T>(count)) : T(0);
  }
};

/// One thread per result, walking its reduced elements in order.
template <typename T> struct SumLines {
  ReductionView<T> v;
  SumFinish<T> finish;

  PP_HD void operator()(int64_t i) const {
    const T *base = v.x + offsetOf(v.kept, i);
    AccumulatorOf<T> acc = 0;
    for (int64_t r = 0; r < v.count; ++r)
      acc += AccumulatorOf<T>(base[offsetOf(v.reduced, r)]);
    v.y[i] = finish(acc);
  }
};

/// One warp per result whose reduced elements are contiguous.
template <typename T> struct SumRows {
  ReductionView<T> v;
  SumFinish<T> finish;

  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *base = v.x + offsetOf(v.kept, row);
    AccumulatorOf<T> acc = 0;
    for (int64_t j = lanes.lane; j < v.count; j += lanes.count)
      acc += AccumulatorOf<T>(base[j]);
    acc = lanes.reduce(acc, SumOp());
    if (lanes.lane == 0)
      v.y[row] = finish(acc);
  }
};

/// Pass 1 of a split sum, for few results over many elements: item t sums
/// chunk c = t / results of result i = t % results into partial[t], a
/// thread per item (neighbouring threads, neighbouring results).
template <typename T> struct SumChunkLines {
  ReductionView<T> v;
  AccumulatorOf<T> *partial;
  int64_t results, chunk;

  PP_HD void operator()(int64_t t) const {
    const int64_t i = t % results, first = (t / results) * chunk;
    const int64_t last = first + chunk < v.count ? first + chunk : v.count;
    const T *base = v.x + offsetOf(v.kept, i);
    AccumulatorOf<T> acc = 0;
    for (int64_t r = first; r < last; ++r)
      acc += AccumulatorOf<T>(base[offsetOf(v.reduced, r)]);
    partial[t] = acc;
  }
};

/// The same with a warp per item, when the reduced elements are contiguous.
template <typename T> struct SumChunkRows {
  ReductionView<T> v;
  AccumulatorOf<T> *partial;
  int64_t results, chunk;

  PP_HD void operator()(int64_t t, const Lanes &lanes) const {
    const int64_t i = t % results, first = (t / results) * chunk;
    const int64_t last = first + chunk < v.count ? first + chunk : v.count;
    const T *base = v.x + offsetOf(v.kept, i);
    AccumulatorOf<T> acc = 0;
    for (int64_t j = first + lanes.lane; j < last; j += lanes.count)
      acc += AccumulatorOf<T>(base[j]);
    acc = lanes.reduce(acc, SumOp());
    if (lanes.lane == 0)
      partial[t] = acc;
  }
};

/// Pass 2: each result sums its chunks in order.
template <typename T> struct SumPartials {
  const AccumulatorOf<T> *partial;
  T *y;
  int64_t results, chunks;
  SumFinish<T> finish;

  PP_HD void operator()(int64_t i) const {
    AccumulatorOf<T> acc = 0;
    for (int64_t c = 0; c < chunks; ++c)
      acc += partial[c * results + i];
    y[i] = finish(acc);
  }
};

/// What the extremes combine in across lanes: warp shuffles take no bool.
template <typename T>
using ShuffleOf = std::conditional_t<std::is_same_v<T, bool>, int, T>;

template <bool Max, typename T> struct ExtremeLines {
  ReductionView<T> v;
  T initial;

  PP_HD void operator()(int64_t i) const {
    const T *base = v.x + offsetOf(v.kept, i);
    T m = initial;
    for (int64_t r = 0; r < v.count; ++r)
      m = ExtremeOp<Max>()(m, base[offsetOf(v.reduced, r)]);
    v.y[i] = m;
  }
};

template <bool Max, typename T> struct ExtremeRows {
  ReductionView<T> v;
  T initial;

  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *base = v.x + offsetOf(v.kept, row);
    ShuffleOf<T> m = initial;
    for (int64_t j = lanes.lane; j < v.count; j += lanes.count)
      m = ExtremeOp<Max>()(m, ShuffleOf<T>(base[j]));
    m = lanes.reduce(m, ExtremeOp<Max>());
    if (lanes.lane == 0)
      v.y[row] = T(m);
  }
};

/// cumsum: one thread per line (o, j) of [outer, n, inner].
template <typename T> struct CumSumLines {
  const T *x;
  T *y;
  int64_t n, inner;
  bool exclusive, reverse;

  PP_HD void operator()(int64_t line) const {
    const int64_t at = (line / inner) * n * inner + line % inner;
    AccumulatorOf<T> acc = 0;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t i = at + (reverse ? n - 1 - step : step) * inner;
      if (exclusive) {
        y[i] = T(acc);
        acc += AccumulatorOf<T>(x[i]);
      } else {
        acc += AccumulatorOf<T>(x[i]);
        y[i] = T(acc);
      }
    }
  }
};

//===----------------------------------------------------------------------===//
// Factories
//===----------------------------------------------------------------------===//

/// Which element types a factory takes.
enum class Types { Float, Numeric, Comparable };

/// Calls fn(T()) for the type T of `dtype` among `types`; an error naming
/// what this backend supports otherwise.
template <typename Fn>
Status dispatch(Types types, const KernelSpec &spec, DType dtype, Fn &&fn) {
  switch (dtype) {
  case DType::F32:
    return fn(float());
  case DType::F64:
    return fn(double());
  case DType::I64:
    if (types != Types::Float)
      return fn(int64_t());
    break;
  case DType::I32:
    if (types != Types::Float)
      return fn(int32_t());
    break;
  case DType::Bool:
    if (types == Types::Comparable)
      return fn(bool());
    break;
  default:
    break;
  }
  const char *names = types == Types::Float     ? "f32 and f64"
                      : types == Types::Numeric ? "f32, f64, i64 and i32"
                                                : "f32, f64, i64, i32 and bool";
  return spec.error(std::string("the CUDA backend supports ") + names +
                    ", got " + dtypeName(dtype));
}

/// The two index spaces of reducing an input of `in` into `kept` (same
/// rank, 1 on reduced axes); `contiguous` when the reduced elements of a
/// result lie next to each other.
struct Plan {
  StridedIndexer<1> kept, reduced;
  int64_t results = 0, count = 1;
  bool contiguous = false;
  /// Sums split the reduced elements into `chunks` of `chunk` elements
  /// when there are too few results to fill a GPU (1: no split). The split
  /// depends on the shapes only, so results repeat on any device.
  int64_t chunks = 1, chunk = 0;
};

Status planReduction(const KernelSpec &spec, const Shape &in, const Shape &kept,
                     Plan &p) {
  std::vector<int64_t> strides = contiguousStrides(in);
  Shape keptShape, reducedShape;
  std::vector<int64_t> keptStrides, reducedStrides;
  for (size_t d = 0; d < in.size(); ++d) {
    bool reduced = kept[d] != in[d];
    (reduced ? reducedShape : keptShape).push_back(in[d]);
    (reduced ? reducedStrides : keptStrides).push_back(strides[d]);
  }
  if (!makeIndexer<1>(keptShape, {keptStrides}, p.kept) ||
      !makeIndexer<1>(reducedShape, {reducedStrides}, p.reduced))
    return spec.error("the CUDA backend reduces at most " +
                      std::to_string(kMaxRank) + " non-adjacent axes");
  p.results = numElements(kept);
  p.count = numElements(reducedShape);
  p.contiguous = p.reduced.rank == 1 && p.reduced.stride[0][0] == 1;
  // Aim for kItems threads (or warps) of at least kMinChunk elements each.
  const int64_t kItems = p.contiguous ? 8192 : 65536;
  const int64_t kMinChunk = p.contiguous ? 2048 : 256;
  if (p.results > 0 && p.results < kItems && p.count >= 2 * kMinChunk) {
    int64_t chunks =
        std::min((kItems + p.results - 1) / p.results, p.count / kMinChunk);
    p.chunk = (p.count + chunks - 1) / chunks;
    p.chunks = (p.count + p.chunk - 1) / p.chunk;
  }
  return Status::ok();
}

Status makeSumReduction(const KernelSpec &spec, const Shape &kept, bool mean,
                        Types types, KernelFn &out) {
  Plan p;
  if (Status s = planReduction(spec, spec.inputs[0].shape, kept, p))
    return s;
  return dispatch(types, spec, spec.inputs[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    SumFinish<T> finish{mean, 1.0 / double(p.count), p.count};
    out = [p, finish](KernelContext &ctx, const Tensor *const *in,
                      Tensor *const *res) {
      ReductionView<T> v{in[0]->data<T>(), res[0]->data<T>(), p.kept, p.reduced,
                         p.count};
      if (p.chunks > 1) {
        using Acc = AccumulatorOf<T>;
        const int64_t items = p.results * p.chunks;
        Acc *partial =
            static_cast<Acc *>(ctx.scratch(0, size_t(items) * sizeof(Acc)));
        if (p.contiguous)
          forEachRow(ctx, items,
                     SumChunkRows<T>{v, partial, p.results, p.chunk});
        else
          forEach(ctx, items, SumChunkLines<T>{v, partial, p.results, p.chunk});
        forEach(ctx, p.results,
                SumPartials<T>{partial, v.y, p.results, p.chunks, finish});
      } else if (p.contiguous) {
        forEachRow(ctx, p.results, SumRows<T>{v, finish});
      } else {
        forEach(ctx, p.results, SumLines<T>{v, finish});
      }
    };
    return Status::ok();
  });
}

template <bool Mean> Status makeReduce(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = kernels::planReduce(spec, kept))
    return s;
  return makeSumReduction(spec, kept, Mean, Types::Numeric, out);
}

template <bool Max>
Status makeReduceExtreme(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = kernels::planReduce(spec, kept))
    return s;
  Plan p;
  if (Status s = planReduction(spec, spec.inputs[0].shape, kept, p))
    return s;
  return dispatch(Types::Comparable, spec, spec.inputs[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    const T initial = kernels::extremeStart<Max, T>();
    out = [p, initial](KernelContext &ctx, const Tensor *const *in,
                       Tensor *const *res) {
      ReductionView<T> v{in[0]->data<T>(), res[0]->data<T>(), p.kept, p.reduced,
                         p.count};
      if (p.contiguous)
        forEachRow(ctx, p.results, ExtremeRows<Max, T>{v, initial});
      else
        forEach(ctx, p.results, ExtremeLines<Max, T>{v, initial});
    };
    return Status::ok();
  });
}

Status makeSumTo(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = kernels::planSumTo(spec, kept))
    return s;
  return makeSumReduction(spec, kept, /*mean=*/false, Types::Float, out);
}

Status makeCumSum(const KernelSpec &spec, KernelFn &out) {
  kernels::CumSumPlan p;
  if (Status s = kernels::planCumSum(spec, p))
    return s;
  const TensorType &input = spec.inputs[0];
  const cpu::AxisLayout l = p.layout;
  const bool exclusive = p.exclusive, reverse = p.reverse;
  return dispatch(Types::Numeric, spec, input.dtype, [&](auto tag) {
    using T = decltype(tag);
    out = [l, exclusive, reverse](KernelContext &ctx, const Tensor *const *in,
                                  Tensor *const *res) {
      forEach(ctx, l.outer * l.inner,
              CumSumLines<T>{in[0]->data<T>(), res[0]->data<T>(), l.n, l.inner,
                             exclusive, reverse});
    };
    return Status::ok();
  });
}

} // namespace

void registerReduceKernels(KernelRegistry &registry) {
  registry.add("nn.reduce_sum", Backend::CUDA, makeReduce</*Mean=*/false>);
  registry.add("nn.reduce_mean", Backend::CUDA, makeReduce</*Mean=*/true>);
  registry.add("nn.sum_to", Backend::CUDA, makeSumTo);
  registry.add("nn.cumsum", Backend::CUDA, makeCumSum);
  registry.add("nn.reduce_max", Backend::CUDA, makeReduceExtreme</*Max=*/true>);
  registry.add("nn.reduce_min", Backend::CUDA,
               makeReduceExtreme</*Max=*/false>);
}

} // namespace pp::rt::PP_DEVICE_NS
