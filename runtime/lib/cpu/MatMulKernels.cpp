//===- MatMulKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerMatMulKernels(KernelRegistry &registry) { (void)registry; }
