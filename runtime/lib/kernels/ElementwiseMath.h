//===- ElementwiseMath.h - The per-element math of both backends -*- C++
//-*-===//
//
// The scalar formulas of the elementwise ops, the activations and their
// gradients, written once as function objects with `PP_HD` call operators:
// the CPU kernels (runtime/lib/cpu/ElementwiseKernels.cpp,
// ActivationGradKernels.cpp) loop over them, and the CUDA backend's kernels
// (runtime/lib/cuda) call the very same objects per thread. The CPU tests
// therefore check the formulas the GPU runs.
//
// What differs between the two is only the exponential and tanh of float:
// the CPU uses FastMath.h's vectorisable polynomials, a GPU its own expf and
// tanhf (mathExp, mathTanh below); both are within a few ULP of the exact
// result. Everything else is the same sequence of operations, and so the
// same result up to the device's own libm (erf, pow, log1p) and the
// multiply-adds nvcc fuses into one rounding. Where a fused rounding could
// move the point where a piecewise formula switches (hard_sigmoid's linear
// piece), mulThenAdd keeps the host's two roundings.
//
// No lambdas, exceptions or allocation here: everything must compile as
// device code.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_ELEMENTWISEMATH_H
#define PP_RUNTIME_KERNELS_ELEMENTWISEMATH_H

#include "HalfFloats.h"
#include "HostDevice.h"
#include "pp/Runtime/Random.h"

#include "../cpu/FastMath.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace pp::rt::kernels {

//===----------------------------------------------------------------------===//
// exp, tanh and the logistic function
//===----------------------------------------------------------------------===//

/// e^x: on the host FastMath.h's vectorisable form for float, on a GPU
/// CUDA's expf; the C library's exp for double on both.
PP_HD_INLINE float mathExp(float x) {
#if defined(__CUDA_ARCH__)
  return ::expf(x);
#else
  return cpu::fastExp(x);
#endif
}
PP_HD_INLINE double mathExp(double x) { return std::exp(x); }

/// tanh(x), chosen as mathExp is.
PP_HD_INLINE float mathTanh(float x) {
#if defined(__CUDA_ARCH__)
  return ::tanhf(x);
#else
  return cpu::fastTanh(x);
#endif
}
PP_HD_INLINE double mathTanh(double x) { return std::tanh(x); }

/// The logistic function 1 / (1 + e^-x); 0 and 1 at the infinities.
template <typename T> PP_HD_INLINE T mathSigmoid(T x) {
  return T(1) / (T(1) + mathExp(-x));
}

constexpr double kSqrtHalf = 0.70710678118654752440;      // 1 / sqrt(2)
constexpr double kInvSqrtTwoPi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrtTwoOverPi = 0.79788456080286535588; // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;

//===----------------------------------------------------------------------===//
// Integer arithmetic that wraps around
//===----------------------------------------------------------------------===//

/// The unsigned type, at least as wide as int, in which arithmetic on T
/// wraps around where the signed arithmetic C++ promotes narrow integers to
/// (u16 * u16 in int) or the signed type itself would overflow; the result
/// narrows back to T, as numpy wraps.
template <typename T>
using WrappingType = std::make_unsigned_t<decltype(T() + T())>;

/// -x, wrapping around for the most negative integer instead of overflowing.
template <typename T> PP_HD_INLINE T negate(T x) {
  if constexpr (std::is_integral_v<T>)
    return T(std::make_unsigned_t<T>(0) - std::make_unsigned_t<T>(x));
  else
    return -x;
}

//===----------------------------------------------------------------------===//
// Binary arithmetic and comparisons
//===----------------------------------------------------------------------===//

