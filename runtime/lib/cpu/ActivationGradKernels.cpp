//===- ActivationGradKernels.cpp - Gradients of the activations -----------===//
//
// relu_grad, gelu_grad (exact and tanh), tanh_grad, sigmoid_grad,
// dropout_grad, hard_sigmoid_grad, hard_swish_grad and clip_grad
// (docs/Training.md): elementwise over two operands of one shape, in F32 or
// F64, with PyTorch's formulas (gelu_grad's tanh form rewritten around one
// exponential). max_grad and min_grad read two broadcast operands. The
// formulas are runtime/lib/kernels/ElementwiseMath.h's, shared with the CUDA
// backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/ElementwiseMath.h"
#include "Broadcast.h"
#include "Clamp.h"
#include "CpuKernels.h"
#include "Dropout.h"
#include "FastMath.h"
#include "KernelChecks.h"
#include "TypeDispatch.h"

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::kernels;

namespace {

/// `dx[i] = fn(dy[i], v[i])` where dy, v and dx share one type.
template <typename Fn>
Status makeGrad(const KernelSpec &spec, KernelFn &out, Fn fn) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s =
          checkType(spec, "second operand", spec.inputs[1], spec.inputs[0]))
    return s;
  if (Status s = checkType(spec, "result", spec.outputs[0], spec.inputs[0]))
    return s;
  return dispatchType(FloatTypes{}, spec, "dy", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        out = [fn](KernelContext &, const Tensor *const *in,
                                   Tensor *const *res) {
                          const T *dy = in[0]->data<T>();
                          const T *v = in[1]->data<T>();
                          T *dx = res[0]->data<T>();
                          for (int64_t i = 0, n = in[0]->numel(); i < n; ++i)
                            dx[i] = fn(dy[i], v[i]);
                        };
                        return Status::ok();
                      });
}

template <typename Fn>
Status makeSimpleGrad(const KernelSpec &spec, KernelFn &out) {
  return makeGrad(spec, out, Fn{});
}

/// makeGrad with a function object `Fn<T>` for dy's type T, whose
/// parameters `setUp(fn)` reads from the attributes.
template <template <typename> class Fn, typename SetUp>
Status makeGradWith(const KernelSpec &spec, KernelFn &out, SetUp setUp) {
  if (spec.inputs.empty())
    return checkArity(spec, 2, 1);
  return dispatchType(FloatTypes{}, spec, "dy", spec.inputs[0].dtype,
                      [&](auto tag) {
                        Fn<typename decltype(tag)::type> fn{};
                        if (Status s = setUp(fn))
                          return s;
                        return makeGrad(spec, out, fn);
                      });
}

Status makeHardSigmoidGrad(const KernelSpec &spec, KernelFn &out) {
  double alpha = 0, beta = 0;
  if (Status s = readHardSigmoid(spec, alpha, beta))
    return s;
  return makeGradWith<HardSigmoidGradFn>(spec, out, [&](auto &fn) {
    using T = decltype(fn.alpha);
    fn.alpha = T(alpha);
    fn.beta = T(beta);
    return Status::ok();
  });
}

Status makeClipGrad(const KernelSpec &spec, KernelFn &out) {
  return makeGradWith<ClipGradFn>(
      spec, out, [&](auto &fn) { return readClipBounds(spec, fn.lo, fn.hi); });
}

Status makeGeluGrad(const KernelSpec &spec, KernelFn &out) {
  std::string approximate;
  if (Status s = spec.attrs.getString("approximate", approximate, "none"))
    return s;
  if (approximate == "tanh")
    return makeGrad(spec, out, GeluTanhGradFn{});
  if (approximate == "none")
    return makeGrad(spec, out, GeluErfGradFn{});
  return spec.error("approximate must be \"none\" or \"tanh\", got \"" +
                    approximate + "\"");
}

