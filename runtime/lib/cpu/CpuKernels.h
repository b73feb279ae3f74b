//===- CpuKernels.h - The families of CPU kernels ---------------*- C++ -*-===//

#ifndef PP_RUNTIME_CPU_CPUKERNELS_H
#define PP_RUNTIME_CPU_CPUKERNELS_H

#include "pp/Runtime/Kernel.h"

namespace pp::rt::cpu {
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
/// The runtime's in-place kernels: pp.accumulate and the optimizer updates.
void registerOptimizerKernels(KernelRegistry &registry);
} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_CPUKERNELS_H
