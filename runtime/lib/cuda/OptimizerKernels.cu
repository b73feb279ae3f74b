//===- OptimizerKernels.cu - Accumulation and updates on the device -------===//
//
// The runtime's in-place kernels on the CUDA backend, as the CPU's
// (runtime/lib/cpu/OptimizerKernels.cpp): the caller passes the tensors to
// update as outputs.
//
//   pp.accumulate   {x} -> {acc}: acc += x (f32, f64)
//   pp.sgd_update   {grad} -> {param[, momentum_buffer]}
//   pp.adamw_update {grad} -> {param, exp_avg, exp_avg_sq}
//
// One elementwise launch per parameter. The element formulas are the CPU
// kernels' own (kernels/OptimizerMath.h), rounded operation by operation
// so that the two backends agree bit for bit; the step's scalars are
// computed on the host from ctx.step and passed by value.
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

template <typename T, bool HasBuffer, bool First, bool Decay> struct SgdFn {
  SgdScalars<T> s;
  T *p, *buf;
  const T *g;
  PP_HD void operator()(int64_t i) const {
    T unused = T(0);
    kernels::sgdElement<HasBuffer, First, Decay>(s, p[i], g[i],
                                                 HasBuffer ? buf[i] : unused);
  }
};

template <typename T> struct AdamWFn {
  AdamWScalars<T> s;
  T *p, *m, *v;
  const T *g;
  PP_HD void operator()(int64_t i) const {
    kernels::adamwElement(s, p[i], g[i], m[i], v[i]);
  }
};

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
void launchSgd(KernelContext &ctx, const SgdScalars<T> &s, int64_t n, T *p,
               const T *g, T *buf) {
  forEach(ctx, n, SgdFn<T, HasBuffer, First, Decay>{s, p, buf, g});
}

template <typename T>
KernelFn sgdKernel(double lr, double momentum, double weightDecay,
                   bool hasBuffer) {
  SgdScalars<T> s = kernels::sgdScalars<T>(lr, momentum, weightDecay);
  bool decay = s.weightDecay != T(0);
  return [s, decay, hasBuffer](KernelContext &ctx, const Tensor *const *in,
                               Tensor *const *res) {
    int64_t step = updateStep(ctx, "pp.sgd_update");
    if (!step)
      return;
    bool first = step == 1;
    int64_t n = res[0]->numel();
    T *p = res[0]->data<T>(), *buf = hasBuffer ? res[1]->data<T>() : nullptr;
    const T *g = in[0]->data<T>();
    // One specialised kernel per case, as the CPU's branch-free loops.
    if (!hasBuffer && !decay)
      launchSgd<T, false, false, false>(ctx, s, n, p, g, buf);
    else if (!hasBuffer)
      launchSgd<T, false, false, true>(ctx, s, n, p, g, buf);
    else if (first && !decay)
      launchSgd<T, true, true, false>(ctx, s, n, p, g, buf);
    else if (!decay)
      launchSgd<T, true, false, false>(ctx, s, n, p, g, buf);
    else if (first)
      launchSgd<T, true, true, true>(ctx, s, n, p, g, buf);
    else
      launchSgd<T, true, false, true>(ctx, s, n, p, g, buf);
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
  if (Status s = cpu::checkArity(spec, 1, hasBuffer ? 2 : 1))
    return s;
  const char *names[] = {"grad", "param", "momentum_buffer"};
  if (Status s = checkUpdateTypes(spec, names))
    return s;
  out = spec.inputs[0].dtype == DType::F32
            ? sgdKernel<float>(lr, momentum, weightDecay, hasBuffer)
            : sgdKernel<double>(lr, momentum, weightDecay, hasBuffer);
  return Status::ok();
}

template <typename T>
KernelFn adamwKernel(double lr, double beta1, double beta2, double eps,
                     double weightDecay) {
  return [=](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
    int64_t step = updateStep(ctx, "pp.adamw_update");
    if (!step)
      return;
    AdamWScalars<T> s =
        kernels::adamwScalars<T>(lr, beta1, beta2, eps, weightDecay, step);
    forEach(ctx, res[0]->numel(),
            AdamWFn<T>{s, res[0]->data<T>(), res[1]->data<T>(),
                       res[2]->data<T>(), in[0]->data<T>()});
  };
}

Status makeAdamWUpdate(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArity(spec, 1, 3))
    return s;
  const char *names[] = {"grad", "param", "exp_avg", "exp_avg_sq"};
  if (Status s = checkUpdateTypes(spec, names))
    return s;
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
            ? adamwKernel<float>(lr, beta1, beta2, eps, weightDecay)
            : adamwKernel<double>(lr, beta1, beta2, eps, weightDecay);
  return Status::ok();
}

} // namespace

void registerOptimizerKernels(KernelRegistry &registry) {
  registry.add("pp.accumulate", Backend::CUDA, makeAccumulate);
  registry.add("pp.sgd_update", Backend::CUDA, makeSgdUpdate);
  registry.add("pp.adamw_update", Backend::CUDA, makeAdamWUpdate);
}

} // namespace pp::rt::PP_DEVICE_NS