/// `mask ? dy * scale : 0` with dropout's scale 1 / (1 - ratio).
Status makeDropoutGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s = checkType(spec, "mask", spec.inputs[1],
                           TensorType{DType::Bool, spec.inputs[0].shape}))
    return s;
  if (Status s = checkType(spec, "result", spec.outputs[0], spec.inputs[0]))
    return s;
  double ratio = 0, scale = 0;
  if (Status s = readDropoutRatio(spec, ratio, scale))
    return s;
  return dispatchType(
      FloatTypes{}, spec, "dy", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [scale](KernelContext &, const Tensor *const *in,
                      Tensor *const *res) {
          const T *dy = in[0]->data<T>();
          // Read as bytes, and dy unconditionally: this loop vectorises.
          const uint8_t *mask =
              reinterpret_cast<const uint8_t *>(in[1]->data<bool>());
          T *dx = res[0]->data<T>();
          const T s = T(scale);
          for (int64_t i = 0, n = in[0]->numel(); i < n; ++i)
            dx[i] = dropoutValue(dy[i], mask[i] != 0, s);
        };
        return Status::ok();
      });
}

/// dx = fn(dy, a, b) with a and b broadcast to dy's shape.
template <bool Max>
Status makeExtremumGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 3, 1))
    return s;
  const TensorType &dy = spec.inputs[0], &a = spec.inputs[1],
                   &b = spec.inputs[2];
  if (a.dtype != dy.dtype || b.dtype != dy.dtype)
    return spec.error("a " + a.str() + " and b " + b.str() +
                      " must have dy's element type " + dy.str());
  Shape shape;
  if (!broadcastShapes(a.shape, b.shape, shape) || shape != dy.shape)
    return spec.error("a " + a.str() + " and b " + b.str() +
                      " do not broadcast to dy " + dy.str());
  if (Status s = checkType(spec, "result", spec.outputs[0], dy))
    return s;
  auto plan = planBroadcast<3>(dy.shape, {dy.shape, a.shape, b.shape});
  return dispatchType(FloatTypes{}, spec, "dy", dy.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    out = [plan](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      const T *g = in[0]->data<T>(), *x = in[1]->data<T>(),
              *y = in[2]->data<T>();
      T *dx = res[0]->data<T>();
      const ExtremumGradFn<Max> fn;
      forEachRow(plan, [&](int64_t r, const std::array<int64_t, 3> &offsets) {
        const T *gr = g + offsets[0], *xr = x + offsets[1],
                *yr = y + offsets[2];
        const int64_t xs = plan.innerStride[1], ys = plan.innerStride[2];
        T *o = dx + r * plan.inner;
        for (int64_t i = 0; i < plan.inner; ++i)
          o[i] = fn(gr[i], xr[i * xs], yr[i * ys]);
      });
    };
    return Status::ok();
  });
}

} // namespace

void pp::rt::cpu::registerActivationGradKernels(KernelRegistry &registry) {
  registry.add("nn.relu_grad", Backend::CPU, makeSimpleGrad<ReluGradFn>);
  registry.add("nn.gelu_grad", Backend::CPU, makeGeluGrad);
  registry.add("nn.tanh_grad", Backend::CPU, makeSimpleGrad<TanhGradFn>);
  registry.add("nn.sigmoid_grad", Backend::CPU, makeSimpleGrad<SigmoidGradFn>);
  registry.add("nn.dropout_grad", Backend::CPU, makeDropoutGrad);
  registry.add("nn.hard_sigmoid_grad", Backend::CPU, makeHardSigmoidGrad);
  registry.add("nn.hard_swish_grad", Backend::CPU,
               makeSimpleGrad<HardSwishGradFn>);
  registry.add("nn.clip_grad", Backend::CPU, makeClipGrad);
  registry.add("nn.max_grad", Backend::CPU, makeExtremumGrad<true>);
  registry.add("nn.min_grad", Backend::CPU, makeExtremumGrad<false>);
}
