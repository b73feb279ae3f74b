//===- EmulatedDevice.cpp - Host memory standing in for a device's --------===//

#include "DeviceKernels.h"
#include "pp/Runtime/CudaEmulation.h"

#include <cstdlib>

using namespace pp::rt;

Device &pp::rt::emulatedDevice() {
  static Device *device = [] {
    // PP_EMULATED_DEVICE_BYTES: the memory the emulated device reports, so
    // that tests can check what pp-run does when a plan does not fit.
    const char *bytes = std::getenv("PP_EMULATED_DEVICE_BYTES");
    Device *d = new HostMemoryDevice(
        MemorySpace::Device, "emulated CUDA device",
        bytes ? size_t(std::strtoull(bytes, nullptr, 10)) : 0);
    setDeviceMemory(d);
    return d;
  }();
  return *device;
}

void pp::rt::registerEmulatedCudaKernels(KernelRegistry &registry) {
  emulated::registerKernels(registry);
}
