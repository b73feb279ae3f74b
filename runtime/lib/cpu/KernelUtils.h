//===- KernelUtils.h - Helpers shared by the CPU kernels --------*- C++ -*-===//
//
// Dtype dispatch, strides and broadcasting index maps. Everything here runs
// once per kernel preparation, never per element.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_KERNELUTILS_H
#define PP_RUNTIME_CPU_KERNELUTILS_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <vector>

namespace pp::rt::cpu {

/// Row-major strides of `shape` (in elements).
inline std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[size_t(i)] = strides[size_t(i) + 1] * shape[size_t(i) + 1];
  return strides;
}

/// Strides that read an operand of shape `from` broadcast (numpy rules) to
/// `to`: right-aligned, 0 on broadcast axes. `from` must broadcast to `to`.
inline std::vector<int64_t> broadcastStrides(const Shape &from,
                                             const Shape &to) {
  std::vector<int64_t> out(to.size(), 0);
  std::vector<int64_t> own = stridesOf(from);
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i)
    out[offset + i] = from[i] == 1 && to[offset + i] != 1 ? 0 : own[i];
  return out;
}

/// Calls `fn.template operator()<T>()` with T = float or double for a float
/// dtype; returns an error Status for any other dtype.
template <typename Fn>
Status dispatchFloat(const KernelSpec &spec, DType dtype, Fn &&fn) {
  switch (dtype) {
  case DType::F32:
    return fn.template operator()<float>();
  case DType::F64:
    return fn.template operator()<double>();
  default:
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype) + " (expected f32 or f64)");
  }
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_KERNELUTILS_H
