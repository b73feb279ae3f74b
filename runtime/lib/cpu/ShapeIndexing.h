//===- ShapeIndexing.h - Strides and broadcasting of shapes -----*- C++ -*-===//
//
// Row-major index arithmetic on shapes, as the CPU kernels prepare it:
// strides, products of axis ranges, numpy broadcasting of two shapes, and
// the strides and flat index maps that read an operand broadcast to a larger
// shape. Everything here runs once per kernel preparation, never per
// element.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_SHAPEINDEXING_H
#define PP_RUNTIME_CPU_SHAPEINDEXING_H

#include "pp/Runtime/Tensor.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace pp::rt::cpu {

/// Row-major strides of `shape` (in elements).
inline std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[size_t(i)] = strides[size_t(i) + 1] * shape[size_t(i) + 1];
  return strides;
}

/// Product of `shape[begin, end)`.
inline int64_t productOf(const Shape &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

/// A shape seen as [outer, n, inner] around one of its axes (n is that
/// axis's size): what kernels along an axis (softmax, gather) iterate.
struct AxisLayout {
  int64_t outer = 1, n = 1, inner = 1;
};

/// The layout of `shape` around `axis`, which must lie in [0, rank).
inline AxisLayout layoutAround(const Shape &shape, int64_t axis) {
  AxisLayout l;
  l.outer = productOf(shape, 0, size_t(axis));
  l.n = shape[size_t(axis)];
  l.inner = productOf(shape, size_t(axis) + 1, shape.size());
  return l;
}

/// True if `from` broadcasts to `to` under numpy's rules (right-aligned,
/// each axis equal or 1).
inline bool broadcastsTo(const Shape &from, const Shape &to) {
  if (from.size() > to.size())
    return false;
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    if (from[i] != 1 && from[i] != to[offset + i])
      return false;
  return true;
}

/// The broadcast shape of `a` and `b`; false if they do not broadcast.
inline bool broadcastShapes(const Shape &a, const Shape &b, Shape &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    out[i] = da == 1 ? db : da;
  }
  return true;
}

/// Strides that read an operand of shape `from` broadcast (numpy rules) to
/// `to`: right-aligned, 0 on broadcast axes. `from` must broadcast to `to`.
inline std::vector<int64_t> broadcastStrides(const Shape &from,
                                             const Shape &to) {
  std::vector<int64_t> out(to.size(), 0);
  std::vector<int64_t> own = stridesOf(from);
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    out[offset + i] = from[i] == 1 && to[offset + i] != 1 ? 0 : own[i];
  return out;
}

/// For every position of `to` (row-major), the flat index of the element
/// of `from` that numpy broadcasting reads there. `from` must broadcast to
/// `to`.
inline std::vector<int64_t> broadcastIndex(const Shape &from, const Shape &to) {
  std::vector<int64_t> strides = broadcastStrides(from, to);
  std::vector<int64_t> index(size_t(numElements(to)));
  std::vector<int64_t> pos(to.size(), 0);
  int64_t offset = 0;
  for (int64_t &i : index) {
    i = offset;
    for (size_t d = to.size(); d-- > 0;) {
      offset += strides[d];
      if (++pos[d] < to[d])
        break;
      offset -= strides[d] * to[d];
      pos[d] = 0;
    }
  }
  return index;
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_SHAPEINDEXING_H
