//===- SoftmaxKernels.cpp - Softmax, log-softmax and their gradients ------===//
//
// softmax and log_softmax along `axis`, stabilised by subtracting each
// row's maximum, with sums accumulated in double; softmax_grad and
// log_softmax_grad from the forward result (docs/Training.md). The last
// axis (attention, classifiers) runs row by row; any other axis processes a
// [n, inner] block at a time, reading contiguous runs of `inner` elements.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/SoftmaxPlan.h's, shared with the CUDA backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/SoftmaxPlan.h"
#include "CpuKernels.h"
#include "FastMath.h"
#include "RowReductions.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cpu;

namespace {

/// Scratch space of the non-last-axis paths, one element per inner index:
/// the context's scratch slots 0 and 1 for the duration of a call.
template <typename T> struct InnerScratch {
  InnerScratch(KernelContext &ctx, int64_t inner)
      : values(static_cast<T *>(ctx.scratch(0, size_t(inner) * sizeof(T)))),
        sums(static_cast<double *>(
            ctx.scratch(1, size_t(inner) * sizeof(double)))) {}
  T *values;
  double *sums;
};

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

/// softmax (or log_softmax when Log) of each row of n elements.
template <bool Log, typename T>
void softmaxRows(const T *x, T *y, int64_t rows, int64_t n) {
  if (n == 0)
    return;
  for (int64_t r = 0; r < rows; ++r) {
    const T *xr = x + r * n;
    T *yr = y + r * n;
    const T m = maxRow(xr, n);
    for (int64_t i = 0; i < n; ++i)
      yr[i] = expOf(xr[i] - m);
    const double sum = sumRow(yr, n);
    if constexpr (Log) {
      const T logSum = T(std::log(sum));
      for (int64_t i = 0; i < n; ++i)
        yr[i] = (xr[i] - m) - logSum;
    } else {
      const T scale = T(1.0 / sum);
      for (int64_t i = 0; i < n; ++i)
        yr[i] *= scale;
    }
  }
}

/// softmax (or log_softmax) along the middle axis of [outer, n, inner].
template <bool Log, typename T>
void softmaxBlocks(const T *x, T *y, const AxisLayout &l,
                   const InnerScratch<T> &scratch) {
  const int64_t n = l.n, inner = l.inner;
  if (n == 0)
    return;
  T *m = scratch.values;
  double *sum = scratch.sums;
  for (int64_t o = 0; o < l.outer; ++o) {
    const T *xb = x + o * n * inner;
    T *yb = y + o * n * inner;
    for (int64_t j = 0; j < inner; ++j) {
      m[j] = xb[j];
      sum[j] = 0.0;
    }
    for (int64_t k = 1; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j)
        m[j] = xb[k * inner + j] > m[j] ? xb[k * inner + j] : m[j];
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) {
        T e = expOf(xb[k * inner + j] - m[j]);
        yb[k * inner + j] = e;
        sum[j] += double(e);
      }
    for (int64_t j = 0; j < inner; ++j)
      sum[j] = Log ? std::log(sum[j]) : 1.0 / sum[j];
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) {
        T &v = yb[k * inner + j];
        if constexpr (Log)
          v = (xb[k * inner + j] - m[j]) - T(sum[j]);
        else
          v *= T(sum[j]);
      }
  }
}

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

/// softmax_grad: dx = y * (dy - sum(dy * y)); log_softmax_grad:
/// dx = dy - exp(y) * sum(dy); sums along each row of n elements.
template <bool Log, typename T>
void softmaxGradRows(const T *dy, const T *y, T *dx, int64_t rows, int64_t n) {
  for (int64_t r = 0; r < rows; ++r) {
    const T *g = dy + r * n, *yr = y + r * n;
    T *d = dx + r * n;
    if constexpr (Log) {
      const T s = T(sumRow(g, n));
      for (int64_t i = 0; i < n; ++i)
        d[i] = g[i] - expOf(yr[i]) * s;
    } else {
      const T s = T(dotRow(g, yr, n));
      for (int64_t i = 0; i < n; ++i)
        d[i] = yr[i] * (g[i] - s);
    }
  }
}

/// The same along the middle axis of [outer, n, inner].
template <bool Log, typename T>
void softmaxGradBlocks(const T *dy, const T *y, T *dx, const AxisLayout &l,
                       const InnerScratch<T> &scratch) {
  const int64_t n = l.n, inner = l.inner;
  double *sum = scratch.sums;
  T *s = scratch.values;
  for (int64_t o = 0; o < l.outer; ++o) {
    const int64_t base = o * n * inner;
    const T *g = dy + base, *yb = y + base;
    T *d = dx + base;
    for (int64_t j = 0; j < inner; ++j)
      sum[j] = 0.0;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j)
        sum[j] += Log ? double(g[k * inner + j])
                      : double(g[k * inner + j]) * double(yb[k * inner + j]);
    for (int64_t j = 0; j < inner; ++j)
      s[j] = T(sum[j]);
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < inner; ++j) {
        const int64_t i = k * inner + j;
        if constexpr (Log)
          d[i] = g[i] - expOf(yb[i]) * s[j];
        else
          d[i] = yb[i] * (g[i] - s[j]);
      }
  }
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

/// softmax or log_softmax (operand x), or with `Grad` their gradient
/// (operands dy and the forward result y): row by row along the last axis,
/// by blocks along any other.
template <bool Log, bool Grad>
Status makeSoftmax(const KernelSpec &spec, KernelFn &out) {
  AxisLayout l;
  if (Status s = kernels::planSoftmax(spec, Grad, l))
    return s;
  return dispatchType(
      FloatTypes{}, spec, Grad ? "dy" : "operand", spec.inputs[0].dtype,
      [&](auto tag) {
        using T = typename decltype(tag)::type;
        if (l.inner == 1) {
          out = [l](KernelContext &, const Tensor *const *in,
                    Tensor *const *res) {
            if constexpr (Grad)
              softmaxGradRows<Log>(in[0]->data<T>(), in[1]->data<T>(),
                                   res[0]->data<T>(), l.outer, l.n);
            else
              softmaxRows<Log>(in[0]->data<T>(), res[0]->data<T>(), l.outer,
                               l.n);
          };
          return Status::ok();
        }
        out = [l](KernelContext &ctx, const Tensor *const *in,
                  Tensor *const *res) {
          InnerScratch<T> scratch(ctx, l.inner);
          if constexpr (Grad)
            softmaxGradBlocks<Log>(in[0]->data<T>(), in[1]->data<T>(),
                                   res[0]->data<T>(), l, scratch);
          else
            softmaxBlocks<Log>(in[0]->data<T>(), res[0]->data<T>(), l, scratch);
        };
        return Status::ok();
      });
}

} // namespace

void pp::rt::cpu::registerSoftmaxKernels(KernelRegistry &registry) {
  registry.add("nn.softmax", Backend::CPU,
               makeSoftmax</*Log=*/false, /*Grad=*/false>);
  registry.add("nn.log_softmax", Backend::CPU,
               makeSoftmax</*Log=*/true, /*Grad=*/false>);
  registry.add("nn.softmax_grad", Backend::CPU,
               makeSoftmax</*Log=*/false, /*Grad=*/true>);
  registry.add("nn.log_softmax_grad", Backend::CPU,
               makeSoftmax</*Log=*/true, /*Grad=*/true>);
}
