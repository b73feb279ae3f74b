//===- OptimizerKernels.cu - Accumulation and updates on the device -------===//
//
// The runtime's in-place kernels on the CUDA backend, as the CPU's
// (runtime/lib/cpu/OptimizerKernels.cpp): the caller passes the tensors to
// update as outputs.
//
//   pp.accumulate   {x} -> {acc}: acc += x (f32, f64)
//   pp.sgd_update   {grad...} -> {param[, momentum_buffer]...}
//   pp.adamw_update {grad...} -> {param, exp_avg, exp_avg_sq...}
//
// The updates are fused: the optimizer prepares one kernel for all of a
// stage's parameters (of one element type), and each launch updates up to
// kTableSize of them, whose pointers and sizes travel in the kernel's
// arguments (a multi-tensor apply, as apex's): a thread finds its tensor by
// a binary search over the running element counts. A stage of a few
// hundred parameters thus takes a handful of launches instead of one per
// parameter. The element formulas are the CPU kernels' own
// (kernels/OptimizerMath.h), rounded operation by operation so that the two
// backends agree bit for bit; the step's scalars are computed on the host
// from ctx.step and passed by value.
//
//===----------------------------------------------------------------------===//

#include "../cpu/KernelChecks.h"
#include "../kernels/OptimizerMath.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

namespace pp::rt::PP_DEVICE_NS {
namespace {

using kernels::AdamWScalars;
using kernels::SgdScalars;

template <typename T> struct AccumulateFn {
  T *acc;
  const T *x;
  PP_HD void operator()(int64_t i) const { acc[i] = acc[i] + x[i]; }
};

/// The parameters one launch updates: tensor k holds the elements
/// [end[k-1], end[k]) of the launch's index space (end[-1] = 0), and its
/// gradient, parameter and state start at g[k], p[k], s1[k], s2[k]. About
/// a kilobyte of kernel arguments.
constexpr int kTableSize = 24;
template <typename T> struct TensorTable {
  int count = 0;
  int64_t end[kTableSize] = {};
  const T *g[kTableSize] = {};
  T *p[kTableSize] = {}, *s1[kTableSize] = {}, *s2[kTableSize] = {};

  /// The tensor of element i, and i's offset in it.
  PP_HD int find(int64_t i, int64_t &offset) const {
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (i < end[mid])
        hi = mid;
      else
        lo = mid + 1;
    }
    offset = i - (lo ? end[lo - 1] : 0);
    return lo;
  }
};

template <typename T, bool HasBuffer, bool First, bool Decay> struct SgdFn {
  SgdScalars<T> s;
  TensorTable<T> t;
  PP_HD void operator()(int64_t i) const {
    int64_t j;
    int k = t.find(i, j);
    T unused = T(0);
    kernels::sgdElement<HasBuffer, First, Decay>(
        s, t.p[k][j], t.g[k][j], HasBuffer ? t.s1[k][j] : unused);
  }
};

template <typename T> struct AdamWFn {
  AdamWScalars<T> s;
  TensorTable<T> t;
  PP_HD void operator()(int64_t i) const {
    int64_t j;
    int k = t.find(i, j);
    kernels::adamwElement(s, t.p[k][j], t.g[k][j], t.s1[k][j], t.s2[k][j]);
  }
};

/// Calls launch(table, elements) for each run of up to kTableSize of the
/// `count` parameters, whose results come in groups of `group` (the
/// parameter, then up to two states).
template <typename T, typename Launch>
void forEachTable(size_t count, size_t group, const Tensor *const *in,
                  Tensor *const *res, const Launch &launch) {
  for (size_t first = 0; first < count; first += kTableSize) {
    TensorTable<T> table;
    int64_t elements = 0;
    for (size_t k = first; k < count && k < first + kTableSize; ++k) {
      Tensor *const *r = res + k * group;
      int slot = table.count++;
      elements += r[0]->numel();
      table.end[slot] = elements;
      table.g[slot] = in[k]->data<T>();
      table.p[slot] = r[0]->data<T>();
      table.s1[slot] = group > 1 ? r[1]->data<T>() : nullptr;
      table.s2[slot] = group > 2 ? r[2]->data<T>() : nullptr;
    }
    launch(table, elements);
  }
}

/// An error unless every operand and result has the type of operand 0, an
/// f32 or f64 tensor; `names` names them.
Status checkUpdateTypes(const KernelSpec &spec, const char *const *names) {
  const TensorType &type = spec.inputs[0];
  if (type.dtype != DType::F32 && type.dtype != DType::F64)
    return spec.error(std::string(names[0]) + " has type " + type.str() +
                      ", expected f32 or f64 elements");
  for (size_t i = 0; i < spec.outputs.size(); ++i)
    if (Status s = cpu::checkType(spec, names[i + 1], spec.outputs[i], type))
      return s;
  return Status::ok();
}

/// ctx.step as the step count t of an update, or 0 after recording in the
/// context that the step is not one (updates count steps from 1).
int64_t updateStep(KernelContext &ctx, const char *op) {
  if (ctx.step >= 1)
    return ctx.step;
  ctx.fail(std::string(op) + " runs with step " + std::to_string(ctx.step) +
           "; updates count steps from 1");
  return 0;
}

template <typename T> KernelFn accumulateKernel() {
  return [](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    forEach(ctx, res[0]->numel(),
            AccumulateFn<T>{res[0]->data<T>(), in[0]->data<T>()});
  };
}

Status makeAccumulate(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 1))
    return s;
  const char *names[] = {"x", "the accumulator"};
  if (Status s = checkUpdateTypes(spec, names))
    return s;
  out = spec.inputs[0].dtype == DType::F32 ? accumulateKernel<float>()
                                           : accumulateKernel<double>();
  return Status::ok();
}

