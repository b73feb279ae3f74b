//===- RowReductions.h - Sums, dot products and maxima of rows --*- C++ -*-===//
//
// Reductions of one contiguous row, used by softmax, cross-entropy and the
// reduction kernels. Sums accumulate in double (F32 rows gain accuracy at
// little cost) in eight independent partial sums, so that the compiler
// vectorises the loop without reassociating floating-point additions on its
// own.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_ROWREDUCTIONS_H
#define PP_RUNTIME_CPU_ROWREDUCTIONS_H

#include "FastMath.h"

#include <cstdint>

namespace pp::rt::cpu {

constexpr int kRowLanes = 8;

inline double combineLanes(const double (&acc)[kRowLanes], double tail) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
         ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

/// Sum of a[0..n) in double.
template <typename T> double sumRow(const T *a, int64_t n) {
  double acc[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes)
    for (int k = 0; k < kRowLanes; ++k)
      acc[k] += double(a[i + k]);
  double tail = 0.0;
  for (; i < n; ++i)
    tail += double(a[i]);
  return combineLanes(acc, tail);
}

/// Sum of a[i] * b[i] over [0, n) in double.
template <typename T> double dotRow(const T *a, const T *b, int64_t n) {
  double acc[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes)
    for (int k = 0; k < kRowLanes; ++k)
      acc[k] += double(a[i + k]) * double(b[i + k]);
  double tail = 0.0;
  for (; i < n; ++i)
    tail += double(a[i]) * double(b[i]);
  return combineLanes(acc, tail);
}

/// Sum of exp(a[i] - shift) over [0, n) in double, each exponential in T
/// (FastMath.h).
template <typename T> double sumExpRow(const T *a, T shift, int64_t n) {
  double acc[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes)
    for (int k = 0; k < kRowLanes; ++k)
      acc[k] += double(expOf(a[i + k] - shift));
  double tail = 0.0;
  for (; i < n; ++i)
    tail += double(expOf(a[i] - shift));
  return combineLanes(acc, tail);
}

/// Largest of a[0..n), n >= 1 (NaN elements are skipped unless a[0] is NaN;
/// callers that exponentiate `a - max` propagate a NaN through the sum).
template <typename T> T maxRow(const T *a, int64_t n) {
  T acc[kRowLanes];
  for (int k = 0; k < kRowLanes; ++k)
    acc[k] = a[0];
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes)
    for (int k = 0; k < kRowLanes; ++k)
      acc[k] = a[i + k] > acc[k] ? a[i + k] : acc[k];
  T m = acc[0];
  for (int k = 1; k < kRowLanes; ++k)
    m = acc[k] > m ? acc[k] : m;
  for (; i < n; ++i)
    m = a[i] > m ? a[i] : m;
  return m;
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_ROWREDUCTIONS_H
