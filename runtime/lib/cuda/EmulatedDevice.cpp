//===- EmulatedDevice.cpp - Host memory standing in for a device's --------===//

#include "DeviceKernels.h"
#include "pp/Runtime/CudaEmulation.h"

#include <cstdlib>
#include <cstring>

using namespace pp::rt;

namespace {

class EmulatedDevice final : public Device {
public:
  MemorySpace space() const override { return MemorySpace::Device; }
  std::string describe() const override { return "emulated CUDA device"; }
  void *allocate(size_t bytes) override {
    return std::aligned_alloc(64, (bytes + 63) / 64 * 64);
  }
  void deallocate(void *data) override { std::free(data); }
  Status copy(void *dst, MemorySpace, const void *src, MemorySpace,
              size_t bytes, void *) override {
    if (bytes)
      std::memmove(dst, src, bytes);
    return Status::ok();
  }
  Status fill(void *dst, uint8_t byte, size_t bytes, void *) override {
    if (bytes)
      std::memset(dst, byte, bytes);
    return Status::ok();
  }
  Status synchronize(void *) override { return Status::ok(); }
};

} // namespace

Device &pp::rt::emulatedDevice() {
  static Device *device = [] {
    Device *d = new EmulatedDevice();
    setDeviceMemory(d);
    return d;
  }();
  return *device;
}

void pp::rt::registerEmulatedCudaKernels(KernelRegistry &registry) {
  emulated::registerKernels(registry);
}
