//===- DeviceWindow.h - A prepared window as the kernels take it -*- C++
//-*-===//
//
// Host code of the CUDA backend's convolution and pooling factories: the
// window geometry their shared preparation reads (cpu::Window, through
// kernels/ConvPlan.h and kernels/PoolPlan.h) turned into the fixed-size
// kernels::SlidingWindow that the device kernels take by value, and the
// check of its one limit, the number of spatial axes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_DEVICEWINDOW_H
#define PP_RUNTIME_CUDA_DEVICEWINDOW_H

#include "../cpu/Window.h"
#include "../kernels/SlidingWindow.h"
#include "pp/Runtime/Kernel.h"

#include <string>

namespace pp::rt::PP_DEVICE_NS {

/// An error unless a window of `rank` spatial axes fits a SlidingWindow;
/// `verb` says what the op does over them ("convolves", "pools").
inline Status checkWindowRank(const KernelSpec &spec, size_t rank,
                              const char *verb) {
  if (rank > size_t(kernels::kMaxWindowRank))
    return spec.error(std::string("the CUDA backend ") + verb +
                      " over at most " +
                      std::to_string(kernels::kMaxWindowRank) +
                      " spatial axes, got " + std::to_string(rank));
  return Status::ok();
}

/// The device form of a window that passed checkWindowRank.
inline kernels::SlidingWindow slidingWindow(const cpu::Window &w) {
  kernels::SlidingWindow s;
  s.rank = int(w.rank());
  for (size_t d = 0; d < w.rank(); ++d) {
    s.in[d] = w.in[d];
    s.out[d] = w.out[d];
    s.kernel[d] = w.kernel[d];
    s.stride[d] = w.strides[d];
    s.padBegin[d] = w.padBegin[d];
    s.padEnd[d] = w.padEnd[d];
    s.dilation[d] = w.dilations[d];
  }
  s.inSize = w.inSize();
  s.outSize = w.outSize();
  s.kernelSize = w.kernelSize();
  return s;
}

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_DEVICEWINDOW_H
