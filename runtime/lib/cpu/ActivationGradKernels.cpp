//===- ActivationGradKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerActivationGradKernels(KernelRegistry &registry) { (void)registry; }
