//===- HostDevice.h - Code that compiles for the host and a GPU -*- C++ -*-===//
//
// The per-element math of the kernels is written once and compiled by both
// backends: `PP_HD` marks a function (or a functor's call operator) that
// runs on the host and, compiled by nvcc, on the device. The CPU kernels'
// tests therefore cover the formulas the CUDA kernels run.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_HOSTDEVICE_H
#define PP_RUNTIME_KERNELS_HOSTDEVICE_H

#if defined(__CUDACC__)
#define PP_HD __host__ __device__
#define PP_HD_INLINE __host__ __device__ __forceinline__
#else
#define PP_HD
#define PP_HD_INLINE inline
#endif

#endif // PP_RUNTIME_KERNELS_HOSTDEVICE_H
