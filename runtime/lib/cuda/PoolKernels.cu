//===- PoolKernels.cu - Pooling and its gradients on the device -----------===//
//
// `nn.max_pool`, `nn.average_pool`, `nn.global_average_pool`,
// `nn.max_pool_grad` and `nn.average_pool_grad`, N-d and channels first,
// with the CPU backend's semantics (runtime/lib/cpu/PoolKernels.cpp) and
// preparation (kernels/PoolPlan.h): max
// pooling follows PyTorch (pads never win, a NaN wins, the gradient goes to
// the first maximum of each window); average pooling divides by the number
// of input elements in the window, or with `count_include_pad` by the
// number of window positions inside the padded input.
//
// Where the CPU walks a table of windows made at preparation, every thread
// here computes its own window (kernels/SlidingWindow.h):
//  - forward: one thread per output element, kernel positions in row-major
//    order as the CPU visits them;
//  - gradients: one thread per input element, which sums the contributions
//    of the windows containing it in ascending output order, in the element
//    type, as the CPU's scatter adds them; no atomics, so the gradients
//    repeat bit for bit and match the CPU's. The max gradient re-runs the
//    argmax of each such window.
//  - global average pooling: one warp per (batch, channel) plane.
//
//===----------------------------------------------------------------------===//

#include "../kernels/PoolPlan.h"
#include "../kernels/SlidingWindow.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "DeviceWindow.h"
#include "FloatKernel.h"
#include "WarpRows.h"

#include <limits>

