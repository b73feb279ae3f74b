//===- ReducePlan.h - Preparation of the reductions -------------*- C++ -*-===//
//
// What the CPU and CUDA backends' reduction factories (reduce_sum,
// reduce_mean, reduce_max, reduce_min, sum_to, cumsum) compute alike before
// they build their closures: the attributes they read, the checks and their
// messages, and the "kept" shape every reduction sums into (the input's
// rank, reduced axes of size 1) or cumsum's layout. Host code only, run
// once per kernel preparation.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_REDUCEPLAN_H
#define PP_RUNTIME_KERNELS_REDUCEPLAN_H

#include "../cpu/ShapeIndexing.h"
#include "pp/Runtime/Kernel.h"

#include <limits>

namespace pp::rt::kernels {

/// reduce_sum, reduce_mean, reduce_max and reduce_min: checks the one
/// operand, `axes` (sorted, unique) and `keepdims` against the result, and
/// gives the kept shape.
Status planReduce(const KernelSpec &spec, Shape &kept);

/// sum_to: checks that the result broadcasts to the operand and gives the
/// kept shape (the result's, with leading axes of size 1 up to the
/// operand's rank).
Status planSumTo(const KernelSpec &spec, Shape &kept);

/// cumsum: the operand seen as [outer, n, inner] around `axis`, and the
/// `exclusive` and `reverse` flags.
struct CumSumPlan {
  cpu::AxisLayout layout;
  bool exclusive = false, reverse = false;
};
Status planCumSum(const KernelSpec &spec, CumSumPlan &p);

/// Where reduce_max (`Max`) or reduce_min of element type T starts, and
/// what a result no element is reduced into holds: -inf or +inf (the lowest
/// or largest value of integers).
template <bool Max, typename T> T extremeStart() {
  using Limits = std::numeric_limits<T>;
  if constexpr (Limits::has_infinity)
    return Max ? -Limits::infinity() : Limits::infinity();
  else
    return Max ? Limits::lowest() : Limits::max();
}

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_REDUCEPLAN_H
