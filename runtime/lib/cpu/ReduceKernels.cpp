//===- ReduceKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerReduceKernels(KernelRegistry &registry) { (void)registry; }
