//===- DeviceKernels.h - The CUDA backend's kernel families -----*- C++ -*-===//
//
// One file per family of ops, as in the CPU backend, each with its
// register*Kernels; DeviceKernels.cu registers them all. Every file is built
// twice: by nvcc for the CUDA backend (namespace pp::rt::cuda) and by the
// host compiler for the device emulation (pp::rt::emulated) that tests the
// kernels without a GPU (DeviceLaunch.h).
//
// Conventions, beyond Kernel.h's:
//  - A factory checks everything static (dtypes, shapes, attributes) and
//    precomputes indexers (DeviceIndexing.h); the closure only launches.
//  - Closures run on ctx.stream and never synchronize it or read device
//    memory from the host; scratch comes from ctx.scratch (device memory).
//  - Float kernels support F32 and F64 and accumulate in at least float;
//    reductions combine in a fixed order, so a run repeats bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_DEVICEKERNELS_H
#define PP_RUNTIME_CUDA_DEVICEKERNELS_H

#include "pp/Runtime/Kernel.h"

namespace pp::rt::PP_DEVICE_NS {

/// Every family below.
void registerKernels(KernelRegistry &registry);

void registerElementwiseKernels(KernelRegistry &registry);
void registerActivationGradKernels(KernelRegistry &registry);
void registerSoftmaxKernels(KernelRegistry &registry);
void registerLossKernels(KernelRegistry &registry);
void registerReduceKernels(KernelRegistry &registry);
void registerMovementKernels(KernelRegistry &registry);
void registerMatMulKernels(KernelRegistry &registry);
void registerConvKernels(KernelRegistry &registry);
void registerPoolKernels(KernelRegistry &registry);
void registerNormKernels(KernelRegistry &registry);
void registerOptimizerKernels(KernelRegistry &registry);
/// pp.fused_elementwise: the chains of elementwise ops the executor fuses.
void registerFusedElementwiseKernels(KernelRegistry &registry);

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_DEVICEKERNELS_H