struct AddFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return T(WrappingType<T>(a) + WrappingType<T>(b));
    else
      return a + b;
  }
};
struct SubFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return T(WrappingType<T>(a) - WrappingType<T>(b));
    else
      return a - b;
  }
};
struct MulFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return T(WrappingType<T>(a) * WrappingType<T>(b));
    else
      return a * b;
  }
};
struct DivFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      // ONNX leaves integer division by zero undefined; the CPU would trap.
      if (b == 0)
        return 0;
      if constexpr (std::is_signed_v<T>)
        if (b == -1) // INT_MIN / -1 traps too.
          return negate(a);
    }
    return T(a / b);
  }
};
struct EqualFn {
  template <typename T> PP_HD bool operator()(T a, T b) const { return a == b; }
};
struct LessFn {
  template <typename T> PP_HD bool operator()(T a, T b) const { return a < b; }
};
struct GreaterFn {
  template <typename T> PP_HD bool operator()(T a, T b) const { return a > b; }
};
struct LessEqualFn {
  template <typename T> PP_HD bool operator()(T a, T b) const { return a <= b; }
};
struct GreaterEqualFn {
  template <typename T> PP_HD bool operator()(T a, T b) const { return a >= b; }
};
/// The larger operand; NaN if either is (as torch.maximum).
struct MaxFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return a < b || std::isnan(b) ? b : a;
    else
      return a < b ? b : a;
  }
};
/// The smaller operand; NaN if either is (as torch.minimum).
struct MinFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      return b < a || std::isnan(b) ? b : a;
    else
      return b < a ? b : a;
  }
};
/// The remainder with the dividend's sign (C's fmod). An integer remainder
/// by zero is 0 (ONNX leaves it undefined; the CPU would trap), and by -1
/// is 0 (INT_MIN % -1 traps too).
struct FModFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0)
        return 0;
      if constexpr (std::is_signed_v<T>)
        if (b == -1)
          return 0;
      return T(a % b);
    }
  }
};
/// The integer remainder with the divisor's sign (Python's %).
struct ModFn {
  template <typename T> PP_HD T operator()(T a, T b) const {
    T m = FModFn{}(a, b);
    if constexpr (std::is_signed_v<T>)
      if (m != 0 && (m < 0) != (b < 0))
        m = T(m + b);
    return m;
  }
};

//===----------------------------------------------------------------------===//
// Conversions and pow
//===----------------------------------------------------------------------===//

template <typename T>
constexpr bool isHalfFloat =
    std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

