//===- TypeDispatch.h - Element-type dispatch of the CPU kernels *- C++ -*-===//
//
// Maps runtime dtypes to the C++ types the kernels compute with, and picks
// the typed code of a kernel once per preparation: a generic lambda called
// with the matching type (dispatchType, dispatchElementSize), or a factory
// template instantiated for float and double (floatKernel). The closures
// the kernels build are typed; nothing here runs per element.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_TYPEDISPATCH_H
#define PP_RUNTIME_CPU_TYPEDISPATCH_H

#include "HalfFloats.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <string>
#include <type_traits>

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
template <> struct DTypeOf<uint32_t> {
  static constexpr DType value = DType::U32;
};
template <> struct DTypeOf<uint64_t> {
  static constexpr DType value = DType::U64;
};
template <> struct DTypeOf<int16_t> {
  static constexpr DType value = DType::I16;
};
template <> struct DTypeOf<uint16_t> {
  static constexpr DType value = DType::U16;
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
using NumericTypes = TypeList<float, double, int64_t, int32_t, int16_t, int8_t,
                              uint64_t, uint32_t, uint16_t, uint8_t>;
/// Numeric types with a sign: what relu and neg take.
using SignedTypes = TypeList<float, double, int64_t, int32_t, int16_t, int8_t>;
/// Numeric types and bool: what comparisons take.
using ComparableTypes =
    TypeList<float, double, int64_t, int32_t, int16_t, int8_t, uint64_t,
             uint32_t, uint16_t, uint8_t, bool>;
/// Every element type: what cast converts between.
using AllTypes =
    TypeList<float, double, int64_t, int32_t, int16_t, int8_t, uint64_t,
             uint32_t, uint16_t, uint8_t, bool, Float16, BFloat16>;
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
  bool found = ((dtype == DTypeOf<Ts>::value &&
                 ((void)(result = fn(TypeTag<Ts>{})), true)) ||
                ...);
  if (!found)
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype) + " of " + what + " (expected " +
                      typeNames(types) + ")");
  return result;
}

/// dispatchType over two operands at once: calls `fn(TypeTag<A>{},
/// TypeTag<B>{})` for the type A of `typesA` whose dtype is `dtypeA` and the
/// type B of `typesB` whose dtype is `dtypeB` (values and their indices, as
/// gather and cross-entropy take them).
template <typename TypesA, typename TypesB, typename Fn>
Status dispatchTypePair(TypesA typesA, TypesB typesB, const KernelSpec &spec,
                        const char *whatA, DType dtypeA, const char *whatB,
                        DType dtypeB, Fn &&fn) {
  return dispatchType(typesA, spec, whatA, dtypeA, [&](auto tagA) {
    return dispatchType(typesB, spec, whatB, dtypeB,
                        [&](auto tagB) { return fn(tagA, tagB); });
  });
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

/// A kernel factory that runs `F32` or `F64` by the first operand's
/// element type, for factories written as a function template
/// (`floatKernel<makeConv<float>, makeConv<double>>`); an error naming the op
/// for an op without operands or with another element type.
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expected operands, got none");
  return dispatchType(
      FloatTypes{}, spec, "operand 0", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        return std::is_same_v<T, float> ? F32(spec, out) : F64(spec, out);
      });
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_TYPEDISPATCH_H
