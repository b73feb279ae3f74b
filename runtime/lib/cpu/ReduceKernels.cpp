//===- ReduceKernels.cpp - Reductions, sum_to and cumsum ------------------===//
//
// All three sum the input into the "kept" shape (the input's rank, reduced
// axes of size 1): Broadcast.h's plan, read backwards, walks the input in
// rows along which the accumulator is either contiguous (a kept axis: a
// vectorised row add) or one element (a reduced axis: a row sum). Float
// sums accumulate in double, integer sums in int64 or uint64; reduce_mean
// then divides by the number of elements reduced into each result.
// reduce_max and reduce_min walk the same plan, keeping the extreme in the
// result's element type (a NaN wins, as in PyTorch). cumsum
// walks each line along its axis with a row of accumulators of the same
// types.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/ReducePlan.h's, shared with the CUDA backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/ReducePlan.h"
#include "Broadcast.h"
#include "CpuKernels.h"
#include "RowReductions.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::kernels;

namespace {

/// What a prepared reduction knows: the plan over the input, and how many
/// input elements fall into each result (for the mean).
struct Reduction {
  RowPlan<1> plan;
  int64_t resultSize = 0;
  int64_t reducedCount = 1;
  bool mean = false;
};

/// The accumulator type of an element type: double for floats, 64-bit
/// integers of the element's signedness for integers.
template <typename T>
using AccumulatorOf = std::conditional_t<
    std::is_floating_point_v<T>, double,
    std::conditional_t<std::is_unsigned_v<T>, uint64_t, int64_t>>;

/// Sums `x` into `acc` (of the kept shape, zeroed) along the plan's rows.
template <typename T, typename Acc>
void accumulate(const RowPlan<1> &plan, const T *x, Acc *acc) {
  const int64_t n = plan.inner;
  const bool kept = plan.contiguous[0];
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 1> &offsets) {
    const T *row = x + r * n;
    Acc *a = acc + offsets[0];
    if (kept) {
      for (int64_t i = 0; i < n; ++i)
        a[i] += Acc(row[i]);
    } else if constexpr (std::is_floating_point_v<T>) {
      *a += sumRow(row, n);
    } else {
      Acc s = 0;
      for (int64_t i = 0; i < n; ++i)
        s += Acc(row[i]);
      *a += s;
    }
  });
}

/// Reduces `x` into `out` through `acc`, scratch of one accumulator per
/// result element.
template <typename T>
void reduce(const Reduction &r, AccumulatorOf<T> *acc, const T *x, T *out) {
  using Acc = AccumulatorOf<T>;
  std::fill(acc, acc + r.resultSize, Acc(0));
  accumulate(r.plan, x, acc);
  if (!r.mean) {
    for (int64_t i = 0; i < r.resultSize; ++i)
      out[i] = T(acc[size_t(i)]);
  } else if constexpr (std::is_floating_point_v<T>) {
    // A mean over no elements is 0/0, NaN, as in numpy and PyTorch.
    const double scale = 1.0 / double(r.reducedCount);
    for (int64_t i = 0; i < r.resultSize; ++i)
      out[i] = T(acc[size_t(i)] * scale);
  } else {
    for (int64_t i = 0; i < r.resultSize; ++i)
      out[i] = r.reducedCount ? T(acc[size_t(i)] / r.reducedCount) : T(0);
  }
}

/// Builds the closure that reduces an input of `in` into the kept shape
/// `kept` (same rank, 1 on reduced axes) for element types `Types`.
template <typename Types>
Status makeReduction(const KernelSpec &spec, const Shape &kept, bool mean,
                     KernelFn &out) {
  const Shape &in = spec.inputs[0].shape;
  Reduction r;
  r.plan = planBroadcast<1>(in, {kept});
  r.resultSize = numElements(kept);
  r.reducedCount = r.resultSize ? numElements(in) / r.resultSize : 0;
  r.mean = mean;
  return dispatchType(
      Types{}, spec, "operand", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using Acc = AccumulatorOf<T>;
        out = [r](KernelContext &ctx, const Tensor *const *in,
                  Tensor *const *res) {
          Acc *acc = static_cast<Acc *>(
              ctx.scratch(0, size_t(r.resultSize) * sizeof(Acc)));
          reduce(r, acc, in[0]->data<T>(), res[0]->data<T>());
        };
        return Status::ok();
      });
}

template <bool Mean> Status makeReduce(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = planReduce(spec, kept))
    return s;
  return makeReduction<NumericTypes>(spec, kept, Mean, out);
}

