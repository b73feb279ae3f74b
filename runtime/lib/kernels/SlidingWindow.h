//===- SlidingWindow.h - Window geometry inside device kernels --*- C++ -*-===//
//
// The spatial geometry of a convolution or pooling window (CPU: Window.h)
// as a fixed-size value that kernels take by value, for the CUDA backend's
// convolution and pooling kernels, which compute their windows per thread
// instead of walking tables made on the host: input, output and kernel
// sizes, strides, begin pads and dilations of up to kMaxWindowRank spatial
// axes, row-major.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_SLIDINGWINDOW_H
#define PP_RUNTIME_KERNELS_SLIDINGWINDOW_H

#include "HostDevice.h"

#include <cstdint>

namespace pp::rt::kernels {

constexpr int kMaxWindowRank = 8;

struct SlidingWindow {
  int rank = 0;
  int64_t in[kMaxWindowRank] = {}, out[kMaxWindowRank] = {},
          kernel[kMaxWindowRank] = {}, stride[kMaxWindowRank] = {},
          padBegin[kMaxWindowRank] = {}, padEnd[kMaxWindowRank] = {},
          dilation[kMaxWindowRank] = {};
  int64_t inSize = 1, outSize = 1, kernelSize = 1;

  /// The coordinates of row-major position `index` of `extent`.
  PP_HD void coordinates(int64_t index, const int64_t *extent,
                         int64_t *coord) const {
    for (int d = rank - 1; d >= 0; --d) {
      coord[d] = index % extent[d];
      index /= extent[d];
    }
  }
  /// The row-major position of `coord` in `extent`.
  PP_HD int64_t position(const int64_t *coord, const int64_t *extent) const {
    int64_t p = 0;
    for (int d = 0; d < rank; ++d)
      p = p * extent[d] + coord[d];
    return p;
  }
  /// The input coordinate that output coordinate o reads at kernel
  /// position k along axis d (possibly in the padding).
  PP_HD int64_t inputAt(int d, int64_t o, int64_t k) const {
    return o * stride[d] - padBegin[d] + k * dilation[d];
  }
};

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_SLIDINGWINDOW_H