namespace pp::rt::PP_DEVICE_NS {
namespace {

using kernels::kMaxWindowRank;
using kernels::SlidingWindow;

struct DevicePoolPlan {
  SlidingWindow window;
  int64_t planes = 0; // batch x channels
  bool countIncludePad = false;
};

/// Checks and plans pooling op `op` (kernels/PoolPlan.h), its window in
/// device form.
Status planDevicePool(const KernelSpec &spec, kernels::PoolOp op,
                      DevicePoolPlan &plan) {
  kernels::PoolPlan shared;
  if (Status s = kernels::planPool(spec, op, shared))
    return s;
  if (Status s = checkWindowRank(spec, shared.window.rank(), "pools"))
    return s;
  plan.window = slidingWindow(shared.window);
  plan.planes = shared.planes;
  plan.countIncludePad = shared.countIncludePad;
  return Status::ok();
}

template <typename T> PP_HD bool isNaN(T v) { return v != v; }

/// Advances the row-major odometer k over the kernel; with `Down`, each
/// axis counts from kernel - 1 down to 0 instead.
template <bool Down>
PP_HD void nextKernelPosition(const SlidingWindow &w, int64_t *k) {
  for (int d = w.rank - 1; d >= 0; --d) {
    if (Down) {
      if (--k[d] >= 0)
        return;
      k[d] = w.kernel[d] - 1;
    } else {
      if (++k[d] < w.kernel[d])
        return;
      k[d] = 0;
    }
  }
}

/// The in-plane offset of the first maximum of the window at output
/// coordinates o (a NaN wins), or -1 for a window of padding alone.
template <typename T>
PP_HD int64_t argMax(const SlidingWindow &w, const T *plane, const int64_t *o) {
  int64_t k[kMaxWindowRank] = {};
  int64_t best = -1;
  T value = T(0);
  for (int64_t kk = 0; kk < w.kernelSize; ++kk) {
    bool inside = true;
    int64_t offset = 0;
    for (int d = 0; d < w.rank; ++d) {
      int64_t i = w.inputAt(d, o[d], k[d]);
      inside = inside && i >= 0 && i < w.in[d];
      offset = offset * w.in[d] + i;
    }
    if (inside) {
      T v = plane[offset];
      if (best < 0 || v > value || isNaN(v)) {
        best = offset;
        value = v;
      }
    }
    nextKernelPosition<false>(w, k);
  }
  return best;
}

/// 1 / the divisor of the average window at output coordinates o.
PP_HD double averageScale(const SlidingWindow &w, bool countIncludePad,
                          const int64_t *o) {
  double count = 1;
  for (int d = 0; d < w.rank; ++d) {
    int64_t n = 0;
    for (int64_t k = 0; k < w.kernel[d]; ++k) {
      int64_t i = w.inputAt(d, o[d], k);
      n += countIncludePad ? (i >= -w.padBegin[d] && i < w.in[d] + w.padEnd[d])
                           : (i >= 0 && i < w.in[d]);
    }
    count *= double(n);
  }
  return 1.0 / count;
}

template <typename T> struct MaxPoolFn {
  const T *x;
  T *y;
  SlidingWindow w;
  PP_HD void operator()(int64_t idx) const {
    int64_t plane = idx / w.outSize, p = idx - plane * w.outSize;
    int64_t o[kMaxWindowRank];
    w.coordinates(p, w.out, o);
    const T *xp = x + plane * w.inSize;
    int64_t best = argMax(w, xp, o);
    y[idx] = best < 0 ? -std::numeric_limits<T>::infinity() : xp[best];
  }
};

template <typename T> struct AveragePoolFn {
  const T *x;
  T *y;
  SlidingWindow w;
  bool countIncludePad;
  PP_HD void operator()(int64_t idx) const {
    int64_t plane = idx / w.outSize, p = idx - plane * w.outSize;
    int64_t o[kMaxWindowRank], k[kMaxWindowRank] = {};
    w.coordinates(p, w.out, o);
    const T *xp = x + plane * w.inSize;
    double sum = 0;
    for (int64_t kk = 0; kk < w.kernelSize; ++kk) {
      bool inside = true;
      int64_t offset = 0;
      for (int d = 0; d < w.rank; ++d) {
        int64_t i = w.inputAt(d, o[d], k[d]);
        inside = inside && i >= 0 && i < w.in[d];
        offset = offset * w.in[d] + i;
      }
      if (inside)
        sum += double(xp[offset]);
      nextKernelPosition<false>(w, k);
    }
    y[idx] = T(sum * averageScale(w, countIncludePad, o));
  }
};

/// Calls visit(o, output position) for every output window that contains
/// input coordinates q, in ascending output order.
template <typename Visit>
PP_HD void forEachWindowOf(const SlidingWindow &w, const int64_t *q,
                           const Visit &visit) {
  int64_t k[kMaxWindowRank], o[kMaxWindowRank];
  for (int d = 0; d < w.rank; ++d)
    k[d] = w.kernel[d] - 1;
  // Along each axis the output coordinate grows as the kernel position
  // falls, so a descending odometer visits windows in ascending order.
  for (int64_t kk = 0; kk < w.kernelSize; ++kk) {
    bool valid = true;
    for (int d = 0; d < w.rank && valid; ++d) {
      int64_t t = q[d] + w.padBegin[d] - k[d] * w.dilation[d];
      valid = t >= 0 && t % w.stride[d] == 0 && t / w.stride[d] < w.out[d];
      o[d] = valid ? t / w.stride[d] : 0;
    }
    if (valid)
      visit(o, w.position(o, w.out));
    nextKernelPosition<true>(w, k);
  }
}

template <typename T> struct AveragePoolGradFn {
  const T *dy;
  T *dx;
  SlidingWindow w;
  bool countIncludePad;
  PP_HD void operator()(int64_t idx) const {
    int64_t plane = idx / w.inSize, p = idx - plane * w.inSize;
    int64_t q[kMaxWindowRank];
    w.coordinates(p, w.in, q);
    const T *dyp = dy + plane * w.outSize;
    const SlidingWindow &win = w;
    bool includePad = countIncludePad;
    T acc = T(0);
    forEachWindowOf(w, q, [&](const int64_t *o, int64_t out) {
      acc += T(double(dyp[out]) * averageScale(win, includePad, o));
    });
    dx[idx] = acc;
  }
};

template <typename T> struct MaxPoolGradFn {
  const T *dy, *x;
  T *dx;
  SlidingWindow w;
  PP_HD void operator()(int64_t idx) const {
    int64_t plane = idx / w.inSize, p = idx - plane * w.inSize;
    int64_t q[kMaxWindowRank];
    w.coordinates(p, w.in, q);
    const T *dyp = dy + plane * w.outSize, *xp = x + plane * w.inSize;
    const SlidingWindow &win = w;
    T acc = T(0);
    forEachWindowOf(w, q, [&](const int64_t *o, int64_t out) {
      if (argMax(win, xp, o) == p)
        acc += dyp[out];
    });
    dx[idx] = acc;
  }
};

template <typename T, bool Average>
Status makePool(const KernelSpec &spec, KernelFn &out) {
  DevicePoolPlan plan;
  if (Status s = planDevicePool(spec,
                                Average ? kernels::PoolOp::AveragePool
                                        : kernels::PoolOp::MaxPool,
                                plan))
    return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>();
    T *y = outputs[0]->data<T>();
    int64_t n = plan.planes * plan.window.outSize;
    if constexpr (Average)
      forEach(ctx, n,
              AveragePoolFn<T>{x, y, plan.window, plan.countIncludePad});
    else
      forEach(ctx, n, MaxPoolFn<T>{x, y, plan.window});
  };
  return Status::ok();
}

template <typename T>
Status makeMaxPoolGrad(const KernelSpec &spec, KernelFn &out) {
  DevicePoolPlan plan;
  if (Status s = planDevicePool(spec, kernels::PoolOp::MaxPoolGrad, plan))
    return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    forEach(ctx, plan.planes * plan.window.inSize,
            MaxPoolGradFn<T>{inputs[0]->data<T>(), inputs[1]->data<T>(),
                             outputs[0]->data<T>(), plan.window});
  };
  return Status::ok();
}

