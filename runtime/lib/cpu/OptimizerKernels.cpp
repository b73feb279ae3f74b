//===- OptimizerKernels.cpp - Gradient accumulation and optimizer updates -===//
//
// The runtime's own in-place kernels (Kernel.h): the caller passes the
// tensors to update as outputs.
//
//   pp.accumulate   {x} -> {acc}: acc += x (f32, f64)
//   pp.sgd_update   {grad} -> {param, momentum_buffer}: torch.optim.SGD
//                   (dampening 0, no Nesterov); {param} alone when
//                   momentum is 0. Attributes lr, momentum, weight_decay.
//   pp.adamw_update {grad} -> {param, exp_avg, exp_avg_sq}: torch.optim.AdamW
//                   (no amsgrad). Attributes lr, beta1, beta2, eps,
//                   weight_decay.
//
// An update takes any number of parameters at once (one kernel for all of
// a stage's parameters of one element type, fused on the CUDA backend):
// {grad_0, ..., grad_n-1} -> {param_0, state_0..., param_1, ...}.
//
// Both updates take their step t (1-based) from ctx.step: SGD's momentum
// buffer is g itself on step 1, AdamW's bias corrections are 1 - beta^t.
// Scalars (bias corrections, step sizes) are computed in double as Python
// computes them for torch.optim, then rounded to the parameter's element
// type, as PyTorch does when it multiplies a tensor by a Python float; the
// element loops follow torch.optim operation by operation (Optimizer.h),
// in formulas shared with the CUDA backend (kernels/OptimizerMath.h).
//
//===----------------------------------------------------------------------===//

#include "../kernels/OptimizerMath.h"
#include "CpuKernels.h"
#include "KernelChecks.h"
#include "TypeDispatch.h"

#include <cmath>
#include <stdexcept>

namespace pp::rt::cpu {
namespace {

/// Checks that every operand and result has the type of operand 0, an f32
/// or f64 tensor.
Status checkUpdateTypes(const KernelSpec &spec, const char *const *names) {
  const TensorType &type = spec.inputs[0];
  if (type.dtype != DType::F32 && type.dtype != DType::F64)
    return spec.error(std::string(names[0]) + " has type " + type.str() +
                      ", expected f32 or f64 elements");
  for (size_t i = 0; i < spec.outputs.size(); ++i)
    if (Status s = checkType(spec, names[i + 1], spec.outputs[i], type))
      return s;
  return Status::ok();
}

/// ctx.step as an update's step count t, which must be at least 1.
int64_t updateStep(const KernelContext &ctx, const char *op) {
  if (ctx.step < 1)
    throw std::invalid_argument(std::string(op) + " runs with step " +
                                std::to_string(ctx.step) +
                                "; updates count steps from 1");
  return ctx.step;
}

//===----------------------------------------------------------------------===//
// pp.accumulate
//===----------------------------------------------------------------------===//

Status makeAccumulate(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  const char *names[] = {"x", "the accumulator"};
  if (Status s = checkUpdateTypes(spec, names))
    return s;
  return dispatchType(
      FloatTypes{}, spec, "x", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
          T *a = res[0]->data<T>();
          const T *b = in[0]->data<T>();
          for (int64_t i = 0, n = res[0]->numel(); i < n; ++i)
            a[i] += b[i];
        };
        return Status::ok();
      });
}

//===----------------------------------------------------------------------===//
// pp.sgd_update
//===----------------------------------------------------------------------===//

struct SgdOptions {
  double lr = 0, momentum = 0, weightDecay = 0;
};

template <typename T>
void sgdUpdate(const SgdOptions &o, bool first, int64_t n, T *p, const T *g,
               T *buf) {
  using kernels::sgdElement;
  const kernels::SgdScalars<T> s =
      kernels::sgdScalars<T>(o.lr, o.momentum, o.weightDecay);
  // One branch-free loop per case, so that each vectorises; the element
  // formulas are shared with the CUDA backend (OptimizerMath.h). Plain
  // multiply-adds, not std::fma: without FMA instructions in the build,
  // std::fma is a libm call per element that blocks vectorisation (a tenth
  // of a GPT step). The rounding differs from PyTorch's fused
  // `add(alpha=)` by at most an ulp of the update.
  T unused = T(0);
  const bool decay = s.weightDecay != T(0);
  if (!buf && !decay) {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<false, false, false>(s, p[k], g[k], unused);
  } else if (!buf) {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<false, false, true>(s, p[k], g[k], unused);
  } else if (first && !decay) {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<true, true, false>(s, p[k], g[k], buf[k]);
  } else if (!decay) {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<true, false, false>(s, p[k], g[k], buf[k]);
  } else if (first) {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<true, true, true>(s, p[k], g[k], buf[k]);
  } else {
    for (int64_t k = 0; k < n; ++k)
      sgdElement<true, false, true>(s, p[k], g[k], buf[k]);
  }
}

