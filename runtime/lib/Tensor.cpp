//===- Tensor.cpp - Dense tensors of the runtime --------------------------===//
//
// Element types, shapes, memory spaces and kinds, and tensors over the
// buffers of a BufferPool.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Tensor.h"
#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Device.h"

#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

const char *pp::rt::memorySpaceName(MemorySpace space) {
  switch (space) {
  case MemorySpace::Host:
    return "host";
  case MemorySpace::Device:
    return "device";
  }
  return "?";
}

const char *pp::rt::memoryKindName(MemoryKind kind) {
  switch (kind) {
  case MemoryKind::Workspace:
    return "workspace";
  case MemoryKind::Activations:
    return "activations";
  case MemoryKind::Gradients:
    return "gradients";
  case MemoryKind::Parameters:
    return "parameters";
  case MemoryKind::OptimizerState:
    return "optimizer state";
  case MemoryKind::Communication:
    return "communication";
  }
  return "?";
}

Tensor Tensor::fromBuffer(TensorType type,
                          std::shared_ptr<PooledBuffer> buffer) {
  Tensor t;
  t.data_ = buffer->data();
  t.space_ = buffer->space();
  t.storage_ = std::move(buffer);
  t.type_ = std::move(type);
  return t;
}

Tensor Tensor::empty(TensorType type, BufferPool &pool) {
  size_t bytes = type.bytes();
  return fromBuffer(std::move(type), pool.allocate(bytes));
}

Tensor Tensor::zeros(TensorType type, BufferPool &pool) {
  Tensor t = empty(std::move(type), pool);
  if (t.space_ == MemorySpace::Host) {
    std::memset(t.data_, 0, t.bytes());
  } else if (Status s = pool.device().fill(t.data_, 0, t.bytes(), nullptr)) {
    std::fprintf(stderr, "pp runtime: %s\n", s.message().c_str());
    std::abort();
  }
  return t;
}

Tensor Tensor::empty(TensorType type) {
  return empty(std::move(type), defaultBufferPool());
}

Tensor Tensor::zeros(TensorType type) {
  return zeros(std::move(type), defaultBufferPool());
}

Tensor Tensor::view(TensorType type, void *data, MemorySpace space) {
  Tensor t;
  t.type_ = std::move(type);
  t.data_ = data;
  t.space_ = space;
  return t;
}

void Tensor::setMemoryKind(MemoryKind kind) const {
  if (storage_)
    storage_->setKind(kind);
}

Tensor Tensor::clone(BufferPool &pool) const {
  Tensor t = empty(type_, pool);
  if (space_ == MemorySpace::Host && t.space_ == MemorySpace::Host) {
    if (bytes())
      std::memcpy(t.data_, data_, bytes());
  } else if (Status s = copyTensor(*this, t)) {
    std::fprintf(stderr, "pp runtime: %s\n", s.message().c_str());
    std::abort();
  }
  return t;
}

Tensor Tensor::clone() const {
  if (!storage_)
    return clone(defaultBufferPool());
  Tensor t = fromBuffer(type_, storage_->allocateAnother(bytes()));
  if (space_ == MemorySpace::Host) {
    if (bytes())
      std::memcpy(t.data_, data_, bytes());
  } else if (Status s = copyTensor(*this, t)) {
    std::fprintf(stderr, "pp runtime: %s\n", s.message().c_str());
    std::abort();
  }
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

int64_t pp::rt::firstNonFinite(const Tensor &t, bool orInfinite) {
  if (!t.valid() || t.space() != MemorySpace::Host)
    return -1;
  int64_t n = t.numel();
  auto scan = [&](auto bad) -> int64_t {
    for (int64_t i = 0; i < n; ++i)
      if (bad(i))
        return i;
    return -1;
  };
  switch (t.dtype()) {
  case DType::F32: {
    const float *d = t.data<float>();
    return scan([&](int64_t i) {
      return orInfinite ? !std::isfinite(d[i]) : std::isnan(d[i]);
    });
  }
  case DType::F64: {
    const double *d = t.data<double>();
    return scan([&](int64_t i) {
      return orInfinite ? !std::isfinite(d[i]) : std::isnan(d[i]);
    });
  }
  case DType::F16:
  case DType::BF16: {
    // All exponent bits set: infinity (zero mantissa) or NaN.
    uint16_t exponent = t.dtype() == DType::F16 ? 0x7c00 : 0x7f80;
    const uint16_t *d = t.data<uint16_t>();
    return scan([&](int64_t i) {
      if ((d[i] & exponent) != exponent)
        return false;
      return orInfinite || (d[i] & uint16_t(~exponent & 0x7fff)) != 0;
    });
  }
  default:
    return -1;
  }
}
