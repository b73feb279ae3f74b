//===- PoolKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerPoolKernels(KernelRegistry &registry) { (void)registry; }