Status makeSgdUpdate(const KernelSpec &spec, KernelFn &out) {
  SgdOptions o;
  if (Status s = spec.attrs.getFloat("lr", o.lr))
    return s;
  if (Status s = spec.attrs.getFloat("momentum", o.momentum))
    return s;
  if (Status s = spec.attrs.getFloat("weight_decay", o.weightDecay))
    return s;
  // torch.optim.SGD keeps no buffer without momentum.
  bool hasBuffer = o.momentum != 0;
  const char *names[] = {"grad", "param", "momentum_buffer"};
  if (Status s = checkUpdateGroups(spec, hasBuffer ? 1 : 0, names))
    return s;
  size_t count = spec.inputs.size(), group = hasBuffer ? 2 : 1;
  return dispatchType(
      FloatTypes{}, spec, "grad", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [o, hasBuffer, count, group](KernelContext &ctx,
                                           const Tensor *const *in,
                                           Tensor *const *res) {
          bool first = updateStep(ctx, "pp.sgd_update") == 1;
          for (size_t k = 0; k < count; ++k) {
            Tensor *const *r = res + k * group;
            sgdUpdate(o, first, r[0]->numel(), r[0]->data<T>(),
                      in[k]->data<T>(), hasBuffer ? r[1]->data<T>() : nullptr);
          }
        };
        return Status::ok();
      });
}

//===----------------------------------------------------------------------===//
// pp.adamw_update
//===----------------------------------------------------------------------===//

struct AdamWOptions {
  double lr = 0, beta1 = 0, beta2 = 0, eps = 0, weightDecay = 0;
};

template <typename T>
void adamwUpdate(const AdamWOptions &o, int64_t step, int64_t n, T *p,
                 const T *g, T *m, T *v) {
  const kernels::AdamWScalars<T> s = kernels::adamwScalars<T>(
      o.lr, o.beta1, o.beta2, o.eps, o.weightDecay, step);
  for (int64_t k = 0; k < n; ++k)
    kernels::adamwElement(s, p[k], g[k], m[k], v[k]);
}

Status makeAdamWUpdate(const KernelSpec &spec, KernelFn &out) {
  const char *names[] = {"grad", "param", "exp_avg", "exp_avg_sq"};
  if (Status s = checkUpdateGroups(spec, 2, names))
    return s;
  size_t count = spec.inputs.size();
  AdamWOptions o;
  if (Status s = spec.attrs.getFloat("lr", o.lr))
    return s;
  if (Status s = spec.attrs.getFloat("beta1", o.beta1))
    return s;
  if (Status s = spec.attrs.getFloat("beta2", o.beta2))
    return s;
  if (Status s = spec.attrs.getFloat("eps", o.eps))
    return s;
  if (Status s = spec.attrs.getFloat("weight_decay", o.weightDecay))
    return s;
  return dispatchType(
      FloatTypes{}, spec, "grad", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [o, count](KernelContext &ctx, const Tensor *const *in,
                         Tensor *const *res) {
          int64_t step = updateStep(ctx, "pp.adamw_update");
          for (size_t k = 0; k < count; ++k) {
            Tensor *const *r = res + 3 * k;
            adamwUpdate(o, step, r[0]->numel(), r[0]->data<T>(),
                        in[k]->data<T>(), r[1]->data<T>(), r[2]->data<T>());
          }
        };
        return Status::ok();
      });
}

} // namespace

void registerOptimizerKernels(KernelRegistry &registry) {
  registry.add("pp.accumulate", Backend::CPU, makeAccumulate);
  registry.add("pp.sgd_update", Backend::CPU, makeSgdUpdate);
  registry.add("pp.adamw_update", Backend::CPU, makeAdamWUpdate);
}

} // namespace pp::rt::cpu
