//===- ElementwiseKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerElementwiseKernels(KernelRegistry &registry) { (void)registry; }
