//===- DeviceLaunch.h - How the CUDA backend's kernels launch ---*- C++ -*-===//
//
// Every kernel of the CUDA backend is a functor with a `PP_HD` call
// operator, launched through one of two shapes of work:
//
//  - forEach(ctx, n, f): f(i) for every i in [0, n), one thread per index
//    (a grid-stride loop), for elementwise ops, gathers and scatters of one
//    writer per output element;
//  - forEachRow(ctx, rows, f): f(row, lanes) for every row, one warp per
//    row whose 32 lanes stride over the row's elements and combine partial
//    results with lanes.reduce (warp shuffles), for softmax, norms, losses
//    and reductions along the last axis.
//
// The same sources compile as plain C++ (no __CUDACC__): forEach is then a
// loop and a row has one lane. That build, the device emulation, runs the
// CUDA backend's kernels on the host with host memory labelled as device
// memory, so their indexing and the runtime's device paths are tested on
// machines without a GPU (docs/CUDA.md). What it cannot test is the CUDA
// API itself: launches, streams, cuBLAS, NCCL.
//
// Functors, not lambdas: nvcc cannot launch a lambda defined inside the
// std::function a kernel factory returns.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_DEVICELAUNCH_H
#define PP_RUNTIME_CUDA_DEVICELAUNCH_H

#include "../kernels/HostDevice.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <string>

#if defined(__CUDACC__)
#include <cuda_runtime.h>
#endif

#ifndef PP_DEVICE_NS
#error "PP_DEVICE_NS names the build: cuda or emulated"
#endif

namespace pp::rt::PP_DEVICE_NS {

/// The lanes of one row of forEachRow: `lane` in [0, count).
struct Lanes {
  int lane = 0;
  int count = 1;

  /// `op` folded over every lane's `value`; every lane gets the result.
  /// The lanes of a row must all call it (no lane may have left the row).
  template <typename T, typename Op> PP_HD T reduce(T value, Op op) const {
#if defined(__CUDA_ARCH__)
    for (int offset = 16; offset > 0; offset >>= 1)
      value = op(value, __shfl_xor_sync(0xffffffffu, value, offset));
#endif
    return value;
  }
};

/// The largest rank a device kernel indexes (DeviceIndexing.h).
constexpr int kMaxRank = 8;

#if defined(__CUDACC__)

template <typename F> __global__ void forEachKernel(int64_t n, F f) {
  int64_t step = int64_t(gridDim.x) * blockDim.x;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += step)
    f(i);
}

template <typename F> __global__ void forEachRowKernel(int64_t rows, F f) {
  int64_t warps = int64_t(gridDim.x) * blockDim.x / 32;
  Lanes lanes{int(threadIdx.x % 32), 32};
  for (int64_t row = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / 32;
       row < rows; row += warps)
    f(row, lanes);
}

/// Records a failed launch in the context (the executor reports it).
inline void checkLaunch(KernelContext &ctx, const char *what) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    ctx.fail(std::string(what) + ": " + cudaGetErrorString(err));
}

constexpr int kThreads = 256;
/// Enough blocks to fill the largest devices; grid-stride loops do the rest.
constexpr int64_t kMaxBlocks = 65536;

#endif

/// f(i) for every i in [0, n) on the context's queue.
template <typename F> void forEach(KernelContext &ctx, int64_t n, const F &f) {
  if (n <= 0)
    return;
#if defined(__CUDACC__)
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > kMaxBlocks)
    blocks = kMaxBlocks;
  forEachKernel<<<unsigned(blocks), kThreads, 0,
                  static_cast<cudaStream_t>(ctx.stream)>>>(n, f);
  checkLaunch(ctx, "kernel launch");
#else
  for (int64_t i = 0; i < n; ++i)
    f(i);
#endif
}

/// f(row, lanes) for every row in [0, rows) on the context's queue.
template <typename F>
void forEachRow(KernelContext &ctx, int64_t rows, const F &f) {
  if (rows <= 0)
    return;
#if defined(__CUDACC__)
  constexpr int64_t rowsPerBlock = kThreads / 32;
  int64_t blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
  if (blocks > kMaxBlocks)
    blocks = kMaxBlocks;
  forEachRowKernel<<<unsigned(blocks), kThreads, 0,
                     static_cast<cudaStream_t>(ctx.stream)>>>(rows, f);
  checkLaunch(ctx, "kernel launch");
#else
  Lanes lanes;
  for (int64_t row = 0; row < rows; ++row)
    f(row, lanes);
#endif
}

/// Sets `bytes` at `data` (device memory) to zero on the context's queue.
void zeroBytes(KernelContext &ctx, void *data, size_t bytes);
/// Copies `bytes` between device buffers on the context's queue.
void copyBytes(KernelContext &ctx, void *dst, const void *src, size_t bytes);

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_DEVICELAUNCH_H
