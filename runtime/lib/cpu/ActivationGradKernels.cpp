//===- ActivationGradKernels.cpp - Gradients of the activations -----------===//
//
// relu_grad, gelu_grad (exact and tanh), tanh_grad, sigmoid_grad and
// dropout_grad (docs/Training.md): elementwise over two operands of one
// shape, in F32 or F64, with PyTorch's formulas (gelu_grad's tanh form
// rewritten around one exponential).
//
//===----------------------------------------------------------------------===//

#include "CpuKernels.h"
#include "Dropout.h"
#include "FastMath.h"
#include "KernelChecks.h"
#include "TypeDispatch.h"

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cpu;

namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;      // 1 / sqrt(2)
constexpr double kInvSqrtTwoPi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrtTwoOverPi = 0.79788456080286535588; // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;

/// `x > 0 ? dy : 0`.
struct ReluGradFn {
  template <typename T> T operator()(T dy, T x) const {
    return x > T(0) ? dy : T(0);
  }
};

/// dy * (Phi(x) + x * phi(x)), as PyTorch's GeluBackward computes it.
struct GeluErfGradFn {
  template <typename T> T operator()(T dy, T x) const {
    T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
    T pdf = T(kInvSqrtTwoPi) * std::exp(x * x * T(-0.5));
    return dy * (cdf + x * pdf);
  }
};

/// The derivative of 0.5 x (1 + tanh(u)), u = k (x + c x^3), written as
/// x s(2u) with the logistic s = (1 + tanh(u)) / 2: s + 2 x s (1 - s) u'.
/// One vectorised exponential instead of a tanh call; the same value as
/// PyTorch's tanh form up to rounding.
struct GeluTanhGradFn {
  template <typename T> T operator()(T dy, T x) const {
    T x2 = x * x;
    T inner = T(kSqrtTwoOverPi) * (x + T(kGeluKappa) * (x2 * x));
    T s = sigmoidOf(T(2) * inner);
    T innerDerivative = T(kSqrtTwoOverPi) * (T(1) + T(3) * T(kGeluKappa) * x2);
    return dy * (s + T(2) * x * s * (T(1) - s) * innerDerivative);
  }
};

/// `dy * (1 - y^2)` from tanh's result y.
struct TanhGradFn {
  template <typename T> T operator()(T dy, T y) const {
    return dy * (T(1) - y * y);
  }
};

/// `dy * y * (1 - y)` from sigmoid's result y.
struct SigmoidGradFn {
  template <typename T> T operator()(T dy, T y) const {
    return dy * ((T(1) - y) * y);
  }
};

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
          for (int64_t i = 0, n = in[0]->numel(); i < n; ++i) {
            const T kept = dy[i] * s;
            dx[i] = mask[i] != 0 ? kept : T(0);
          }
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
}
