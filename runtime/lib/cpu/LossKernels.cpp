//===- LossKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerLossKernels(KernelRegistry &registry) { (void)registry; }
