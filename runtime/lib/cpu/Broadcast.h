//===- Broadcast.h - Row loops over broadcast and strided data --*- C++ -*-===//
//
// An elementwise op over numpy-broadcast operands runs as rows: the output's
// axes are merged wherever every operand allows it and size-1 axes dropped,
// so that along the innermost (merged) axis each operand is either
// contiguous or one repeated element. The plan is built once per kernel
// preparation; per call, a counter walks the outer axes and hands each row
// to a typed, vectorisable loop. Same-shape and scalar operands give one
// row; bias rows and per-row scales give rows as long as the broadcast axis.
//
// The same plan, read backwards, drives reductions that undo broadcasting
// (sum_to, reduce_sum); with arbitrary strides it drives broadcast copies,
// slices and transposes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_BROADCAST_H
#define PP_RUNTIME_CPU_BROADCAST_H

#include "ShapeIndexing.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pp::rt::cpu {

/// Rows of an output of some shape read (or written) by N operands through
/// element strides. The output is contiguous: row r starts at element
/// r * inner.
template <size_t N> struct RowPlan {
  /// Extents of the merged outer axes (outermost first).
  std::vector<int64_t> outer;
  /// Per operand, its element stride along each outer axis.
  std::array<std::vector<int64_t>, N> strides;
  /// Per operand, how far its offset moves back when an outer axis wraps
  /// around: strides[k][d] * (outer[d] - 1).
  std::array<std::vector<int64_t>, N> backstrides;
  /// Length of a row, and each operand's stride along it; `contiguous[k]` is
  /// innerStride[k] == 1. For broadcast operands the stride is 1 or 0.
  int64_t inner = 1;
  std::array<int64_t, N> innerStride{};
  std::array<bool, N> contiguous{};
  /// Number of rows; 0 for an empty output.
  int64_t rows = 1;
};

/// The plan for an output of shape `out` whose element at multi-index i is
/// read from operand k at sum_d i[d] * strides[k][d].
template <size_t N>
RowPlan<N> planRows(const Shape &out,
                    const std::array<std::vector<int64_t>, N> &full) {
  RowPlan<N> plan;
  if (numElements(out) == 0) {
    plan.rows = 0;
    return plan;
  }
  // Axes of size > 1, innermost first, merged while every operand's stride
  // along the outer axis continues its stride along the inner one.
  std::vector<int64_t> extents;
  std::array<std::vector<int64_t>, N> strides;
  for (int64_t d = int64_t(out.size()) - 1; d >= 0; --d) {
    int64_t extent = out[size_t(d)];
    if (extent == 1)
      continue;
    bool merge = !extents.empty();
    for (size_t k = 0; k < N && merge; ++k)
      merge = full[k][size_t(d)] == strides[k].back() * extents.back();
    if (merge) {
      extents.back() *= extent;
      continue;
    }
    extents.push_back(extent);
    for (size_t k = 0; k < N; ++k)
      strides[k].push_back(full[k][size_t(d)]);
  }
  if (extents.empty()) { // a single element
    plan.innerStride.fill(1);
    plan.contiguous.fill(true);
    return plan;
  }

  plan.inner = extents.front();
  for (size_t k = 0; k < N; ++k) {
    plan.innerStride[k] = strides[k].front();
    plan.contiguous[k] = strides[k].front() == 1;
  }
  for (size_t d = extents.size() - 1; d >= 1; --d) {
    plan.outer.push_back(extents[d]);
    for (size_t k = 0; k < N; ++k) {
      plan.strides[k].push_back(strides[k][d]);
      plan.backstrides[k].push_back(strides[k][d] * (extents[d] - 1));
    }
  }
  plan.rows = numElements(plan.outer);
  return plan;
}

/// The plan for an output of shape `out` read by operands of shapes `ins`,
/// each of which must broadcast to `out`. Along a row every operand is then
/// contiguous or repeats one element (inner stride 1 or 0), because the
/// operands are row-major.
template <size_t N>
RowPlan<N> planBroadcast(const Shape &out, const std::array<Shape, N> &ins) {
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k)
    strides[k] = broadcastStrides(ins[k], out);
  return planRows<N>(out, strides);
}

/// Calls `row(r, offsets)` for every row r of `plan` in order, where
/// `offsets[k]` is the element offset of operand k at the row's start. The
/// output's row starts at element r * plan.inner.
template <size_t N, typename RowFn>
void forEachRow(const RowPlan<N> &plan, RowFn &&row) {
  std::array<int64_t, N> offsets{};
  size_t depth = plan.outer.size();
  if (depth == 0) {
    if (plan.rows == 1)
      row(int64_t(0), offsets);
    return;
  }
  // The walk's counters live on the stack for the ranks models use.
  constexpr size_t kInlineDepth = 8;
  int64_t inlineIndex[kInlineDepth] = {};
  std::vector<int64_t> heapIndex;
  int64_t *index = inlineIndex;
  if (depth > kInlineDepth) {
    heapIndex.assign(depth, 0);
    index = heapIndex.data();
  }
  for (int64_t r = 0; r < plan.rows; ++r) {
    row(r, offsets);
    for (size_t d = depth; d-- > 0;) {
      if (++index[d] < plan.outer[d]) {
        for (size_t k = 0; k < N; ++k)
          offsets[k] += plan.strides[k][d];
        break;
      }
      index[d] = 0;
      for (size_t k = 0; k < N; ++k)
        offsets[k] -= plan.backstrides[k][d];
    }
  }
}

/// One row of `out[i] = op(a[i], b[i])` over broadcast operands, where a
/// repeated operand (not contiguous) is read once. Each case is a simple loop
/// the compiler vectorises for cheap ops.
template <typename R, typename A, typename B, typename Op>
inline void binaryRow(R *out, const A *a, bool aContiguous, const B *b,
                      bool bContiguous, int64_t n, Op op) {
  if (aContiguous && bContiguous) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(a[i], b[i]);
  } else if (aContiguous) {
    const B bv = *b;
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(a[i], bv);
  } else if (bContiguous) {
    const A av = *a;
    for (int64_t i = 0; i < n; ++i)
      out[i] = op(av, b[i]);
  } else {
    const R v = op(*a, *b);
    for (int64_t i = 0; i < n; ++i)
      out[i] = v;
  }
}

/// `out = op(a, b)` over a 2-operand broadcast plan.
template <typename R, typename A, typename B, typename Op>
void broadcastBinary(const RowPlan<2> &plan, R *out, const A *a, const B *b,
                     Op op) {
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 2> &offsets) {
    binaryRow(out + r * plan.inner, a + offsets[0], plan.contiguous[0],
              b + offsets[1], plan.contiguous[1], plan.inner, op);
  });
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_BROADCAST_H
