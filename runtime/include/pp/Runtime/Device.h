//===- Device.h - The memory and queues a backend runs on -------*- C++ -*-===//
//
// A `Device` is where a backend's buffers live and how bytes reach them: it
// allocates raw memory for a BufferPool, copies between its memory and the
// host's, and gives each stage a queue (a CUDA stream) on which the stage's
// kernels, copies and frees are ordered. The CPU backend runs on the host
// device, whose copies are memcpy and whose queues are the calling thread.
//
// The runtime core touches a device tensor only through these calls, so a
// stage program runs unchanged on any backend: parameters are uploaded once,
// a microbatch's input rows are uploaded before its forward, and the loss,
// the gradients a user dumps and the trained weights come back to the host.
//
// One process has at most one device memory besides the host's
// (setDeviceMemory): every Device-space tensor of the process belongs to it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_DEVICE_H
#define PP_RUNTIME_DEVICE_H

#include "pp/Runtime/Status.h"
#include "pp/Runtime/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace pp::rt {

class BufferPool;
class KernelContext;

class Device {
public:
  virtual ~Device();

  /// Host for the host device, Device for an accelerator's memory.
  virtual MemorySpace space() const = 0;
  /// "host", "NVIDIA H100 80GB HBM3 (device 0, sm_90, 79.1 GiB)".
  virtual std::string describe() const = 0;

  /// At least `bytes` of memory in space(), 64-byte aligned; null when the
  /// device is out of memory. Pools call these only when their cache has no
  /// buffer of the size (BufferPool.h), so a steady-state step makes no
  /// call.
  virtual void *allocate(size_t bytes) = 0;
  virtual void deallocate(void *data) = 0;

  /// Gives `ctx` its queue and library handles (a CUDA stream and a cuBLAS
  /// handle bound to it); the host device leaves it as it is. A context
  /// given a queue must be released with releaseQueue before it goes.
  virtual Status createQueue(KernelContext &ctx);
  virtual void releaseQueue(KernelContext &ctx);

  /// Copies `bytes` from `src` in `srcSpace` to `dst` in `dstSpace`,
  /// ordered on `queue` (a context's stream). A copy that involves host
  /// memory has finished when the call returns. With a null queue the copy
  /// is synchronous but ordered after no stage's work: pass the queue of
  /// the stage whose tensors it touches.
  virtual Status copy(void *dst, MemorySpace dstSpace, const void *src,
                      MemorySpace srcSpace, size_t bytes, void *queue) = 0;
  /// Sets `bytes` of device memory at `dst` to `byte`, ordered on `queue`
  /// (null: synchronous, as copy).
  virtual Status fill(void *dst, uint8_t byte, size_t bytes, void *queue) = 0;
  /// Waits until everything ordered on `queue` so far has run.
  virtual Status synchronize(void *queue) = 0;

  /// The device memory free now and in all; false where the device does
  /// not say (the host).
  virtual bool memoryInfo(size_t &freeBytes, size_t &totalBytes) const;

  /// A marker of everything ordered on `queue` so far; `wait` orders
  /// `queue` after a marker recorded on another queue, `waitHost` blocks the
  /// caller until it has passed. Markers are released with releaseMarker.
  /// The host device's markers are null: its queues are synchronous.
  virtual Status record(void *queue, void *&marker);
  virtual Status wait(void *queue, void *marker);
  virtual Status waitHost(void *marker);
  virtual void releaseMarker(void *marker);
};

/// A device whose memory is the host's (aligned_alloc) and whose queues are
/// the calling thread: the host device itself (space Host) and the CUDA
/// backend's device emulation (space Device: host memory labelled as device
/// memory, CudaEmulation.h).
class HostMemoryDevice : public Device {
public:
  /// `capacity`, when not 0, is what memoryInfo reports as free and in all
  /// (the emulation's stand-in for a GPU's memory).
  HostMemoryDevice(MemorySpace space, std::string description,
                   size_t capacity = 0);
  MemorySpace space() const override { return space_; }
  std::string describe() const override { return description_; }
  void *allocate(size_t bytes) override;
  void deallocate(void *data) override;
  Status copy(void *dst, MemorySpace dstSpace, const void *src,
              MemorySpace srcSpace, size_t bytes, void *queue) override;
  Status fill(void *dst, uint8_t byte, size_t bytes, void *queue) override;
  Status synchronize(void *) override { return Status::ok(); }
  bool memoryInfo(size_t &freeBytes, size_t &totalBytes) const override;

private:
  MemorySpace space_;
  std::string description_;
  size_t capacity_;
};

/// The host's memory and synchronous queues.
Device &hostDevice();

/// The device behind MemorySpace::Device in this process; null until a
/// backend sets one.
Device *deviceMemory();
void setDeviceMemory(Device *device);
/// The device that holds memory of `space`: the host device, or
/// deviceMemory() (which must be set).
Device &deviceFor(MemorySpace space);

/// Copies `src` into `dst` (the same byte size; any spaces), ordered on
/// `queue` of the device side.
Status copyTensor(const Tensor &src, const Tensor &dst, void *queue = nullptr);
/// `t` itself when it is in host memory, else a host copy from `pool`
/// (synchronous: waits for what `queue` has ordered before).
Tensor toHost(const Tensor &t, void *queue = nullptr);
Tensor toHost(const Tensor &t, BufferPool &pool, void *queue = nullptr);
/// A copy of `t` in `pool`'s memory space (ordered on `queue`).
Status copyToPool(const Tensor &t, BufferPool &pool, Tensor &out,
                  void *queue = nullptr);

} // namespace pp::rt

#endif // PP_RUNTIME_DEVICE_H
