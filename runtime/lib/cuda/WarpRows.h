//===- WarpRows.h - Row reductions of one warp in CUDA kernels --*- C++ -*-===//
//
// What the CUDA backend's softmax, loss and reduction kernels combine
// across the lanes of a row (forEachRow, DeviceLaunch.h): the maximum and
// sum operators, exp in the element's precision, and a row's maximum and
// sum of exponentials, with the CPU backend's numerics (sums in double,
// each exponential in the element type).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_WARPROWS_H
#define PP_RUNTIME_CUDA_WARPROWS_H

#include "DeviceLaunch.h"

#include <cstdint>
#include <math.h>

namespace pp::rt::PP_DEVICE_NS {

PP_HD_INLINE float expOf(float x) { return expf(x); }
PP_HD_INLINE double expOf(double x) { return exp(x); }

struct MaxOp {
  template <typename T> PP_HD T operator()(T a, T b) const {
    return b > a ? b : a;
  }
};
struct SumOp {
  template <typename T> PP_HD T operator()(T a, T b) const { return a + b; }
};

/// The largest element of a row (-inf for none), combined over its lanes.
template <typename T>
PP_HD_INLINE T rowMax(const T *row, int64_t n, const Lanes &lanes) {
  T m = T(-INFINITY);
  for (int64_t j = lanes.lane; j < n; j += lanes.count)
    m = row[j] > m ? row[j] : m;
  return lanes.reduce(m, MaxOp());
}

/// sum(exp(row - m)) in double, each exponential in T, over the lanes.
template <typename T>
PP_HD_INLINE double rowSumExp(const T *row, T m, int64_t n,
                              const Lanes &lanes) {
  double sum = 0.0;
  for (int64_t j = lanes.lane; j < n; j += lanes.count)
    sum += double(expOf(T(row[j] - m)));
  return lanes.reduce(sum, SumOp());
}

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_WARPROWS_H
