//===- EmulatedMain.cpp - The device kernel tests on the emulation --------===//

#include "DeviceKernelHarness.h"
#include "pp/Runtime/CudaEmulation.h"

#include <gtest/gtest.h>

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  static pp::rt::KernelRegistry registry;
  pp::rt::registerEmulatedCudaKernels(registry);
  auto &target = pp::rt::devicetest::target();
  target.registry = &registry;
  target.device = &pp::rt::emulatedDevice();
  target.name = "emulated";
  return RUN_ALL_TESTS();
}
