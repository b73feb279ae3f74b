//===- Tensor.h - Dense tensors of the runtime ------------------*- C++ -*-===//
//
// A tensor is a dtype, a static shape and a row-major buffer in a memory
// space. Buffers come from a `BufferPool` (BufferPool.h), are 64-byte
// aligned and reference-counted; `view` wraps memory owned elsewhere (a
// parameter's storage, a mapped weights file).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_TENSOR_H
#define PP_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pp::rt {

enum class DType : uint8_t {
  F32,
  F64,
  I64,
  I32,
  Bool,
  F16,
  BF16,
  I8,
  U8,
  U32,
  U64,
  I16,
  U16
};

size_t dtypeSize(DType dtype);
/// "f32", "f64", "i64", "i32", "bool", "f16", "bf16", "i8", "u8", "u32",
/// "u64", "i16", "u16".
const char *dtypeName(DType dtype);
bool isFloat(DType dtype);

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape);
std::string formatShape(const Shape &shape); // "2x16x64", "scalar"

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;

  int64_t numel() const { return numElements(shape); }
  size_t bytes() const { return size_t(numel()) * dtypeSize(dtype); }
  std::string str() const; // "2x16x64xf32"
  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && shape == o.shape;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
};

/// Where a tensor's bytes are: host memory, or the memory of the device a
/// backend runs on (only its kernels read it).
enum class MemorySpace : uint8_t { Host, Device };
/// "host", "device".
const char *memorySpaceName(MemorySpace space);

/// What a buffer holds, for a stage's memory accounting (BufferPool.h).
enum class MemoryKind : uint8_t {
  Workspace,      // kernel outputs in flight, scratch: the default
  Activations,    // what a microbatch holds between its passes
  Gradients,      // gradient accumulators
  Parameters,     // weights and state parameters
  OptimizerState, // momentum buffers, moments
  Communication   // buffers of messages between stages
};
constexpr size_t kNumMemoryKinds = 6;
/// "workspace", "activations", "gradients", "parameters", "optimizer state",
/// "communication".
const char *memoryKindName(MemoryKind kind);

class BufferPool;
class PooledBuffer;

class Tensor {
public:
  Tensor() = default;

  /// A new 64-byte-aligned buffer from `pool` (counted as workspace), in
  /// the pool's memory space; its contents are unspecified.
  static Tensor empty(TensorType type, BufferPool &pool);
  /// The same, its contents zero.
  static Tensor zeros(TensorType type, BufferPool &pool);
  /// empty and zeros from `defaultBufferPool()`.
  static Tensor empty(TensorType type);
  static Tensor zeros(TensorType type);
  /// Wraps `data` in `space`, which must outlive the tensor and every copy
  /// of it.
  static Tensor view(TensorType type, void *data,
                     MemorySpace space = MemorySpace::Host);
  /// A host tensor over the whole of `buffer` (which must hold
  /// `type.bytes()`).
  static Tensor fromBuffer(TensorType type,
                           std::shared_ptr<PooledBuffer> buffer);

  bool valid() const { return data_ != nullptr || type_.numel() == 0; }
  const TensorType &type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape &shape() const { return type_.shape; }
  int64_t rank() const { return int64_t(type_.shape.size()); }
  int64_t dim(int64_t i) const { return type_.shape[size_t(i)]; }
  int64_t numel() const { return type_.numel(); }
  size_t bytes() const { return type_.bytes(); }

  MemorySpace space() const { return space_; }
  void *raw() const { return data_; }
  template <typename T> T *data() const { return static_cast<T *>(data_); }

  /// Counts the buffer as `kind` in its pool's accounting from now on. The
  /// label belongs to the buffer, so it holds for every tensor sharing it
  /// (views, slices, reinterpretations); a no-op for a view of foreign
  /// memory.
  void setMemoryKind(MemoryKind kind) const;

  /// A deep copy into a new buffer of `pool`; without one, of this
  /// tensor's own pool (the default pool for a view of foreign memory).
  /// A copy that involves device memory runs on the device's default queue
  /// (Device.h).
  Tensor clone(BufferPool &pool) const;
  Tensor clone() const;

  /// The same buffer seen with another type of the same byte size (a
  /// reshape); the buffer lives while any tensor sharing it does.
  Tensor reinterpret(TensorType type) const;

  /// Identifies the memory a tensor reads: tensors that share it (views,
  /// reinterpretations) have the same identity.
  const void *memoryIdentity() const {
    return storage_ ? storage_.get() : data_;
  }

  /// Rows [begin, begin + count) along axis 0, sharing this tensor's buffer
  /// (no copy; the buffer lives as long as any tensor sharing it). The
  /// tensor must have rank >= 1 and the range must lie within axis 0.
  Tensor slice(int64_t begin, int64_t count) const;

private:
  TensorType type_;
  std::shared_ptr<PooledBuffer> storage_;
  void *data_ = nullptr;
  MemorySpace space_ = MemorySpace::Host;
};

/// The first element of a host floating-point tensor (f32, f64, f16, bf16)
/// that is a NaN (or, with `orInfinite`, also an infinity), or -1 if none
/// or the tensor holds no floats.
int64_t firstNonFinite(const Tensor &t, bool orInfinite);

} // namespace pp::rt

#endif // PP_RUNTIME_TENSOR_H