template <typename T>
Status makeAveragePoolGrad(const KernelSpec &spec, KernelFn &out) {
  DevicePoolPlan plan;
  if (Status s = planDevicePool(spec, kernels::PoolOp::AveragePoolGrad, plan))
    return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    forEach(ctx, plan.planes * plan.window.inSize,
            AveragePoolGradFn<T>{inputs[0]->data<T>(), outputs[0]->data<T>(),
                                 plan.window, plan.countIncludePad});
  };
  return Status::ok();
}

template <typename T> struct GlobalAveragePoolFn {
  const T *x;
  T *y;
  int64_t size;
  PP_HD void operator()(int64_t plane, const Lanes &lanes) const {
    const T *xp = x + plane * size;
    double sum = 0;
    for (int64_t i = lanes.lane; i < size; i += lanes.count)
      sum += double(xp[i]);
    sum = lanes.reduce(sum, SumOp());
    if (lanes.lane == 0)
      y[plane] = T(sum / double(size));
  }
};

template <typename T>
Status makeGlobalAveragePool(const KernelSpec &spec, KernelFn &out) {
  kernels::GlobalPoolPlan plan;
  if (Status s = kernels::planGlobalAveragePool(spec, plan))
    return s;
  const int64_t planes = plan.planes, size = plan.size;
  out = [planes, size](KernelContext &ctx, const Tensor *const *inputs,
                       Tensor *const *outputs) {
    forEachRow(ctx, planes,
               GlobalAveragePoolFn<T>{inputs[0]->data<T>(),
                                      outputs[0]->data<T>(), size});
  };
  return Status::ok();
}

} // namespace

void registerPoolKernels(KernelRegistry &registry) {
  registry.add("nn.max_pool", Backend::CUDA,
               floatKernel<makePool<float, /*Average=*/false>,
                           makePool<double, /*Average=*/false>>);
  registry.add("nn.average_pool", Backend::CUDA,
               floatKernel<makePool<float, /*Average=*/true>,
                           makePool<double, /*Average=*/true>>);
  registry.add(
      "nn.global_average_pool", Backend::CUDA,
      floatKernel<makeGlobalAveragePool<float>, makeGlobalAveragePool<double>>);
  registry.add("nn.max_pool_grad", Backend::CUDA,
               floatKernel<makeMaxPoolGrad<float>, makeMaxPoolGrad<double>>);
  registry.add(
      "nn.average_pool_grad", Backend::CUDA,
      floatKernel<makeAveragePoolGrad<float>, makeAveragePoolGrad<double>>);
}

} // namespace pp::rt::PP_DEVICE_NS