template <typename T, bool HasBuffer, bool First, bool Decay>
void launchSgd(KernelContext &ctx, const SgdScalars<T> &s,
               const TensorTable<T> &table, int64_t elements) {
  forEach(ctx, elements, SgdFn<T, HasBuffer, First, Decay>{s, table});
}

template <typename T>
KernelFn sgdKernel(double lr, double momentum, double weightDecay,
                   bool hasBuffer, size_t count) {
  SgdScalars<T> s = kernels::sgdScalars<T>(lr, momentum, weightDecay);
  bool decay = s.weightDecay != T(0);
  return [s, decay, hasBuffer, count](
             KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    int64_t step = updateStep(ctx, "pp.sgd_update");
    if (!step)
      return;
    bool first = step == 1;
    forEachTable<T>(count, hasBuffer ? 2 : 1, in, res,
                    [&](const TensorTable<T> &t, int64_t n) {
                      // One specialised kernel per case, as the CPU's
                      // branch-free loops.
                      if (!hasBuffer && !decay)
                        launchSgd<T, false, false, false>(ctx, s, t, n);
                      else if (!hasBuffer)
                        launchSgd<T, false, false, true>(ctx, s, t, n);
                      else if (first && !decay)
                        launchSgd<T, true, true, false>(ctx, s, t, n);
                      else if (!decay)
                        launchSgd<T, true, false, false>(ctx, s, t, n);
                      else if (first)
                        launchSgd<T, true, true, true>(ctx, s, t, n);
                      else
                        launchSgd<T, true, false, true>(ctx, s, t, n);
                    });
  };
}

Status makeSgdUpdate(const KernelSpec &spec, KernelFn &out) {
  double lr, momentum, weightDecay;
  if (Status s = spec.attrs.getFloat("lr", lr))
    return s;
  if (Status s = spec.attrs.getFloat("momentum", momentum))
    return s;
  if (Status s = spec.attrs.getFloat("weight_decay", weightDecay))
    return s;
  // torch.optim.SGD keeps no buffer without momentum.
  bool hasBuffer = momentum != 0;
  const char *names[] = {"grad", "param", "momentum_buffer"};
  if (Status s = cpu::checkUpdateGroups(spec, hasBuffer ? 1 : 0, names))
    return s;
  size_t count = spec.inputs.size();
  out = spec.inputs[0].dtype == DType::F32
            ? sgdKernel<float>(lr, momentum, weightDecay, hasBuffer, count)
            : sgdKernel<double>(lr, momentum, weightDecay, hasBuffer, count);
  return Status::ok();
}

template <typename T>
KernelFn adamwKernel(double lr, double beta1, double beta2, double eps,
                     double weightDecay, size_t count) {
  return [=](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    int64_t step = updateStep(ctx, "pp.adamw_update");
    if (!step)
      return;
    AdamWScalars<T> s =
        kernels::adamwScalars<T>(lr, beta1, beta2, eps, weightDecay, step);
    forEachTable<T>(count, 3, in, res, [&](const TensorTable<T> &t, int64_t n) {
      forEach(ctx, n, AdamWFn<T>{s, t});
    });
  };
}

Status makeAdamWUpdate(const KernelSpec &spec, KernelFn &out) {
  const char *names[] = {"grad", "param", "exp_avg", "exp_avg_sq"};
  if (Status s = cpu::checkUpdateGroups(spec, 2, names))
    return s;
  size_t count = spec.inputs.size();
  double lr, beta1, beta2, eps, weightDecay;
  if (Status s = spec.attrs.getFloat("lr", lr))
    return s;
  if (Status s = spec.attrs.getFloat("beta1", beta1))
    return s;
  if (Status s = spec.attrs.getFloat("beta2", beta2))
    return s;
  if (Status s = spec.attrs.getFloat("eps", eps))
    return s;
  if (Status s = spec.attrs.getFloat("weight_decay", weightDecay))
    return s;
  out = spec.inputs[0].dtype == DType::F32
            ? adamwKernel<float>(lr, beta1, beta2, eps, weightDecay, count)
            : adamwKernel<double>(lr, beta1, beta2, eps, weightDecay, count);
  return Status::ok();
}

} // namespace

void registerOptimizerKernels(KernelRegistry &registry) {
  registry.add("pp.accumulate", Backend::CUDA, makeAccumulate);
  registry.add("pp.sgd_update", Backend::CUDA, makeSgdUpdate);
  registry.add("pp.adamw_update", Backend::CUDA, makeAdamWUpdate);
}

} // namespace pp::rt::PP_DEVICE_NS
