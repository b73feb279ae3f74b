//===- ActivationGradKernels.cu - Activation gradients on the CUDA backend ===//
//
// relu_grad, gelu_grad (exact and tanh), tanh_grad, sigmoid_grad,
// dropout_grad, hard_sigmoid_grad, hard_swish_grad and clip_grad, one
// thread per element over two operands of one shape, in F32 or F64; and
// max_grad and min_grad, whose a and b broadcast to dy. The ops, attributes
// and formulas are the CPU's (ActivationGradKernels.cpp): the formulas are
// the function objects of runtime/lib/kernels/ElementwiseMath.h that both
// backends call, the attributes read by the CPU's own readers.
//
//===----------------------------------------------------------------------===//

#include "../cpu/Clamp.h"
#include "../cpu/Dropout.h"
#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"
#include "../cpu/TypeDispatch.h"
#include "../kernels/ElementwiseMath.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <string>

namespace pp::rt::PP_DEVICE_NS {
namespace {

using namespace pp::rt::kernels;
using cpu::checkArity;
using cpu::checkType;
using cpu::dispatchType;
using cpu::FloatTypes;

/// dx[i] = fn(dy[i], v[i]).
template <typename Fn, typename T> struct GradMap {
  const T *dy;
  const T *v;
  T *dx;
  Fn fn;
  PP_HD void operator()(int64_t i) const { dx[i] = fn(dy[i], v[i]); }
};

/// dx[i] = mask[i] ? dy[i] * scale : 0.
template <typename T> struct DropoutGradMap {
  const T *dy;
  const bool *mask;
  T *dx;
  T scale;
  PP_HD void operator()(int64_t i) const {
    dx[i] = dropoutValue(dy[i], mask[i], scale);
  }
};

/// dx[i] = fn(dy[i], a[i], b[i]): a and b have dy's shape.
template <typename Fn, typename T> struct ExtremumGradMap {
  const T *dy;
  const T *a;
  const T *b;
  T *dx;
  Fn fn;
  PP_HD void operator()(int64_t i) const { dx[i] = fn(dy[i], a[i], b[i]); }
};

/// ExtremumGradMap with a and b broadcast to dy (dy's own stride is the
/// contiguous one and is not indexed).
template <typename Fn, typename T> struct ExtremumGradBroadcast {
  const T *dy;
  const T *a;
  const T *b;
  T *dx;
  Fn fn;
  StridedIndexer<2> index;
  PP_HD void operator()(int64_t i) const {
    int64_t offset[2];
    index.offsets(i, offset);
    dx[i] = fn(dy[i], a[offset[0]], b[offset[1]]);
  }
};

/// `dx[i] = fn(dy[i], v[i])` where dy, v and dx share one type T.
template <typename T, typename Fn>
Status makeGradOf(const KernelSpec &spec, KernelFn &out, Fn fn) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s =
          checkType(spec, "second operand", spec.inputs[1], spec.inputs[0]))
    return s;
  if (Status s = checkType(spec, "result", spec.outputs[0], spec.inputs[0]))
    return s;
  const int64_t n = spec.inputs[0].numel();
  out = [fn, n](KernelContext &ctx, const Tensor *const *in,
                Tensor *const *res) {
    forEach(ctx, n,
            GradMap<Fn, T>{in[0]->data<T>(), in[1]->data<T>(),
                           res[0]->data<T>(), fn});
  };
  return Status::ok();
}

/// makeGradOf with `Fn`, for dy's float type.
template <typename Fn>
Status makeGrad(const KernelSpec &spec, KernelFn &out, Fn fn) {
  if (spec.inputs.empty())
    return checkArity(spec, 2, 1);
  return dispatchType(FloatTypes{}, spec, "dy", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        return makeGradOf<T>(spec, out, fn);
                      });
}

template <typename Fn>
Status makeSimpleGrad(const KernelSpec &spec, KernelFn &out) {
  return makeGrad(spec, out, Fn{});
}

/// makeGradOf with a function object `Fn<T>` for dy's type T, whose
/// parameters `setUp(fn)` reads from the attributes.
template <template <typename> class Fn, typename SetUp>
Status makeGradWith(const KernelSpec &spec, KernelFn &out, SetUp setUp) {
  if (spec.inputs.empty())
    return checkArity(spec, 2, 1);
  return dispatchType(FloatTypes{}, spec, "dy", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        Fn<T> fn{};
                        if (Status s = setUp(fn))
                          return s;
                        return makeGradOf<T>(spec, out, fn);
                      });
}

