//===- MovementKernels.cpp ---------------------------------------------------------===//

#include "CpuKernels.h"

void pp::rt::cpu::registerMovementKernels(KernelRegistry &registry) { (void)registry; }
