//===- CpuKernels.cpp - Registers every CPU kernel ------------------------===//

#include "CpuKernels.h"

void pp::rt::registerCpuKernels(KernelRegistry &registry) {
  cpu::registerElementwiseKernels(registry);
  cpu::registerActivationGradKernels(registry);
  cpu::registerSoftmaxKernels(registry);
  cpu::registerLossKernels(registry);
  cpu::registerReduceKernels(registry);
  cpu::registerMovementKernels(registry);
  cpu::registerMatMulKernels(registry);
  cpu::registerConvKernels(registry);
  cpu::registerPoolKernels(registry);
  cpu::registerNormKernels(registry);
  cpu::registerOptimizerKernels(registry);
}
