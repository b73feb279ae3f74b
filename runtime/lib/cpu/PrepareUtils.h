//===- PrepareUtils.h - Preparation checks of the CPU kernels ---*- C++ -*-===//
//
// What the matrix, convolution, pooling and normalisation factories run
// once per op before building their closures: checks of operand and result
// counts, element types and shapes, broadcast index maps, and the float
// dispatch of a factory written as a function template.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_PREPAREUTILS_H
#define PP_RUNTIME_CPU_PREPAREUTILS_H

#include "KernelUtils.h"

#include <climits>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

namespace pp::rt::cpu {

/// An error unless the op has between `minInputs` and `maxInputs` operands
/// and exactly `outputs` results.
inline Status checkArity(const KernelSpec &spec, size_t minInputs,
                         size_t maxInputs, size_t outputs) {
  size_t n = spec.inputs.size();
  if (n < minInputs || n > maxInputs) {
    std::string expected = std::to_string(minInputs);
    if (maxInputs != minInputs)
      expected += " to " + std::to_string(maxInputs);
    return spec.error("expects " + expected + " operands, got " +
                      std::to_string(n));
  }
  if (spec.outputs.size() != outputs)
    return spec.error("expects " + std::to_string(outputs) + " results, got " +
                      std::to_string(spec.outputs.size()));
  return Status::ok();
}

/// An error unless every operand and result has the element type of the
/// first operand.
inline Status checkSameDType(const KernelSpec &spec) {
  DType dtype = spec.inputs[0].dtype;
  for (size_t i = 0; i < spec.inputs.size(); ++i)
    if (spec.inputs[i].dtype != dtype)
      return spec.error("operand " + std::to_string(i) + " has type " +
                        spec.inputs[i].str() + ", expected element type " +
                        dtypeName(dtype));
  for (size_t i = 0; i < spec.outputs.size(); ++i)
    if (spec.outputs[i].dtype != dtype)
      return spec.error("result " + std::to_string(i) + " has type " +
                        spec.outputs[i].str() + ", expected element type " +
                        dtypeName(dtype));
  return Status::ok();
}

/// An error naming `what` unless `actual` equals `expected`.
inline Status checkShape(const KernelSpec &spec, const std::string &what,
                         const Shape &actual, const Shape &expected) {
  if (actual == expected)
    return Status::ok();
  return spec.error(what + " has shape " + formatShape(actual) + ", expected " +
                    formatShape(expected));
}

/// An error unless every value fits the 32-bit sizes and leading
/// dimensions of the BLAS interface.
inline Status checkBlasSizes(const KernelSpec &spec,
                             std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT_MAX)
      return spec.error("matrix dimension " + std::to_string(s) +
                        " exceeds the BLAS limit of " +
                        std::to_string(INT_MAX));
  return Status::ok();
}

/// For every position of `to` (row-major), the flat index of the element
/// of `from` that numpy broadcasting reads there. `from` must broadcast to
/// `to`.
inline std::vector<int64_t> broadcastIndex(const Shape &from, const Shape &to) {
  std::vector<int64_t> strides = broadcastStrides(from, to);
  std::vector<int64_t> index(size_t(numElements(to)));
  std::vector<int64_t> pos(to.size(), 0);
  int64_t offset = 0;
  for (int64_t &i : index) {
    i = offset;
    for (size_t d = to.size(); d-- > 0;) {
      offset += strides[d];
      if (++pos[d] < to[d])
        break;
      offset -= strides[d] * to[d];
      pos[d] = 0;
    }
  }
  return index;
}

namespace detail {
/// Picks F32 or F64 by the type dispatchFloat passes.
template <KernelFactory F32, KernelFactory F64> struct PickFactory {
  const KernelSpec &spec;
  KernelFn &out;
  template <typename T> Status operator()() const {
    return std::is_same_v<T, float> ? F32(spec, out) : F64(spec, out);
  }
};
} // namespace detail

/// A kernel factory that checks the operand count is at least one, then
/// runs `F32` or `F64` by the first operand's element type (an error for
/// any other type).
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expects operands, got none");
  return dispatchFloat(spec, spec.inputs[0].dtype,
                       detail::PickFactory<F32, F64>{spec, out});
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_PREPAREUTILS_H
