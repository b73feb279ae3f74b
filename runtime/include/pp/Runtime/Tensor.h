//===- Tensor.h - Dense tensors of the runtime ------------------*- C++ -*-===//
//
// A tensor is a dtype, a static shape and a row-major buffer. Buffers are
// 64-byte aligned and reference-counted; `view` wraps memory owned elsewhere
// (a parameter's storage, a mapped weights file).
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

/// Tensor buffers are recycled through a process-wide cache (same size, same
/// step after step). These return its memory to the system, and report how
/// much it holds.
size_t releaseCachedBuffers();
size_t cachedBufferBytes();

class Tensor {
public:
  Tensor() = default;

  /// A new 64-byte-aligned buffer; its contents are zero.
  static Tensor zeros(TensorType type);
  /// A new 64-byte-aligned buffer whose contents are unspecified.
  static Tensor empty(TensorType type);
  /// Wraps `data`, which must outlive the tensor and every copy of it.
  static Tensor view(TensorType type, void *data);

  bool valid() const { return data_ != nullptr || type_.numel() == 0; }
  const TensorType &type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape &shape() const { return type_.shape; }
  int64_t rank() const { return int64_t(type_.shape.size()); }
  int64_t dim(int64_t i) const { return type_.shape[size_t(i)]; }
  int64_t numel() const { return type_.numel(); }
  size_t bytes() const { return type_.bytes(); }

  void *raw() const { return data_; }
  template <typename T> T *data() const { return static_cast<T *>(data_); }

  /// A deep copy into a new buffer.
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
  std::shared_ptr<void> storage_;
  void *data_ = nullptr;
};

} // namespace pp::rt

#endif // PP_RUNTIME_TENSOR_H