/// The larger (`Max`) or smaller of `a` and `v`; a NaN wins.
template <bool Max, typename T> inline T extreme(T a, T v) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(v))
      return std::isnan(a) ? a : v;
  return Max ? (v > a ? v : a) : (v < a ? v : a);
}

/// The extreme of the elements of `x` reduced into each element of `out`
/// (of the kept shape): -inf or +inf (the lowest or largest value of
/// integers) where none is.
template <bool Max, typename T>
void reduceExtreme(const RowPlan<1> &plan, int64_t resultSize, const T *x,
                   T *out) {
  std::fill(out, out + resultSize, extremeStart<Max, T>());
  const int64_t n = plan.inner;
  const bool kept = plan.contiguous[0];
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 1> &offsets) {
    const T *row = x + r * n;
    T *a = out + offsets[0];
    if (kept) {
      for (int64_t i = 0; i < n; ++i)
        a[i] = extreme<Max>(a[i], row[i]);
      return;
    }
    T m = *a;
    for (int64_t i = 0; i < n; ++i)
      m = extreme<Max>(m, row[i]);
    *a = m;
  });
}

template <bool Max>
Status makeReduceExtreme(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = planReduce(spec, kept))
    return s;
  const TensorType &input = spec.inputs[0];
  const RowPlan<1> plan = planBroadcast<1>(input.shape, {kept});
  const int64_t resultSize = numElements(kept);
  return dispatchType(
      ComparableTypes{}, spec, "operand", input.dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [plan, resultSize](KernelContext &, const Tensor *const *in,
                                 Tensor *const *res) {
          reduceExtreme<Max>(plan, resultSize, in[0]->data<T>(),
                             res[0]->data<T>());
        };
        return Status::ok();
      });
}

Status makeSumTo(const KernelSpec &spec, KernelFn &out) {
  Shape kept;
  if (Status s = planSumTo(spec, kept))
    return s;
  return makeReduction<FloatTypes>(spec, kept, /*mean=*/false, out);
}

/// The cumulative sums of `x` along the axis of layout `l`, forwards or
/// backwards (`reverse`), each including its own element or not
/// (`exclusive`), through `acc`: scratch of one accumulator per inner index.
template <typename T>
void cumsum(const AxisLayout &l, bool exclusive, bool reverse, const T *x, T *y,
            AccumulatorOf<T> *acc) {
  using Acc = AccumulatorOf<T>;
  for (int64_t o = 0; o < l.outer; ++o) {
    std::fill(acc, acc + l.inner, Acc(0));
    for (int64_t step = 0; step < l.n; ++step) {
      const int64_t k = reverse ? l.n - 1 - step : step;
      const int64_t at = (o * l.n + k) * l.inner;
      const T *xr = x + at;
      T *yr = y + at;
      if (exclusive)
        for (int64_t i = 0; i < l.inner; ++i) {
          yr[i] = T(acc[i]);
          acc[i] += Acc(xr[i]);
        }
      else
        for (int64_t i = 0; i < l.inner; ++i) {
          acc[i] += Acc(xr[i]);
          yr[i] = T(acc[i]);
        }
    }
  }
}

Status makeCumSum(const KernelSpec &spec, KernelFn &out) {
  CumSumPlan p;
  if (Status s = planCumSum(spec, p))
    return s;
  const TensorType &input = spec.inputs[0];
  const AxisLayout l = p.layout;
  const bool exclusive = p.exclusive, reverse = p.reverse;
  return dispatchType(
      NumericTypes{}, spec, "operand", input.dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using Acc = AccumulatorOf<T>;
        out = [l, exclusive, reverse](KernelContext &ctx,
                                      const Tensor *const *in,
                                      Tensor *const *res) {
          Acc *acc =
              static_cast<Acc *>(ctx.scratch(0, size_t(l.inner) * sizeof(Acc)));
          cumsum(l, exclusive, reverse, in[0]->data<T>(), res[0]->data<T>(),
                 acc);
        };
        return Status::ok();
      });
}

} // namespace

void pp::rt::cpu::registerReduceKernels(KernelRegistry &registry) {
  registry.add("nn.reduce_sum", Backend::CPU, makeReduce</*Mean=*/false>);
  registry.add("nn.reduce_mean", Backend::CPU, makeReduce</*Mean=*/true>);
  registry.add("nn.sum_to", Backend::CPU, makeSumTo);
  registry.add("nn.cumsum", Backend::CPU, makeCumSum);
  registry.add("nn.reduce_max", Backend::CPU, makeReduceExtreme</*Max=*/true>);
  registry.add("nn.reduce_min", Backend::CPU, makeReduceExtreme</*Max=*/false>);
}
