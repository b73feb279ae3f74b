//===- BufferPool.cpp - Tensor buffers and their accounting ---------------===//
//
// The pool's state (the cache of free buffers and the statistics) sits
// behind one mutex in a shared object that every buffer holds, so that a
// buffer may be released on any thread and after the pool object is gone.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Device.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

using namespace pp::rt;

namespace pp::rt::detail {

class PoolState {
public:
  explicit PoolState(Device &device) : device_(device) {}
  ~PoolState() { releaseCached(); }

  Device &device() const { return device_; }

  /// A buffer of exactly `bytes` (a multiple of 64), counted as `kind`.
  void *take(size_t bytes, MemoryKind kind) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end()) {
        void *data = it->second;
        free_.erase(it);
        cachedBytes_ -= bytes;
        countLocked(kind, int64_t(bytes));
        return data;
      }
    }
    void *data = device_.allocate(bytes);
    if (!data) {
      // Memory held for reuse may be what is missing.
      releaseCached();
      data = device_.allocate(bytes);
      if (!data)
        throw std::bad_alloc();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    countLocked(kind, int64_t(bytes));
    return data;
  }

  void give(void *data, size_t bytes, MemoryKind kind) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      countLocked(kind, -int64_t(bytes));
      if (!orphaned_) {
        free_.emplace(bytes, data);
        cachedBytes_ += bytes;
        return;
      }
    }
    device_.deallocate(data); // no one allocates from this pool any more
  }

  /// The pool object is gone: buffers released from now on are freed.
  void orphan() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      orphaned_ = true;
    }
    releaseCached();
  }

  void relabel(MemoryKind &kind, MemoryKind to, int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kind == to)
      return;
    // Out of the old kind first, so that the total's peak does not move.
    countLocked(kind, -bytes);
    countLocked(to, bytes);
    kind = to;
  }

  MemoryKind kindOf(const MemoryKind &kind) {
    std::lock_guard<std::mutex> lock(mutex_);
    return kind;
  }

  void count(MemoryKind kind, int64_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    countLocked(kind, bytes);
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void resetPeaks() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak = stats_.current;
    stats_.peakTotal = stats_.currentTotal;
  }

  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cachedBytes_;
  }

  size_t releaseCached() {
    std::multimap<size_t, void *> free;
    size_t released;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      free.swap(free_);
      released = cachedBytes_;
      cachedBytes_ = 0;
    }
    for (auto &entry : free)
      device_.deallocate(entry.second);
    return released;
  }

private:
  void countLocked(MemoryKind kind, int64_t bytes) {
    int64_t &current = stats_.current[size_t(kind)];
    current += bytes;
    stats_.currentTotal += bytes;
    if (current > stats_.peak[size_t(kind)])
      stats_.peak[size_t(kind)] = current;
    if (stats_.currentTotal > stats_.peakTotal)
      stats_.peakTotal = stats_.currentTotal;
  }

  Device &device_;
  std::mutex mutex_;
  std::multimap<size_t, void *> free_;
  size_t cachedBytes_ = 0;
  bool orphaned_ = false;
  MemoryStats stats_;
};

} // namespace pp::rt::detail

using detail::PoolState;

/// The capacity of a buffer of `bytes`: rounded up to 64, and 64 for an
/// empty one, so that every owned tensor has a non-null pointer.
static size_t roundedSize(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  return rounded ? rounded : 64;
}

static std::shared_ptr<PooledBuffer>
allocateFrom(const std::shared_ptr<PoolState> &state, size_t bytes,
             MemoryKind kind) {
  size_t rounded = roundedSize(bytes);
  void *data = state->take(rounded, kind);
  try {
    return std::make_shared<PooledBuffer>(state, data, rounded, kind);
  } catch (...) {
    state->give(data, rounded, kind);
    throw;
  }
}

PooledBuffer::~PooledBuffer() { pool_->give(data_, bytes_, kind_); }

MemoryKind PooledBuffer::kind() const { return pool_->kindOf(kind_); }

MemorySpace PooledBuffer::space() const { return pool_->device().space(); }

void PooledBuffer::setKind(MemoryKind kind) {
  pool_->relabel(kind_, kind, int64_t(bytes_));
}

std::shared_ptr<PooledBuffer>
PooledBuffer::allocateAnother(size_t bytes, MemoryKind kind) const {
  return allocateFrom(pool_, bytes, kind);
}

BufferPool::BufferPool() : BufferPool(hostDevice()) {}

BufferPool::BufferPool(Device &device)
    : state_(std::make_shared<PoolState>(device)) {}

Device &BufferPool::device() const { return state_->device(); }

MemorySpace BufferPool::space() const { return state_->device().space(); }

BufferPool::~BufferPool() {
  // Buffers still alive keep the state; what is cached goes now.
  state_->orphan();
}

std::shared_ptr<PooledBuffer> BufferPool::allocate(size_t bytes,
                                                   MemoryKind kind) {
  return allocateFrom(state_, bytes, kind);
}

MemoryStats BufferPool::stats() const { return state_->stats(); }

void BufferPool::resetPeaks() { state_->resetPeaks(); }

size_t BufferPool::cachedBytes() const { return state_->cachedBytes(); }

size_t BufferPool::releaseCached() { return state_->releaseCached(); }

void BufferPool::addExternal(MemoryKind kind, int64_t bytes) {
  state_->count(kind, bytes);
}

void BufferPool::removeExternal(MemoryKind kind, int64_t bytes) {
  state_->count(kind, -bytes);
}

BufferPool &pp::rt::defaultBufferPool() {
  static BufferPool *pool = new BufferPool();
  return *pool;
}
