//===- SoftmaxKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerSoftmaxKernels(KernelRegistry &registry) { (void)registry; }
