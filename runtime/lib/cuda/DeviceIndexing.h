//===- DeviceIndexing.h - Multi-indices inside device kernels ---*- C++ -*-===//
//
// Strided views passed to kernels by value: an output shape (at most
// kMaxRank axes) and, per operand, the element stride along each output
// axis (0 where the operand is broadcast). A thread turns its flat output
// index into each operand's offset; shapes are static, so the host builds
// the view once per kernel preparation.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_DEVICEINDEXING_H
#define PP_RUNTIME_CUDA_DEVICEINDEXING_H

#include "DeviceLaunch.h"
#include "pp/Runtime/Tensor.h"

#include <array>
#include <cstdint>
#include <vector>

namespace pp::rt::PP_DEVICE_NS {

/// Offsets of N operands for each flat index of a row-major output.
template <int N> struct StridedIndexer {
  int rank = 0;
  /// Every flat index fits 32 bits: the multi-index is then taken apart
  /// with 32-bit divisions (a GPU has no 64-bit divider: a 64-bit `/` and
  /// `%` cost tens of instructions per axis).
  bool narrow = true;
  int64_t extent[kMaxRank] = {};
  int64_t stride[N][kMaxRank] = {};

  /// Fills offset[k] for operand k of output element `index`.
  PP_HD void offsets(int64_t index, int64_t (&offset)[N]) const {
    for (int k = 0; k < N; ++k)
      offset[k] = 0;
    if (narrow) {
      uint32_t rest = uint32_t(index);
      for (int d = rank - 1; d >= 0; --d) {
        uint32_t e = uint32_t(extent[d]);
        uint32_t i = rest % e;
        rest /= e;
        for (int k = 0; k < N; ++k)
          offset[k] += int64_t(i) * stride[k][d];
      }
      return;
    }
    for (int d = rank - 1; d >= 0; --d) {
      int64_t i = index % extent[d];
      index /= extent[d];
      for (int k = 0; k < N; ++k)
        offset[k] += i * stride[k][d];
    }
  }
};

/// Row-major element strides of `shape`.
inline std::vector<int64_t> contiguousStrides(const Shape &shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

/// The strides with which an operand of shape `from` is read for each axis
/// of the broadcast output `out` (numpy rules: `from` aligned to the right,
/// size-1 axes read with stride 0).
inline std::vector<int64_t> broadcastStrides(const Shape &from,
                                             const Shape &out) {
  std::vector<int64_t> strides(out.size(), 0);
  std::vector<int64_t> own = contiguousStrides(from);
  size_t lead = out.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    strides[lead + d] = from[d] == 1 ? 0 : own[d];
  return strides;
}

/// The indexer of an output of shape `out` whose operand k is read with
/// `strides[k]` (one per output axis). Size-1 axes are dropped and axes
/// that every operand walks contiguously together are merged, so that
/// ranks beyond kMaxRank rarely remain; returns false when they do.
template <int N>
bool makeIndexer(const Shape &out,
                 const std::array<std::vector<int64_t>, N> &strides,
                 StridedIndexer<N> &indexer) {
  std::vector<int64_t> extents;
  std::array<std::vector<int64_t>, N> merged;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1)
      continue;
    bool merge = !extents.empty();
    for (int k = 0; k < N && merge; ++k)
      merge = merged[k].back() == strides[k][d] * out[d];
    if (merge) {
      extents.back() *= out[d];
      for (int k = 0; k < N; ++k)
        merged[k].back() = strides[k][d];
      continue;
    }
    extents.push_back(out[d]);
    for (int k = 0; k < N; ++k)
      merged[k].push_back(strides[k][d]);
  }
  if (extents.size() > size_t(kMaxRank))
    return false;
  indexer = StridedIndexer<N>();
  indexer.rank = int(extents.size());
  int64_t elements = 1;
  for (int64_t e : extents)
    elements *= e;
  indexer.narrow = elements <= int64_t(UINT32_MAX);
  for (size_t d = 0; d < extents.size(); ++d) {
    indexer.extent[d] = extents[d];
    for (int k = 0; k < N; ++k)
      indexer.stride[k][d] = merged[k][d];
  }
  return true;
}

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_DEVICEINDEXING_H
