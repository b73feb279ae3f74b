//===- OptimizerMath.h - Per-element optimizer updates ----------*- C++ -*-===//
//
// The element formulas of pp.sgd_update and pp.adamw_update, written once
// for the CPU kernels (runtime/lib/cpu/OptimizerKernels.cpp) and the CUDA
// kernels (runtime/lib/cuda/OptimizerKernels.cu), so that both backends
// update a parameter bit for bit alike.
//
// Bit-identical results need more than the same expression: nvcc contracts
// a * b + c into one fused multiply-add by default (-fmad=true), which
// rounds once where the host rounds twice. The operations below therefore
// go through mul/add/div/sqrt helpers that, in device code, are the
// round-to-nearest intrinsics nvcc never contracts; on the host they are
// the plain operators (the runtime is built without FMA instructions, so
// the host compiler contracts nothing either).
//
// The scalars of a step (bias corrections, step sizes) are computed on the
// host in double as Python computes them for torch.optim, then rounded to
// the parameter's element type.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_OPTIMIZERMATH_H
#define PP_RUNTIME_KERNELS_OPTIMIZERMATH_H

#include "HostDevice.h"

#include <cmath>
#include <cstdint>

namespace pp::rt::kernels {

//===----------------------------------------------------------------------===//
// Operations rounded once each, on either side
//===----------------------------------------------------------------------===//

PP_HD_INLINE float mulRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
PP_HD_INLINE double mulRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
PP_HD_INLINE float addRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
PP_HD_INLINE double addRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
PP_HD_INLINE float subRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
PP_HD_INLINE double subRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
PP_HD_INLINE float divRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
PP_HD_INLINE double divRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}
PP_HD_INLINE float sqrtRn(float a) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}
PP_HD_INLINE double sqrtRn(double a) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

//===----------------------------------------------------------------------===//
// SGD (torch.optim.SGD: dampening 0, no Nesterov)
//===----------------------------------------------------------------------===//

/// The hyperparameters of an SGD step in the parameter's element type.
template <typename T> struct SgdScalars { T lr, weightDecay, momentum; };

template <typename T>
inline SgdScalars<T> sgdScalars(double lr, double momentum,
                                double weightDecay) {
  return {T(lr), T(weightDecay), T(momentum)};
}

/// One element of an SGD step. `HasBuffer`: with a momentum buffer `buf`
/// (ignored otherwise); `First`: the first step, whose buffer is the
/// gradient itself; `Decay`: with weight decay. Without weight decay the
/// weight is not read into the step at all, as in torch.optim.SGD: 0 * p
/// would turn an infinite weight into NaN.
template <bool HasBuffer, bool First, bool Decay, typename T>
PP_HD_INLINE void sgdElement(const SgdScalars<T> &s, T &p, T g, T &buf) {
  T d = Decay ? addRn(g, mulRn(s.weightDecay, p)) : g;
  if (HasBuffer) {
    buf = First ? d : addRn(mulRn(buf, s.momentum), d);
    d = buf;
  }
  p = subRn(p, mulRn(s.lr, d));
}

//===----------------------------------------------------------------------===//
// AdamW (torch.optim.AdamW, no amsgrad)
//===----------------------------------------------------------------------===//

/// The scalars of AdamW step `step` (1-based) in the element type.
template <typename T> struct AdamWScalars {
  T stepSize, biasCorrection2Sqrt, decay;
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps;
};

template <typename T>
inline AdamWScalars<T> adamwScalars(double lr, double beta1, double beta2,
                                    double eps, double weightDecay,
                                    int64_t step) {
  double t = double(step);
  double biasCorrection1 = 1 - std::pow(beta1, t);
  double biasCorrection2 = 1 - std::pow(beta2, t);
  AdamWScalars<T> s;
  s.stepSize = T(lr / biasCorrection1);
  s.biasCorrection2Sqrt = T(std::sqrt(biasCorrection2));
  s.decay = T(1 - lr * weightDecay);
  s.beta1 = T(beta1);
  s.oneMinusBeta1 = T(1 - beta1);
  s.beta2 = T(beta2);
  s.oneMinusBeta2 = T(1 - beta2);
  s.eps = T(eps);
  return s;
}

/// One element of an AdamW step, operation by operation as torch.optim's
/// single-tensor implementation: decoupled weight decay, the moments, then
/// p += -step_size * m / (sqrt(v) / sqrt(bias_correction2) + eps).
template <typename T>
PP_HD_INLINE void adamwElement(const AdamWScalars<T> &s, T &p, T g, T &m,
                               T &v) {
  p = mulRn(p, s.decay);
  m = addRn(mulRn(m, s.beta1), mulRn(s.oneMinusBeta1, g));
  v = addRn(mulRn(v, s.beta2), mulRn(s.oneMinusBeta2, mulRn(g, g)));
  T denom = addRn(divRn(sqrtRn(v), s.biasCorrection2Sqrt), s.eps);
  p = addRn(p, divRn(mulRn(-s.stepSize, m), denom));
}

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_OPTIMIZERMATH_H
