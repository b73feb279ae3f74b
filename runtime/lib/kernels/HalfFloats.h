//===- HalfFloats.h - IEEE half and bfloat16 elements -----------*- C++ -*-===//
//
// 16-bit float elements as the kernels store them (the raw bits), and
// their conversions: widening to float is exact; narrowing from double
// rounds to nearest, ties to even, as numpy's astype and PyTorch do (values
// beyond the largest finite one become infinities, NaN stays NaN). Only
// `cast` computes with them; movement kernels copy them as 2-byte elements.
//
// The conversions are `PP_HD`: the CPU's cast and the CUDA backend's run
// these very functions, so both round alike. They use only what CUDA's
// device math library also provides (frexp, ldexp, nearbyint, memcpy).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_HALFFLOATS_H
#define PP_RUNTIME_KERNELS_HALFFLOATS_H

#include "HostDevice.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace pp::rt::kernels {

/// An IEEE 754 binary16 element.
struct Float16 {
  uint16_t bits;
};

/// A bfloat16 element: the upper half of a binary32.
struct BFloat16 {
  uint16_t bits;
};

/// The binary16 value of `bits`, exactly, as a float.
PP_HD_INLINE float widen(Float16 h) {
  const uint32_t sign = uint32_t(h.bits & 0x8000u) << 16;
  const uint32_t exponent = (h.bits >> 10) & 0x1Fu;
  const uint32_t mantissa = h.bits & 0x3FFu;
  float magnitude;
  if (exponent == 0) // zero or subnormal: mantissa * 2^-24, exact
    magnitude = std::ldexp(float(mantissa), -24);
  else if (exponent == 31) // infinity or NaN
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(float(mantissa | 0x400u), int(exponent) - 25);
  uint32_t bits;
  std::memcpy(&bits, &magnitude, sizeof bits);
  bits |= sign;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

/// The bfloat16 value of `bits`, exactly, as a float.
PP_HD_INLINE float widen(BFloat16 b) {
  const uint32_t bits = uint32_t(b.bits) << 16;
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

/// Rounds the magnitude `a` (finite, >= 0) to `mantissaBits` bits after the
/// leading one, ties to even, for a format whose smallest normal exponent
/// is `minExponent`; returns the (exponent field, mantissa) bits with
/// `exponentBias`, which overflow into the infinity pattern when the
/// rounded value is too large. Every step is exact in double, except the
/// single rounding by nearbyint (round-to-nearest-even mode).
PP_HD_INLINE uint32_t roundMagnitude(double a, int mantissaBits,
                                     int minExponent, int exponentBias) {
  int exponent;
  std::frexp(a, &exponent); // a = f * 2^exponent, f in [0.5, 1)
  exponent -= 1;            // a = g * 2^exponent, g in [1, 2)
  if (exponent < minExponent)
    exponent = minExponent; // subnormal: a fixed scale
  const double scaled = std::ldexp(a, mantissaBits - exponent);
  // scaled < 2^(mantissaBits + 1); for normals it holds the leading one,
  // which carries into the exponent field when the rounding carries.
  const uint32_t units = uint32_t(std::nearbyint(scaled));
  const uint32_t field = uint32_t(exponent + exponentBias - 1);
  const bool normal = a >= std::ldexp(1.0, minExponent);
  return normal ? (field << mantissaBits) + units : units;
}

PP_HD_INLINE Float16 narrowToFloat16(double v) {
  const uint16_t sign = std::signbit(v) ? 0x8000u : 0;
  if (std::isnan(v))
    return {uint16_t(sign | 0x7E00u)};
  const double a = std::fabs(v);
  if (a >= 65520.0) // halfway between 65504 and 2^16 rounds up to inf
    return {uint16_t(sign | 0x7C00u)};
  return {uint16_t(sign | roundMagnitude(a, 10, -14, 15))};
}

PP_HD_INLINE BFloat16 narrowToBFloat16(double v) {
  const uint16_t sign = std::signbit(v) ? 0x8000u : 0;
  if (std::isnan(v))
    return {uint16_t(sign | 0x7FC0u)};
  const double a = std::fabs(v);
  // Halfway between the largest finite bfloat16 and 2^128.
  if (a >= std::ldexp(255.5, 120))
    return {uint16_t(sign | 0x7F80u)};
  return {uint16_t(sign | roundMagnitude(a, 7, -126, 127))};
}

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_HALFFLOATS_H