Status makeHardSigmoidGrad(const KernelSpec &spec, KernelFn &out) {
  double alpha = 0, beta = 0;
  if (Status s = cpu::readHardSigmoid(spec, alpha, beta))
    return s;
  return makeGradWith<HardSigmoidGradFn>(spec, out, [&](auto &fn) {
    using T = decltype(fn.alpha);
    fn.alpha = T(alpha);
    fn.beta = T(beta);
    return Status::ok();
  });
}

Status makeClipGrad(const KernelSpec &spec, KernelFn &out) {
  return makeGradWith<ClipGradFn>(spec, out, [&](auto &fn) {
    return cpu::readClipBounds(spec, fn.lo, fn.hi);
  });
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
  if (Status s = cpu::readDropoutRatio(spec, ratio, scale))
    return s;
  const int64_t n = spec.inputs[0].numel();
  return dispatchType(
      FloatTypes{}, spec, "dy", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [scale, n](KernelContext &ctx, const Tensor *const *in,
                         Tensor *const *res) {
          forEach(ctx, n,
                  DropoutGradMap<T>{in[0]->data<T>(), in[1]->data<bool>(),
                                    res[0]->data<T>(), T(scale)});
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
  if (!cpu::broadcastShapes(a.shape, b.shape, shape) || shape != dy.shape)
    return spec.error("a " + a.str() + " and b " + b.str() +
                      " do not broadcast to dy " + dy.str());
  if (Status s = checkType(spec, "result", spec.outputs[0], dy))
    return s;
  const int64_t n = dy.numel();
  const bool flat = a.shape == dy.shape && b.shape == dy.shape;
  StridedIndexer<2> index;
  if (!flat && !makeIndexer<2>(dy.shape,
                               {broadcastStrides(a.shape, dy.shape),
                                broadcastStrides(b.shape, dy.shape)},
                               index))
    return spec.error("the CUDA backend indexes at most " +
                      std::to_string(kMaxRank) +
                      " broadcast axes after merging, got dy " + dy.str());
  using Fn = ExtremumGradFn<Max>;
  return dispatchType(FloatTypes{}, spec, "dy", dy.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (flat)
      out = [n](KernelContext &ctx, const Tensor *const *in,
                Tensor *const *res) {
        forEach(ctx, n,
                ExtremumGradMap<Fn, T>{in[0]->data<T>(), in[1]->data<T>(),
                                       in[2]->data<T>(), res[0]->data<T>(),
                                       Fn{}});
      };
    else
      out = [n, index](KernelContext &ctx, const Tensor *const *in,
                       Tensor *const *res) {
        forEach(ctx, n,
                ExtremumGradBroadcast<Fn, T>{in[0]->data<T>(), in[1]->data<T>(),
                                             in[2]->data<T>(),
                                             res[0]->data<T>(), Fn{}, index});
      };
    return Status::ok();
  });
}

} // namespace

void registerActivationGradKernels(KernelRegistry &registry) {
  registry.add("nn.relu_grad", Backend::CUDA, makeSimpleGrad<ReluGradFn>);
  registry.add("nn.gelu_grad", Backend::CUDA, makeGeluGrad);
  registry.add("nn.tanh_grad", Backend::CUDA, makeSimpleGrad<TanhGradFn>);
  registry.add("nn.sigmoid_grad", Backend::CUDA, makeSimpleGrad<SigmoidGradFn>);
  registry.add("nn.dropout_grad", Backend::CUDA, makeDropoutGrad);
  registry.add("nn.hard_sigmoid_grad", Backend::CUDA, makeHardSigmoidGrad);
  registry.add("nn.hard_swish_grad", Backend::CUDA,
               makeSimpleGrad<HardSwishGradFn>);
  registry.add("nn.clip_grad", Backend::CUDA, makeClipGrad);
  registry.add("nn.max_grad", Backend::CUDA, makeExtremumGrad<true>);
  registry.add("nn.min_grad", Backend::CUDA, makeExtremumGrad<false>);
}

} // namespace pp::rt::PP_DEVICE_NS