/// Converts with defined results where C++ leaves them undefined: a float
/// that is NaN or out of an integer type's range becomes 0 or the nearest
/// representable integer. 16-bit floats widen exactly to float; values
/// narrow to them from double with one rounding (to nearest even).
template <typename To, typename From> PP_HD_INLINE To convertValue(From v) {
  if constexpr (isHalfFloat<From>) {
    return convertValue<To>(widen(v));
  } else if constexpr (std::is_same_v<To, Float16>) {
    return narrowToFloat16(double(v));
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return narrowToBFloat16(double(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> &&
                       std::is_floating_point_v<From>) {
    if (std::isnan(v))
      return 0;
    if (v <= From(std::numeric_limits<To>::min()))
      return std::numeric_limits<To>::min();
    if (v >= From(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return To(v);
  } else {
    return To(v);
  }
}

/// convertValue<To> as a function object of the source type.
template <typename To> struct ConvertFn {
  template <typename From> PP_HD To operator()(From v) const {
    return convertValue<To>(v);
  }
};

/// `base ^ exponent` in the base's type. Integer bases compute in double
/// and convert back (an integer result is exact up to 2^53).
struct PowFn {
  template <typename B, typename E>
  PP_HD B operator()(B base, E exponent) const {
    if constexpr (std::is_floating_point_v<B> && std::is_same_v<B, E>)
      return std::pow(base, exponent);
    else if constexpr (std::is_floating_point_v<B>)
      return B(std::pow(double(base), double(exponent)));
    else
      return convertValue<B>(std::pow(double(base), double(exponent)));
  }
};

/// A floating-point base raised to one exponent for the whole tensor: the
/// exponents PyTorch's `pow(tensor, scalar)` computes without `pow` are
/// computed the same way, so that `x ** 2` and `x ** 3` match it exactly.
/// (The CPU runs each case as its own vectorised loop.)
template <typename T>
PP_HD_INLINE T powScalarExponent(T base, double exponent) {
  if (exponent == 2.0)
    return base * base;
  if (exponent == 3.0)
    return base * base * base;
  if (exponent == 0.5)
    return std::sqrt(base);
  if (exponent == 1.0)
    return base;
  if (exponent == -1.0)
    return T(1) / base;
  if (exponent == -2.0)
    return T(1) / (base * base);
  return std::pow(base, T(exponent));
}

//===----------------------------------------------------------------------===//
// Unary math and activations
//===----------------------------------------------------------------------===//

struct SqrtFn {
  template <typename T> PP_HD T operator()(T x) const { return std::sqrt(x); }
};
struct ErfFn {
  template <typename T> PP_HD T operator()(T x) const { return std::erf(x); }
};
struct TanhFn {
  template <typename T> PP_HD T operator()(T x) const { return mathTanh(x); }
};
struct ExpFn {
  template <typename T> PP_HD T operator()(T x) const { return mathExp(x); }
};
struct LogFn {
  template <typename T> PP_HD T operator()(T x) const { return std::log(x); }
};
struct SigmoidFn {
  template <typename T> PP_HD T operator()(T x) const { return mathSigmoid(x); }
};
/// max(x, 0), keeping NaN (as PyTorch's relu does).
struct ReluFn {
  template <typename T> PP_HD T operator()(T x) const {
    return x < T(0) ? T(0) : x;
  }
};
struct NegFn {
  template <typename T> PP_HD T operator()(T x) const { return negate(x); }
};
struct NotFn {
  PP_HD bool operator()(bool x) const { return !x; }
};
/// |x|; the most negative integer wraps to itself, unsigned ones are kept.
struct AbsFn {
  template <typename T> PP_HD T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::fabs(x);
    else if constexpr (std::is_signed_v<T>)
      return x < 0 ? negate(x) : x;
    else
      return x;
  }
};
/// -1, 0 or 1; zeros and NaN are kept (ONNX's Sign, numpy's sign).
struct SignFn {
  template <typename T> PP_HD T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      return x > T(0) ? T(1) : x < T(0) ? T(-1) : x;
    else if constexpr (std::is_signed_v<T>)
      return T((x > T(0)) - (x < T(0)));
    else
      return T(x != 0);
  }
};
struct SinFn {
  template <typename T> PP_HD T operator()(T x) const { return std::sin(x); }
};
struct CosFn {
  template <typename T> PP_HD T operator()(T x) const { return std::cos(x); }
};
struct ReciprocalFn {
  template <typename T> PP_HD T operator()(T x) const { return T(1) / x; }
};
struct FloorFn {
  template <typename T> PP_HD T operator()(T x) const { return std::floor(x); }
};
struct CeilFn {
  template <typename T> PP_HD T operator()(T x) const { return std::ceil(x); }
};
/// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large x, no
/// loss for very negative x; NaN stays NaN.
struct SoftplusFn {
  template <typename T> PP_HD T operator()(T x) const {
    return (x > T(0) ? x : T(0)) + std::log1p(mathExp(-std::fabs(x)));
  }
};
/// x * min(max(x + 3, 0), 6) / 6, operation for operation as PyTorch's
/// hardswish; NaN stays NaN.
struct HardSwishFn {
  template <typename T> PP_HD T operator()(T x) const {
    T shifted = x + T(3);
    T clamped = shifted < T(0) ? T(0) : shifted;
    clamped = T(6) < clamped ? T(6) : clamped;
    return x * clamped / T(6);
  }
};
/// PyTorch's formula, operation for operation.
struct GeluErfFn {
  template <typename T> PP_HD T operator()(T x) const {
    return x * T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
  }
};
/// 0.5 x (1 + tanh(u)) = x / (1 + e^(-2u)): one vectorised exponential
/// instead of a tanh call, and no cancellation in 1 + tanh(u) for x << 0.
struct GeluTanhFn {
  template <typename T> PP_HD T operator()(T x) const {
    T inner = T(kSqrtTwoOverPi) * (x + T(kGeluKappa) * (x * x * x));
    return x / (T(1) + mathExp(T(-2) * inner));
  }
};

/// a * b + c with two roundings, as the host computes it: nvcc would fuse
/// it into one multiply-add, whose single rounding moves the points where
/// a piecewise formula switches.
template <typename T> PP_HD_INLINE T mulThenAdd(T a, T b, T c) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fadd_rn(__fmul_rn(a, b), c);
  else
    return __dadd_rn(__dmul_rn(a, b), c);
#else
  return a * b + c;
#endif
}

/// alpha * x + beta, the value hard_sigmoid clamps to [0, 1]; its gradient
/// tests the same value, computed the same way on both backends.
template <typename T> PP_HD_INLINE T hardSigmoidLinear(T alpha, T beta, T x) {
  return mulThenAdd(alpha, x, beta);
}

/// max(0, min(1, alpha * x + beta)); NaN stays NaN.
template <typename T> struct HardSigmoidFn {
  T alpha, beta;
  PP_HD T operator()(T x) const {
    T v = hardSigmoidLinear(alpha, beta, x);
    v = v < T(0) ? T(0) : v;
    return T(1) < v ? T(1) : v;
  }
};

/// min(max(x, lo), hi); a missing bound is the type's lowest (or highest)
/// value, -inf (inf) for floats. NaN stays NaN; lo > hi gives hi.
template <typename T> struct ClipFn {
  T lo, hi;
  PP_HD T operator()(T x) const {
    T v = x < lo ? lo : x;
    return hi < v ? hi : v;
  }
};

/// What dropout makes of an element it keeps (scaled) or drops. The
/// product is computed unconditionally, which lets the CPU's loops over it
/// vectorise.
template <typename T> PP_HD_INLINE T dropoutValue(T x, bool keep, T scale) {
  const T kept = x * scale;
  return keep ? kept : T(0);
}

/// Dropout of elements [4 block, 4 block + 4) of `n`: element i is kept
/// when the counter-based draw `random.uniform(i)` is at least the ratio,
/// so with probability 1 - ratio. The draw is compared as its 32 bits
/// against `threshold` = ceil(ratio * 2^32), which is the same test; one
/// Philox block decides four elements. The CPU loops over the blocks, a GPU
/// runs one thread per block: both draw the same mask.
template <typename T>
PP_HD_INLINE void dropoutBlock(const CounterRandom &random, int64_t block,
                               int64_t n, uint64_t threshold, T scale,
                               const T *in, T *out, bool *mask) {
  const Philox4x32Block bits = random.block(uint64_t(block));
  const int64_t base = block * 4;
  const int64_t count = n - base < 4 ? n - base : 4;
  for (int64_t j = 0; j < count; ++j) {
    const bool keep = bits.v[j] >= threshold;
    mask[base + j] = keep;
    out[base + j] = keep ? in[base + j] * scale : T(0);
  }
}

//===----------------------------------------------------------------------===//
// Gradients of the activations: fn(dy, v) with v the forward's input x or
// result y.
//===----------------------------------------------------------------------===//

/// `x > 0 ? dy : 0`.
struct ReluGradFn {
  template <typename T> PP_HD T operator()(T dy, T x) const {
    return x > T(0) ? dy : T(0);
  }
};

/// dy * (Phi(x) + x * phi(x)), as PyTorch's GeluBackward computes it.
struct GeluErfGradFn {
  template <typename T> PP_HD T operator()(T dy, T x) const {
    T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
    T pdf = T(kInvSqrtTwoPi) * std::exp(x * x * T(-0.5));
    return dy * (cdf + x * pdf);
  }
};

/// The derivative of 0.5 x (1 + tanh(u)), u = k (x + c x^3), written as
/// x s(2u) with the logistic s = (1 + tanh(u)) / 2: s + 2 x s (1 - s) u'.
/// One vectorised exponential instead of a tanh call; the same value as
/// PyTorch's tanh form up to rounding.
struct GeluTanhGradFn {
  template <typename T> PP_HD T operator()(T dy, T x) const {
    T x2 = x * x;
    T inner = T(kSqrtTwoOverPi) * (x + T(kGeluKappa) * (x2 * x));
    T s = mathSigmoid(T(2) * inner);
    T innerDerivative = T(kSqrtTwoOverPi) * (T(1) + T(3) * T(kGeluKappa) * x2);
    return dy * (s + T(2) * x * s * (T(1) - s) * innerDerivative);
  }
};

/// `dy * (1 - y^2)` from tanh's result y.
struct TanhGradFn {
  template <typename T> PP_HD T operator()(T dy, T y) const {
    return dy * (T(1) - y * y);
  }
};

/// `dy * y * (1 - y)` from sigmoid's result y.
struct SigmoidGradFn {
  template <typename T> PP_HD T operator()(T dy, T y) const {
    return dy * ((T(1) - y) * y);
  }
};

/// `alpha * dy` strictly inside hard_sigmoid's linear piece, else 0, as
/// PyTorch's hardsigmoid_backward (-3 < x < 3 for alpha 1/6, beta 1/2).
template <typename T> struct HardSigmoidGradFn {
  T alpha, beta;
  PP_HD T operator()(T dy, T x) const {
    T v = hardSigmoidLinear(alpha, beta, x);
    return v > T(0) && v < T(1) ? dy * alpha : T(0);
  }
};

/// PyTorch 1.13's hardswish_backward formula (its CUDA and scalar CPU
/// kernels; its vectorised CPU loop gives dy at exactly 3): 0 below -3,
/// dy * (x / 3 + 0.5) from -3 to 3 inclusive, dy above.
struct HardSwishGradFn {
  template <typename T> PP_HD T operator()(T dy, T x) const {
    if (x < T(-3))
      return T(0);
    if (x <= T(3))
      return dy * (x / T(3) + T(0.5));
    return dy;
  }
};

/// `dy` where lo <= x <= hi, as PyTorch's clamp_backward; NaN gets 0.
template <typename T> struct ClipGradFn {
  T lo, hi;
  PP_HD T operator()(T dy, T x) const { return x >= lo && x <= hi ? dy : T(0); }
};

/// The gradient of max(a, b) (Max true) or min(a, b) with respect to a, as
/// PyTorch's maximum / minimum backward: 0 where a loses, dy / 2 where the
/// operands are equal, dy where a wins or a comparison is NaN.
template <bool Max> struct ExtremumGradFn {
  template <typename T> PP_HD T operator()(T dy, T a, T b) const {
    bool loses = Max ? a < b : b < a;
    return loses ? T(0) : a == b ? dy / T(2) : dy;
  }
};

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_ELEMENTWISEMATH_H
