//===- PoolKernels.cpp - Pooling and its gradients on the CPU -------------===//
//
// `nn.max_pool`, `nn.average_pool`, `nn.global_average_pool`,
// `nn.max_pool_grad` and `nn.average_pool_grad`, N-d and channels first.
// After the checks both backends share (kernels/PoolPlan.h), preparation
// lists, for every output position, the in-plane offsets of the
// input elements its window covers (padding excluded, kernel positions in
// row-major order) and, for average pooling, the reciprocal of its divisor;
// every (batch, channel) plane then runs over that table.
//
// Max pooling follows PyTorch: pads never win, a NaN wins, and the gradient
// goes to the first maximum of each window. Average pooling divides by the
// number of input elements in the window, or with `count_include_pad` by
// the number of window positions inside the padded input.
//
//===----------------------------------------------------------------------===//

#include "../kernels/PoolPlan.h"
#include "CpuKernels.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace pp::rt::cpu {
namespace {

/// The shared plan (kernels/PoolPlan.h) and the window table made from it.
struct PoolTable : kernels::PoolPlan {
  /// Window of output position p: offsets[begin[p] .. begin[p + 1]).
  std::vector<int64_t> begin, offsets;
  /// Average pooling: 1 / divisor of each output position.
  std::vector<double> scale;
};

/// Fills the window table of `plan` (and the divisors when `average`).
void buildTable(PoolTable &plan, bool average) {
  const Window &w = plan.window;
  const size_t rank = w.rank();
  const int64_t outSize = w.outSize(), kernelSize = w.kernelSize();
  std::vector<int64_t> inStrides = stridesOf(w.in);
  std::vector<int64_t> o(rank, 0), k(rank, 0);
  plan.begin.assign(1, 0);
  for (int64_t p = 0; p < outSize; ++p) {
    std::fill(k.begin(), k.end(), 0);
    for (int64_t kk = 0; kk < kernelSize; ++kk) {
      bool inside = true;
      int64_t offset = 0;
      for (size_t d = 0; d < rank; ++d) {
        int64_t i = o[d] * w.strides[d] - w.padBegin[d] + k[d] * w.dilations[d];
        inside &= i >= 0 && i < w.in[d];
        offset += i * inStrides[d];
      }
      if (inside)
        plan.offsets.push_back(offset);
      for (size_t d = rank; d-- > 0;) {
        if (++k[d] < w.kernel[d])
          break;
        k[d] = 0;
      }
    }
    plan.begin.push_back(int64_t(plan.offsets.size()));
    if (average) {
      double count = double(plan.begin[size_t(p) + 1] - plan.begin[size_t(p)]);
      if (plan.countIncludePad) {
        count = 1;
        for (size_t d = 0; d < rank; ++d) {
          int64_t start = o[d] * w.strides[d] - w.padBegin[d], n = 0;
          for (int64_t kd = 0; kd < w.kernel[d]; ++kd) {
            int64_t i = start + kd * w.dilations[d];
            n += i >= -w.padBegin[d] && i < w.in[d] + w.padEnd[d];
          }
          count *= double(n);
        }
      }
      plan.scale.push_back(1.0 / count);
    }
    for (size_t d = rank; d-- > 0;) {
      if (++o[d] < w.out[d])
        break;
      o[d] = 0;
    }
  }
}

/// Checks and plans pooling op `op` and builds its window table.
Status planPoolTable(const KernelSpec &spec, kernels::PoolOp op,
                     PoolTable &plan) {
  if (Status s = kernels::planPool(spec, op, plan))
    return s;
  buildTable(plan, op == kernels::PoolOp::AveragePool ||
                       op == kernels::PoolOp::AveragePoolGrad);
  return Status::ok();
}

/// One window of one (batch, channel) plane: the input plane starts at
/// element `in`, the window reads its elements at offsets [begin, end) and
/// pools them into output element `out`, at `position` within its plane.
struct PlaneWindow {
  int64_t in, out, position;
  const int64_t *begin, *end;
};

/// Calls `visit(PlaneWindow)` for every window of every plane, planes in
/// order and windows in row-major order within each: the one walk of the
/// pooling kernels and their gradients.
template <typename Visit>
void forEachWindow(const PoolTable &plan, Visit &&visit) {
  const int64_t inSize = plan.window.inSize(), outSize = plan.window.outSize();
  const int64_t *offsets = plan.offsets.data();
  for (int64_t c = 0; c < plan.planes; ++c)
    for (int64_t p = 0; p < outSize; ++p)
      visit(PlaneWindow{c * inSize, c * outSize + p, p,
                        offsets + plan.begin[size_t(p)],
                        offsets + plan.begin[size_t(p) + 1]});
}

/// Offset within `plane` (the input plane of window `w`) of the first
/// maximum of the window, or -1 for a window without input elements.
template <typename T> int64_t argMax(const T *plane, const PlaneWindow &w) {
  int64_t best = -1;
  T value = -std::numeric_limits<T>::infinity();
  for (const int64_t *k = w.begin; k != w.end; ++k) {
    T v = plane[*k];
    if (best < 0 || v > value || std::isnan(v)) {
      best = *k;
      value = v;
    }
  }
  return best;
}

/// max_pool, or average_pool when `Average`: each window's first maximum
/// (-inf for a window of padding alone), or its sum times the divisor's
/// reciprocal.
template <typename T, bool Average>
Status makePool(const KernelSpec &spec, KernelFn &out) {
  PoolTable plan;
  if (Status s = planPoolTable(spec,
                               Average ? kernels::PoolOp::AveragePool
                                       : kernels::PoolOp::MaxPool,
                               plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>();
    T *y = outputs[0]->data<T>();
    forEachWindow(plan, [&](const PlaneWindow &w) {
      const T *plane = x + w.in;
      if constexpr (Average) {
        double sum = 0;
        for (const int64_t *k = w.begin; k != w.end; ++k)
          sum += double(plane[*k]);
        y[w.out] = T(sum * plan.scale[size_t(w.position)]);
      } else {
        int64_t best = argMax(plane, w);
        y[w.out] = best < 0 ? -std::numeric_limits<T>::infinity() : plane[best];
      }
    });
  };
  return Status::ok();
}

template <typename T>
Status makeMaxPoolGrad(const KernelSpec &spec, KernelFn &out) {
  PoolTable plan;
  if (Status s = planPoolTable(spec, kernels::PoolOp::MaxPoolGrad, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    T *dx = outputs[0]->data<T>();
    std::fill(dx, dx + outputs[0]->numel(), T(0));
    forEachWindow(plan, [&](const PlaneWindow &w) {
      int64_t best = argMax(x + w.in, w);
      if (best >= 0)
        dx[w.in + best] += dy[w.out];
    });
  };
  return Status::ok();
}

template <typename T>
Status makeAveragePoolGrad(const KernelSpec &spec, KernelFn &out) {
  PoolTable plan;
  if (Status s = planPoolTable(spec, kernels::PoolOp::AveragePoolGrad, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>();
    T *dx = outputs[0]->data<T>();
    std::fill(dx, dx + outputs[0]->numel(), T(0));
    forEachWindow(plan, [&](const PlaneWindow &w) {
      T *plane = dx + w.in;
      T g = T(double(dy[w.out]) * plan.scale[size_t(w.position)]);
      for (const int64_t *k = w.begin; k != w.end; ++k)
        plane[*k] += g;
    });
  };
  return Status::ok();
}

template <typename T>
Status makeGlobalAveragePool(const KernelSpec &spec, KernelFn &out) {
  kernels::GlobalPoolPlan plan;
  if (Status s = kernels::planGlobalAveragePool(spec, plan))
    return s;
  const int64_t planes = plan.planes, size = plan.size;
  out = [planes, size](KernelContext &, const Tensor *const *inputs,
                       Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>();
    T *y = outputs[0]->data<T>();
    for (int64_t c = 0; c < planes; ++c) {
      double sum = 0;
      for (int64_t i = 0; i < size; ++i)
        sum += double(x[c * size + i]);
      y[c] = T(sum / double(size));
    }
  };
  return Status::ok();
}

} // namespace

void registerPoolKernels(KernelRegistry &registry) {
  registry.add("nn.max_pool", Backend::CPU,
               floatKernel<makePool<float, /*Average=*/false>,
                           makePool<double, /*Average=*/false>>);
  registry.add("nn.average_pool", Backend::CPU,
               floatKernel<makePool<float, /*Average=*/true>,
                           makePool<double, /*Average=*/true>>);
  registry.add(
      "nn.global_average_pool", Backend::CPU,
      floatKernel<makeGlobalAveragePool<float>, makeGlobalAveragePool<double>>);
  registry.add("nn.max_pool_grad", Backend::CPU,
               floatKernel<makeMaxPoolGrad<float>, makeMaxPoolGrad<double>>);
  registry.add(
      "nn.average_pool_grad", Backend::CPU,
      floatKernel<makeAveragePoolGrad<float>, makeAveragePoolGrad<double>>);
}

} // namespace pp::rt::cpu
