//===- ConvKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerConvKernels(KernelRegistry &registry) { (void)registry; }
