//===- BufferPool.h - Tensor buffers and their accounting -------*- C++ -*-===//
//
// A `BufferPool` hands out the 64-byte-aligned buffers behind tensors and
// takes them back when the last tensor sharing one goes. It is one stage's
// memory: every live buffer's bytes are counted under a `MemoryKind`
// (activations, gradients, ...; new buffers are `Workspace` until a tensor
// relabels them), with the current and the peak bytes per kind and in
// total.
//
// Freed buffers are kept for reuse, keyed by their (64-byte rounded) size.
// A training step allocates the same sizes in the same order on every step,
// so after the first step nearly every allocation is a cache hit: without
// the cache, large buffers go back to the kernel on free and every step pays
// the page faults of touching fresh memory again (about a fifth of a GPT
// step on one core). The cache holds at most what the stage had live at
// once per size; `releaseCached` returns it to the system. Cached buffers
// are not live: they count in `cachedBytes`, not in the statistics.
//
// A pool allocates from one Device (Device.h): the host's by default, or an
// accelerator's, whose buffers are device memory. The device's queues order
// a buffer's frees: a stage runs every kernel and copy that touches its
// buffers on its own queue, so a buffer released on the host and taken
// again is only written after what read it before has run.
//
// A pool is thread-safe: a buffer made by one stage may be released on
// another thread (a tensor sent to a neighbour). Buffers may outlive the
// pool object: its state lives while any of its buffers does.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_BUFFERPOOL_H
#define PP_RUNTIME_BUFFERPOOL_H

#include "pp/Runtime/Tensor.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace pp::rt {

/// Bytes by memory kind (index: the kind's value) and in total: what is
/// live now and the most that was live at once since the pool was made or
/// its peaks were reset. The total's peak is the peak of the sum, not the
/// sum of the kinds' peaks.
struct MemoryStats {
  std::array<int64_t, kNumMemoryKinds> current{}, peak{};
  int64_t currentTotal = 0, peakTotal = 0;

  int64_t currentOf(MemoryKind kind) const { return current[size_t(kind)]; }
  int64_t peakOf(MemoryKind kind) const { return peak[size_t(kind)]; }
};

class Device;

namespace detail {
class PoolState;
} // namespace detail

/// One buffer of a pool. It goes back to the pool's cache, and its bytes
/// leave the statistics, when the last shared_ptr to it goes.
class PooledBuffer {
public:
  /// A buffer `pool` has counted as `kind` (BufferPool::allocate makes
  /// them).
  PooledBuffer(std::shared_ptr<detail::PoolState> pool, void *data,
               size_t bytes, MemoryKind kind)
      : pool_(std::move(pool)), data_(data), bytes_(bytes), kind_(kind) {}
  ~PooledBuffer();
  PooledBuffer(const PooledBuffer &) = delete;
  PooledBuffer &operator=(const PooledBuffer &) = delete;

  void *data() const { return data_; }
  /// Its capacity: the requested size rounded up to 64 bytes (64 for an
  /// empty one). This is what the statistics count.
  size_t bytes() const { return bytes_; }
  MemoryKind kind() const;
  /// The memory space of its pool's device.
  MemorySpace space() const;
  /// Moves the buffer's bytes from its kind to `kind` in the statistics.
  void setKind(MemoryKind kind);
  /// A new buffer of the same pool (as BufferPool::allocate), which works
  /// after the pool object is gone.
  std::shared_ptr<PooledBuffer>
  allocateAnother(size_t bytes, MemoryKind kind = MemoryKind::Workspace) const;

private:
  std::shared_ptr<detail::PoolState> pool_;
  void *data_;
  size_t bytes_;
  MemoryKind kind_; // guarded by the pool's mutex
};

class BufferPool {
public:
  /// A pool of host memory.
  BufferPool();
  /// A pool of `device`'s memory; the device must outlive every buffer.
  explicit BufferPool(Device &device);
  ~BufferPool();
  BufferPool(const BufferPool &) = delete;
  BufferPool &operator=(const BufferPool &) = delete;

  /// A buffer of at least `bytes` bytes, 64-byte aligned, contents
  /// unspecified, counted as `kind`; from the cache when it holds one of
  /// that rounded size. Throws std::bad_alloc when memory runs out.
  std::shared_ptr<PooledBuffer>
  allocate(size_t bytes, MemoryKind kind = MemoryKind::Workspace);

  Device &device() const;
  MemorySpace space() const;

  MemoryStats stats() const;
  /// Sets every peak to the current value.
  void resetPeaks();

  /// The bytes of freed buffers kept for reuse.
  size_t cachedBytes() const;
  /// Returns them to the system; the bytes released.
  size_t releaseCached();

  /// Counts memory the pool does not allocate (a stage's mapped parameters)
  /// under `kind`, or stops counting it.
  void addExternal(MemoryKind kind, int64_t bytes);
  void removeExternal(MemoryKind kind, int64_t bytes);

private:
  friend class PooledBuffer;
  std::shared_ptr<detail::PoolState> state_;
};

/// A pool for tools and tests, and for the tensors made without one
/// (`Tensor::empty(type)`). Never destroyed.
BufferPool &defaultBufferPool();

} // namespace pp::rt

#endif // PP_RUNTIME_BUFFERPOOL_H
