//===- TypeDispatch.h - Element types and checks of CPU kernels -*- C++ -*-===//
//
// Maps runtime dtypes to the C++ types the kernels compute with and calls a
// generic lambda with the matching type, once per kernel preparation; and
// checks a KernelSpec's operand counts and types with messages that name the
// op. Private to the elementwise, softmax, loss, reduction and movement
// kernels of runtime/lib/cpu.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_TYPEDISPATCH_H
#define PP_RUNTIME_CPU_TYPEDISPATCH_H

#include "HalfFloats.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pp::rt::cpu {

/// Carries a C++ element type into a generic lambda: `[&](auto tag) { using
/// T = typename decltype(tag)::type; ... }`.
template <typename T> struct TypeTag { using type = T; };

/// The dtype a C++ element type stands for. Booleans are stored one byte per
/// element, 0 or 1, which is C++'s `bool`; 16-bit floats as their bits
/// (HalfFloats.h).
template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> {
  static constexpr DType value = DType::F32;
};
template <> struct DTypeOf<double> {
  static constexpr DType value = DType::F64;
};
template <> struct DTypeOf<int64_t> {
  static constexpr DType value = DType::I64;
};
template <> struct DTypeOf<int32_t> {
  static constexpr DType value = DType::I32;
};
template <> struct DTypeOf<bool> {
  static constexpr DType value = DType::Bool;
};
template <> struct DTypeOf<int8_t> {
  static constexpr DType value = DType::I8;
};
template <> struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::U8;
};
template <> struct DTypeOf<Float16> {
  static constexpr DType value = DType::F16;
};
template <> struct DTypeOf<BFloat16> {
  static constexpr DType value = DType::BF16;
};

template <typename... Ts> struct TypeList {};
using FloatTypes = TypeList<float, double>;
/// Types with arithmetic: what add, sub, mul, div, pow and sums take.
using NumericTypes = TypeList<float, double, int64_t, int32_t, int8_t, uint8_t>;
/// Numeric types with a sign: what relu and neg take.
using SignedTypes = TypeList<float, double, int64_t, int32_t, int8_t>;
/// Numeric types and bool: what comparisons take.
using ComparableTypes =
    TypeList<float, double, int64_t, int32_t, int8_t, uint8_t, bool>;
/// Every element type: what cast converts between.
using AllTypes = TypeList<float, double, int64_t, int32_t, int8_t, uint8_t,
                          bool, Float16, BFloat16>;
using IndexTypes = TypeList<int64_t, int32_t>;

/// "f32, f64 or i64": the dtypes of a type list, for messages.
template <typename... Ts> std::string typeNames(TypeList<Ts...>) {
  const char *names[] = {dtypeName(DTypeOf<Ts>::value)...};
  std::string out;
  for (size_t i = 0; i < sizeof...(Ts); ++i) {
    if (i)
      out += i + 1 == sizeof...(Ts) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

/// Calls `fn(TypeTag<T>{})` for the type T of `types` whose dtype is `dtype`
/// and returns its Status; an error naming the op and `what` (the operand)
/// when `dtype` is not in `types`.
template <typename... Ts, typename Fn>
Status dispatchType(TypeList<Ts...> types, const KernelSpec &spec,
                    const char *what, DType dtype, Fn &&fn) {
  Status result;
  bool found =
      ((dtype == DTypeOf<Ts>::value && (result = fn(TypeTag<Ts>{}), true)) ||
       ...);
  if (!found)
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype) + " of " + what + " (expected " +
                      typeNames(types) + ")");
  return result;
}

/// Calls `fn(TypeTag<U>{})` with an unsigned integer type U as wide as one
/// element of `dtype`: data movement copies elements without reading them.
template <typename Fn>
Status dispatchElementSize(const KernelSpec &spec, DType dtype, Fn &&fn) {
  switch (dtypeSize(dtype)) {
  case 1:
    return fn(TypeTag<uint8_t>{});
  case 2:
    return fn(TypeTag<uint16_t>{});
  case 4:
    return fn(TypeTag<uint32_t>{});
  case 8:
    return fn(TypeTag<uint64_t>{});
  default:
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype));
  }
}

/// An error unless the op has exactly `inputs` operands and `outputs`
/// results.
inline Status checkArity(const KernelSpec &spec, size_t inputs,
                         size_t outputs) {
  if (spec.inputs.size() != inputs || spec.outputs.size() != outputs)
    return spec.error("expected " + std::to_string(inputs) +
                      " operand(s) and " + std::to_string(outputs) +
                      " result(s), got " + std::to_string(spec.inputs.size()) +
                      " and " + std::to_string(spec.outputs.size()));
  return Status::ok();
}

/// An error unless `actual` equals `expected`; `what` names the value.
inline Status checkType(const KernelSpec &spec, const char *what,
                        const TensorType &actual, const TensorType &expected) {
  if (actual != expected)
    return spec.error(std::string(what) + " has type " + actual.str() +
                      ", expected " + expected.str());
  return Status::ok();
}

/// An error unless `type` has element type `dtype`.
inline Status checkDType(const KernelSpec &spec, const char *what,
                         const TensorType &type, DType dtype) {
  if (type.dtype != dtype)
    return spec.error(std::string(what) + " has type " + type.str() +
                      ", expected element type " + dtypeName(dtype));
  return Status::ok();
}

/// An error unless `axis` lies in [0, rank).
inline Status checkAxis(const KernelSpec &spec, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return spec.error("axis " + std::to_string(axis) +
                      " is out of range for rank " + std::to_string(rank));
  return Status::ok();
}

/// Reports bad data found while a kernel runs (an index out of range): a
/// closure returns no Status, so it throws, and the executor turns the
/// exception into its error naming the kernel. `location` is the op's.
[[noreturn]] inline void throwDataError(const std::string &location,
                                        const std::string &message) {
  throw std::out_of_range(
      location.empty() ? message : message + " (at " + location + ")");
}

/// Product of `shape[begin, end)`.
inline int64_t productOf(const Shape &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i)
    n *= shape[i];
  return n;
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_TYPEDISPATCH_H
