//===- EmulatedDevice.cpp - Host memory standing in for a device's --------===//

#include "DeviceKernels.h"
#include "pp/Runtime/CudaEmulation.h"

using namespace pp::rt;

Device &pp::rt::emulatedDevice() {
  static Device *device = [] {
    Device *d =
        new HostMemoryDevice(MemorySpace::Device, "emulated CUDA device");
    setDeviceMemory(d);
    return d;
  }();
  return *device;
}

void pp::rt::registerEmulatedCudaKernels(KernelRegistry &registry) {
  emulated::registerKernels(registry);
}
