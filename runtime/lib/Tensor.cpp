//===- Tensor.cpp - Dense tensors of the runtime --------------------------===//
//
// Element types, shapes, and the 64-byte-aligned, reference-counted buffers
// behind `Tensor`.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Tensor.h"

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>

using namespace pp::rt;

size_t pp::rt::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
  case DType::U64:
    return 8;
  case DType::F32:
  case DType::I32:
  case DType::U32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
  case DType::U16:
    return 2;
  case DType::Bool:
  case DType::I8:
  case DType::U8:
    return 1;
  }
  return 0;
}

const char *pp::rt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "f32";
  case DType::F64:
    return "f64";
  case DType::I64:
    return "i64";
  case DType::I32:
    return "i32";
  case DType::Bool:
    return "bool";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I8:
    return "i8";
  case DType::U8:
    return "u8";
  case DType::U32:
    return "u32";
  case DType::U64:
    return "u64";
  case DType::I16:
    return "i16";
  case DType::U16:
    return "u16";
  }
  return "?";
}

bool pp::rt::isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F64 || dtype == DType::F16 ||
         dtype == DType::BF16;
}

int64_t pp::rt::numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string pp::rt::formatShape(const Shape &shape) {
  if (shape.empty())
    return "scalar";
  std::string out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      out += 'x';
    out += std::to_string(shape[i]);
  }
  return out;
}

std::string TensorType::str() const {
  std::string out;
  for (int64_t d : shape)
    out += std::to_string(d) + "x";
  return out + dtypeName(dtype);
}

namespace {

/// Keeps freed tensor buffers for reuse, keyed by their (64-byte rounded)
/// size. A training step allocates the same sizes in the same order on every
/// step, so after the first step nearly every allocation is a cache hit:
/// without the cache, large buffers go back to the kernel on free and every
/// step pays the page faults of touching fresh memory again (about a fifth
/// of a GPT step on one core). The cache holds at most what the program had
/// live at once per size; `releaseCachedBuffers` returns it to the system.
class BufferCache {
public:
  void *take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end()) {
        void *data = it->second;
        free_.erase(it);
        cachedBytes_ -= bytes;
        return data;
      }
    }
    void *data = std::aligned_alloc(64, bytes);
    if (!data)
      throw std::bad_alloc();
    return data;
  }

  void give(void *data, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.emplace(bytes, data);
    cachedBytes_ += bytes;
  }

  size_t releaseAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto &entry : free_)
      std::free(entry.second);
    free_.clear();
    size_t released = cachedBytes_;
    cachedBytes_ = 0;
    return released;
  }

  size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cachedBytes_;
  }

private:
  std::mutex mutex_;
  std::multimap<size_t, void *> free_;
  size_t cachedBytes_ = 0;
};

/// Never destroyed: tensors may outlive static destruction order.
BufferCache &bufferCache() {
  static BufferCache *cache = new BufferCache();
  return *cache;
}

} // namespace

size_t pp::rt::releaseCachedBuffers() { return bufferCache().releaseAll(); }

size_t pp::rt::cachedBufferBytes() { return bufferCache().cachedBytes(); }

/// A 64-byte-aligned buffer of at least `bytes` bytes (64 for an empty
/// tensor, so that every owned tensor has a non-null pointer), from the
/// buffer cache.
static std::shared_ptr<void> allocateAligned(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
  void *data = bufferCache().take(rounded);
  return std::shared_ptr<void>(
      data, [rounded](void *p) { bufferCache().give(p, rounded); });
}

Tensor Tensor::empty(TensorType type) {
  Tensor t;
  t.storage_ = allocateAligned(type.bytes());
  t.data_ = t.storage_.get();
  t.type_ = std::move(type);
  return t;
}

Tensor Tensor::zeros(TensorType type) {
  Tensor t = empty(std::move(type));
  std::memset(t.data_, 0, t.bytes());
  return t;
}

Tensor Tensor::view(TensorType type, void *data) {
  Tensor t;
  t.type_ = std::move(type);
  t.data_ = data;
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(type_);
  if (bytes())
    std::memcpy(t.data_, data_, bytes());
  return t;
}

Tensor Tensor::reinterpret(TensorType type) const {
  assert(type.bytes() == bytes() && "reinterpretation changes the size");
  Tensor t = *this;
  t.type_ = std::move(type);
  return t;
}

Tensor Tensor::slice(int64_t begin, int64_t count) const {
  assert(rank() >= 1 && begin >= 0 && count >= 0 && begin + count <= dim(0) &&
         "slice out of range");
  Tensor t = *this;
  t.type_.shape[0] = count;
  size_t rowBytes = dim(0) ? bytes() / size_t(dim(0)) : 0;
  t.data_ = static_cast<char *>(data_) + size_t(begin) * rowBytes;
  return t;
}
