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
#include <new>

using namespace pp::rt;

size_t pp::rt::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
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

/// A 64-byte-aligned buffer of at least `bytes` bytes (64 for an empty
/// tensor, so that every owned tensor has a non-null pointer).
static std::shared_ptr<void> allocateAligned(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  if (rounded == 0)
    rounded = 64;
  void *data = std::aligned_alloc(64, rounded);
  if (!data)
    throw std::bad_alloc();
  return std::shared_ptr<void>(data, std::free);
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

Tensor Tensor::slice(int64_t begin, int64_t count) const {
  assert(rank() >= 1 && begin >= 0 && count >= 0 && begin + count <= dim(0) &&
         "slice out of range");
  Tensor t = *this;
  t.type_.shape[0] = count;
  size_t rowBytes = dim(0) ? bytes() / size_t(dim(0)) : 0;
  t.data_ = static_cast<char *>(data_) + size_t(begin) * rowBytes;
  return t;
}
