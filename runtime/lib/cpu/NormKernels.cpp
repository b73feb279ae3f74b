//===- NormKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerNormKernels(KernelRegistry &registry) { (void)registry; }
