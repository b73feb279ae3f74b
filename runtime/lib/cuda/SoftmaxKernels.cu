//===- SoftmaxKernels.cu - Softmax and its gradients on CUDA --------------===//
//
// softmax, log_softmax, softmax_grad and log_softmax_grad along any axis,
// with the CPU backend's numerics (runtime/lib/cpu/SoftmaxKernels.cpp):
// each row's maximum is subtracted before exponentiating, and the sums
// accumulate in double.
//
// Along the last axis (attention, classifiers) one warp handles a row
// (forEachRow): its lanes stride the row for the maximum, again for the sum
// of exponentials, and once more to write, so every read of a warp is
// coalesced and a row never leaves its warp. Along any other axis the
// tensor is [outer, n, inner] and one thread owns a line (outer, inner),
// walking the axis with stride `inner`: neighbouring threads read
// neighbouring elements. Both orders of summation are fixed, so a result
// repeats bit for bit.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/SoftmaxPlan.h's, shared with the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/SoftmaxPlan.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "FloatDispatch.h"
#include "WarpRows.h"

#include <math.h>

namespace pp::rt::PP_DEVICE_NS {
namespace {

//===----------------------------------------------------------------------===//
// Forward
//===----------------------------------------------------------------------===//

/// softmax (log_softmax when Log) of each row of n contiguous elements.
template <bool Log, typename T> struct SoftmaxRows {
  const T *x;
  T *y;
  int64_t n;

  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *xr = x + row * n;
    T *yr = y + row * n;
    const T m = rowMax(xr, n, lanes);
    const double sum = rowSumExp(xr, m, n, lanes);
    if (Log) {
      const T logSum = T(log(sum));
      for (int64_t j = lanes.lane; j < n; j += lanes.count)
        yr[j] = (xr[j] - m) - logSum;
    } else {
      const T scale = T(1.0 / sum);
      for (int64_t j = lanes.lane; j < n; j += lanes.count)
        yr[j] = expOf(T(xr[j] - m)) * scale;
    }
  }
};

/// The same along the middle axis of [outer, n, inner]: one thread per
/// line (o, j), lines numbered o * inner + j.
template <bool Log, typename T> struct SoftmaxLines {
  const T *x;
  T *y;
  int64_t n, inner;

  PP_HD void operator()(int64_t line) const {
    const int64_t o = line / inner, j = line % inner;
    const T *xl = x + o * n * inner + j;
    T *yl = y + o * n * inner + j;
    T m = xl[0];
    for (int64_t k = 1; k < n; ++k)
      m = xl[k * inner] > m ? xl[k * inner] : m;
    double sum = 0.0;
    for (int64_t k = 0; k < n; ++k)
      sum += double(expOf(T(xl[k * inner] - m)));
    if (Log) {
      const T logSum = T(log(sum));
      for (int64_t k = 0; k < n; ++k)
        yl[k * inner] = (xl[k * inner] - m) - logSum;
    } else {
      const T scale = T(1.0 / sum);
      for (int64_t k = 0; k < n; ++k)
        yl[k * inner] = expOf(T(xl[k * inner] - m)) * scale;
    }
  }
};

//===----------------------------------------------------------------------===//
// Gradients
//===----------------------------------------------------------------------===//

/// softmax_grad: dx = y * (dy - sum(dy * y)); log_softmax_grad:
/// dx = dy - exp(y) * sum(dy); the sum along each row.
template <bool Log, typename T> struct SoftmaxGradRows {
  const T *dy, *y;
  T *dx;
  int64_t n;

  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *g = dy + row * n, *yr = y + row * n;
    T *d = dx + row * n;
    double sum = 0.0;
    for (int64_t j = lanes.lane; j < n; j += lanes.count)
      sum += Log ? double(g[j]) : double(g[j]) * double(yr[j]);
    const T s = T(lanes.reduce(sum, SumOp()));
    for (int64_t j = lanes.lane; j < n; j += lanes.count)
      d[j] = Log ? g[j] - expOf(yr[j]) * s : yr[j] * (g[j] - s);
  }
};

/// The same along the middle axis of [outer, n, inner], a line per thread.
template <bool Log, typename T> struct SoftmaxGradLines {
  const T *dy, *y;
  T *dx;
  int64_t n, inner;

  PP_HD void operator()(int64_t line) const {
    const int64_t at = (line / inner) * n * inner + line % inner;
    const T *g = dy + at, *yl = y + at;
    T *d = dx + at;
    double sum = 0.0;
    for (int64_t k = 0; k < n; ++k)
      sum += Log ? double(g[k * inner])
                 : double(g[k * inner]) * double(yl[k * inner]);
    const T s = T(sum);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = k * inner;
      d[i] = Log ? g[i] - expOf(yl[i]) * s : yl[i] * (g[i] - s);
    }
  }
};

//===----------------------------------------------------------------------===//
// Factories
//===----------------------------------------------------------------------===//

/// softmax or log_softmax (operand x), or with `Grad` their gradient
/// (operands dy and the forward result y).
template <bool Log, bool Grad>
Status makeSoftmax(const KernelSpec &spec, KernelFn &out) {
  cpu::AxisLayout l;
  if (Status s = kernels::planSoftmax(spec, Grad, l))
    return s;
  return dispatchFloat(spec, spec.inputs[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    if (l.n == 0) { // nothing to write
      out = [](KernelContext &, const Tensor *const *, Tensor *const *) {};
      return Status::ok();
    }
    out = [l](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
      T *y = res[0]->data<T>();
      if constexpr (Grad) {
        const T *dy = in[0]->data<T>(), *fy = in[1]->data<T>();
        if (l.inner == 1)
          forEachRow(ctx, l.outer, SoftmaxGradRows<Log, T>{dy, fy, y, l.n});
        else
          forEach(ctx, l.outer * l.inner,
                  SoftmaxGradLines<Log, T>{dy, fy, y, l.n, l.inner});
      } else {
        const T *x = in[0]->data<T>();
        if (l.inner == 1)
          forEachRow(ctx, l.outer, SoftmaxRows<Log, T>{x, y, l.n});
        else
          forEach(ctx, l.outer * l.inner,
                  SoftmaxLines<Log, T>{x, y, l.n, l.inner});
      }
    };
    return Status::ok();
  });
}

} // namespace

void registerSoftmaxKernels(KernelRegistry &registry) {
  registry.add("nn.softmax", Backend::CUDA,
               makeSoftmax</*Log=*/false, /*Grad=*/false>);
  registry.add("nn.log_softmax", Backend::CUDA,
               makeSoftmax</*Log=*/true, /*Grad=*/false>);
  registry.add("nn.softmax_grad", Backend::CUDA,
               makeSoftmax</*Log=*/false, /*Grad=*/true>);
  registry.add("nn.log_softmax_grad", Backend::CUDA,
               makeSoftmax</*Log=*/true, /*Grad=*/true>);
}

} // namespace pp::rt::PP_DEVICE_NS
