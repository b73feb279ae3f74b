//===- Device.cpp - The host device and copies between memory spaces ------===//

#include "pp/Runtime/Device.h"
#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Kernel.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace pp::rt;

Device::~Device() = default;

Status Device::createQueue(KernelContext &) { return Status::ok(); }
void Device::releaseQueue(KernelContext &) {}
Status Device::record(void *, void *&marker) {
  marker = nullptr;
  return Status::ok();
}
Status Device::wait(void *, void *) { return Status::ok(); }
Status Device::waitHost(void *) { return Status::ok(); }
void Device::releaseMarker(void *) {}

bool Device::memoryInfo(size_t &, size_t &) const { return false; }

HostMemoryDevice::HostMemoryDevice(MemorySpace space, std::string description,
                                   size_t capacity)
    : space_(space), description_(std::move(description)), capacity_(capacity) {
}

bool HostMemoryDevice::memoryInfo(size_t &freeBytes, size_t &totalBytes) const {
  freeBytes = totalBytes = capacity_;
  return capacity_ != 0;
}

void *HostMemoryDevice::allocate(size_t bytes) {
  return std::aligned_alloc(64, (bytes + 63) / 64 * 64);
}

void HostMemoryDevice::deallocate(void *data) { std::free(data); }

Status HostMemoryDevice::copy(void *dst, MemorySpace dstSpace, const void *src,
                              MemorySpace srcSpace, size_t bytes, void *) {
  auto reached = [&](MemorySpace s) {
    return s == MemorySpace::Host || s == space_;
  };
  if (!reached(dstSpace) || !reached(srcSpace))
    return Status::error(description_ + ": copies host memory only");
  if (bytes)
    std::memmove(dst, src, bytes);
  return Status::ok();
}

Status HostMemoryDevice::fill(void *dst, uint8_t byte, size_t bytes, void *) {
  if (bytes)
    std::memset(dst, byte, bytes);
  return Status::ok();
}

namespace {

std::atomic<Device *> &deviceSlot() {
  static std::atomic<Device *> slot{nullptr};
  return slot;
}

} // namespace

Device &pp::rt::hostDevice() {
  static HostMemoryDevice *device =
      new HostMemoryDevice(MemorySpace::Host, "host");
  return *device;
}

Device *pp::rt::deviceMemory() { return deviceSlot().load(); }

void pp::rt::setDeviceMemory(Device *device) { deviceSlot().store(device); }

Device &pp::rt::deviceFor(MemorySpace space) {
  if (space == MemorySpace::Host)
    return hostDevice();
  Device *device = deviceMemory();
  if (!device) {
    // A device tensor without a device is a bug of the caller, not input.
    std::fprintf(stderr, "pp runtime: a device tensor with no device set\n");
    std::abort();
  }
  return *device;
}

Status pp::rt::copyTensor(const Tensor &src, const Tensor &dst, void *queue) {
  if (src.bytes() != dst.bytes())
    return Status::error("copy of " + src.type().str() + " into " +
                         dst.type().str() + ": sizes differ");
  if (!src.bytes() || src.raw() == dst.raw())
    return Status::ok();
  MemorySpace side =
      src.space() == MemorySpace::Device ? src.space() : dst.space();
  return deviceFor(side).copy(dst.raw(), dst.space(), src.raw(), src.space(),
                              src.bytes(), queue);
}

Tensor pp::rt::toHost(const Tensor &t, void *queue) {
  return toHost(t, defaultBufferPool(), queue);
}

Tensor pp::rt::toHost(const Tensor &t, BufferPool &pool, void *queue) {
  if (t.space() == MemorySpace::Host)
    return t;
  Tensor host = Tensor::empty(t.type(), pool);
  if (Status s = copyTensor(t, host, queue)) {
    std::fprintf(stderr, "pp runtime: %s\n", s.message().c_str());
    std::abort();
  }
  return host;
}

Status pp::rt::copyToPool(const Tensor &t, BufferPool &pool, Tensor &out,
                          void *queue) {
  out = Tensor::empty(t.type(), pool);
  return copyTensor(t, out, queue);
}
