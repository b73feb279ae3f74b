//===- CudaMain.cpp - The device kernel tests on a GPU --------------------===//
//
// Without a GPU the binary says so and exits with 77, which ctest reports
// as a skip (SKIP_RETURN_CODE).

#include "DeviceKernelHarness.h"
#include "pp/Runtime/CudaBackend.h"

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  static std::unique_ptr<pp::rt::Device> device;
  if (pp::rt::Status s = pp::rt::openCudaDevice(0, device)) {
    std::printf("SKIPPED: the CUDA kernel tests need a GPU: %s\n",
                s.message().c_str());
    return 77;
  }
  static pp::rt::KernelRegistry registry;
  pp::rt::registerCudaKernels(registry);
  auto &target = pp::rt::devicetest::target();
  target.registry = &registry;
  target.device = device.get();
  target.name = "CUDA on " + device->describe();
  std::printf("device: %s\n", device->describe().c_str());
  return RUN_ALL_TESTS();
}
