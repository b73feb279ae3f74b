//===- ElementwiseKernels.cpp - Elementwise CPU kernels -------------------===//
//
// Arithmetic and comparisons with numpy broadcasting (add, sub, mul, div,
// pow, equal, less, greater, less_equal, greater_equal, max, min, mod),
// unary math and activations (sqrt, erf, tanh, relu, sigmoid, neg, exp, log,
// not, gelu, abs, sign, sin, cos, reciprocal, floor, ceil, softplus,
// hard_sigmoid, hard_swish, clip), cast, where, training-mode dropout and
// constant. Each kernel is a typed loop chosen once per preparation;
// broadcast operands run through Broadcast.h's row plans. The per-element
// formulas are runtime/lib/kernels/ElementwiseMath.h's, which the CUDA
// backend shares.
//
//===----------------------------------------------------------------------===//

#include "../kernels/ElementwiseMath.h"
#include "Broadcast.h"
#include "Clamp.h"
#include "CpuKernels.h"
#include "Dropout.h"
#include "FastMath.h"
#include "KernelChecks.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::kernels;

namespace {

//===----------------------------------------------------------------------===//
// Broadcast binary ops
//===----------------------------------------------------------------------===//

/// Checks that the operands broadcast to the result's shape and that the
/// result has element type `resultType`.
Status checkBroadcastResult(const KernelSpec &spec, DType resultType) {
  Shape shape;
  if (!broadcastShapes(spec.inputs[0].shape, spec.inputs[1].shape, shape))
    return spec.error("operands " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " do not broadcast");
  return checkType(spec, "result", spec.outputs[0],
                   TensorType{resultType, shape});
}

Status checkSameOperandTypes(const KernelSpec &spec) {
  if (spec.inputs[0].dtype != spec.inputs[1].dtype)
    return spec.error("operands " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " differ in element type");
  return Status::ok();
}

/// `Fn(lhs, rhs)` over broadcast operands of one element type of `Types`;
/// the result has that type, or is bool for a `Comparison`.
template <typename Fn, typename Types, bool Comparison>
Status makeBroadcastBinary(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s = checkSameOperandTypes(spec))
    return s;
  if (Status s = checkBroadcastResult(spec, Comparison ? DType::Bool
                                                       : spec.inputs[0].dtype))
    return s;
  auto plan = planBroadcast<2>(spec.outputs[0].shape,
                               {spec.inputs[0].shape, spec.inputs[1].shape});
  return dispatchType(
      Types{}, spec, "lhs", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        using R = std::conditional_t<Comparison, bool, T>;
        out = [plan](KernelContext &, const Tensor *const *in,
                     Tensor *const *res) {
          broadcastBinary(plan, res[0]->data<R>(), in[0]->data<T>(),
                          in[1]->data<T>(), Fn{});
        };
        return Status::ok();
      });
}

template <typename Fn, typename Types>
Status makeArithmetic(const KernelSpec &spec, KernelFn &out) {
  return makeBroadcastBinary<Fn, Types, /*Comparison=*/false>(spec, out);
}

template <typename Fn>
Status makeComparison(const KernelSpec &spec, KernelFn &out) {
  return makeBroadcastBinary<Fn, ComparableTypes, /*Comparison=*/true>(spec,
                                                                       out);
}

/// A floating-point base raised to one exponent for the whole tensor: the
/// exponents PyTorch's `pow(tensor, scalar)` computes without `pow` are
/// computed the same way, so that `x ** 2` and `x ** 3` match it exactly.
template <typename T>
void powScalarExponent(T *out, const T *base, int64_t n, double exponent) {
  if (exponent == 2.0) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = base[i] * base[i];
  } else if (exponent == 3.0) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = base[i] * base[i] * base[i];
  } else if (exponent == 0.5) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = std::sqrt(base[i]);
  } else if (exponent == 1.0) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = base[i];
  } else if (exponent == -1.0) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = T(1) / base[i];
  } else if (exponent == -2.0) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = T(1) / (base[i] * base[i]);
  } else {
    const T e = T(exponent);
    for (int64_t i = 0; i < n; ++i)
      out[i] = std::pow(base[i], e);
  }
}

Status makePow(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s = checkBroadcastResult(spec, spec.inputs[0].dtype))
    return s;
  auto plan = planBroadcast<2>(spec.outputs[0].shape,
                               {spec.inputs[0].shape, spec.inputs[1].shape});
  bool scalarExponent = spec.inputs[1].numel() == 1 &&
                        spec.inputs[0].shape == spec.outputs[0].shape;
  return dispatchType(
      NumericTypes{}, spec, "base", spec.inputs[0].dtype, [&](auto baseTag) {
        using B = typename decltype(baseTag)::type;
        return dispatchType(
            NumericTypes{}, spec, "exponent", spec.inputs[1].dtype,
            [&](auto expTag) {
              using E = typename decltype(expTag)::type;
              out = [plan, scalarExponent](KernelContext &,
                                           const Tensor *const *in,
                                           Tensor *const *res) {
                if constexpr (std::is_floating_point_v<B>) {
                  if (scalarExponent) {
                    powScalarExponent(res[0]->data<B>(), in[0]->data<B>(),
                                      in[0]->numel(),
                                      double(*in[1]->data<E>()));
                    return;
                  }
                }
                broadcastBinary(plan, res[0]->data<B>(), in[0]->data<B>(),
                                in[1]->data<E>(), PowFn{});
              };
              return Status::ok();
            });
      });
}

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

template <typename T, typename Fn>
void unaryLoop(T *out, const T *in, int64_t n, Fn fn) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = fn(in[i]);
}

Status checkUnary(const KernelSpec &spec) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  return checkType(spec, "result", spec.outputs[0], spec.inputs[0]);
}

template <typename Fn, typename Types>
Status makeUnary(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkUnary(spec))
    return s;
  return dispatchType(
      Types{}, spec, "operand", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [](KernelContext &, const Tensor *const *in, Tensor *const *res) {
          unaryLoop(res[0]->data<T>(), in[0]->data<T>(), in[0]->numel(), Fn{});
        };
        return Status::ok();
      });
}

Status makeGelu(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkUnary(spec))
    return s;
  std::string approximate;
  if (Status s = spec.attrs.getString("approximate", approximate, "none"))
    return s;
  if (approximate != "none" && approximate != "tanh")
    return spec.error("approximate must be \"none\" or \"tanh\", got \"" +
                      approximate + "\"");
  if (approximate == "tanh")
    return makeUnary<GeluTanhFn, FloatTypes>(spec, out);
  return makeUnary<GeluErfFn, FloatTypes>(spec, out);
}

/// `out[i] = fn(in[i])` with a function object `Fn<T>` for the operand's
/// type T, whose parameters `setUp(fn)` sets from the attributes (and
/// returns the Status of reading them).
template <typename Types, template <typename> class Fn, typename SetUp>
Status makeUnaryWith(const KernelSpec &spec, KernelFn &out, SetUp setUp) {
  if (Status s = checkUnary(spec))
    return s;
  return dispatchType(
      Types{}, spec, "operand", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        Fn<T> fn{};
        if (Status s = setUp(fn))
          return s;
        out = [fn](KernelContext &, const Tensor *const *in,
                   Tensor *const *res) {
          unaryLoop(res[0]->data<T>(), in[0]->data<T>(), in[0]->numel(), fn);
        };
        return Status::ok();
      });
}

Status makeHardSigmoid(const KernelSpec &spec, KernelFn &out) {
  double alpha = 0, beta = 0;
  if (Status s = readHardSigmoid(spec, alpha, beta))
    return s;
  return makeUnaryWith<FloatTypes, HardSigmoidFn>(spec, out, [&](auto &fn) {
    using T = decltype(fn.alpha);
    fn.alpha = T(alpha);
    fn.beta = T(beta);
    return Status::ok();
  });
}

Status makeClip(const KernelSpec &spec, KernelFn &out) {
  return makeUnaryWith<NumericTypes, ClipFn>(
      spec, out, [&](auto &fn) { return readClipBounds(spec, fn.lo, fn.hi); });
}

Status makeMod(const KernelSpec &spec, KernelFn &out) {
  int64_t fmod = 0;
  if (Status s = spec.attrs.getInt("fmod", fmod, 0))
    return s;
  if (fmod)
    return makeArithmetic<FModFn, NumericTypes>(spec, out);
  if (!spec.inputs.empty() && isFloat(spec.inputs[0].dtype))
    return spec.error("floating-point operands need fmod = 1");
  return makeArithmetic<ModFn, NumericTypes>(spec, out);
}

Status makeNot(const KernelSpec &spec, KernelFn &out) {
  return makeUnary<NotFn, TypeList<bool>>(spec, out);
}

Status makeCast(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  if (spec.inputs[0].shape != spec.outputs[0].shape)
    return spec.error("result " + spec.outputs[0].str() +
                      " does not have the shape of the operand " +
                      spec.inputs[0].str());
  return dispatchType(
      AllTypes{}, spec, "operand", spec.inputs[0].dtype, [&](auto fromTag) {
        using From = typename decltype(fromTag)::type;
        return dispatchType(
            AllTypes{}, spec, "result", spec.outputs[0].dtype, [&](auto toTag) {
              using To = typename decltype(toTag)::type;
              out = [](KernelContext &, const Tensor *const *in,
                       Tensor *const *res) {
                const From *x = in[0]->data<From>();
                To *y = res[0]->data<To>();
                for (int64_t i = 0, n = in[0]->numel(); i < n; ++i)
                  y[i] = convertValue<To>(x[i]);
              };
              return Status::ok();
            });
      });
}

//===----------------------------------------------------------------------===//
// where
//===----------------------------------------------------------------------===//

/// One row of `out[i] = cond[i] ? x[i] : y[i]` with a contiguous condition;
/// a repeated x or y (XC, YC false) is read once. Both sides are loaded
/// unconditionally and the condition read as bytes, which vectorises.
template <bool XC, bool YC, typename T>
void whereRow(T *out, const uint8_t *cond, const T *x, const T *y, int64_t n) {
  const T xv = *x, yv = *y;
  for (int64_t i = 0; i < n; ++i) {
    const T a = XC ? x[i] : xv, b = YC ? y[i] : yv;
    out[i] = cond[i] != 0 ? a : b;
  }
}

template <typename T>
void whereRows(const RowPlan<3> &plan, T *out, const bool *cond, const T *x,
               const T *y) {
  const int64_t n = plan.inner;
  const bool cc = plan.contiguous[0], xc = plan.contiguous[1],
             yc = plan.contiguous[2];
  forEachRow(plan, [&](int64_t r, const std::array<int64_t, 3> &offsets) {
    T *o = out + r * n;
    const uint8_t *c = reinterpret_cast<const uint8_t *>(cond) + offsets[0];
    const T *xr = x + offsets[1], *yr = y + offsets[2];
    if (!cc) { // one choice for the whole row
      const T *src = *c ? xr : yr;
      if (*c ? xc : yc)
        std::memcpy(o, src, size_t(n) * sizeof(T));
      else
        std::fill(o, o + n, *src);
    } else if (xc && yc) {
      whereRow<true, true>(o, c, xr, yr, n);
    } else if (xc) {
      whereRow<true, false>(o, c, xr, yr, n);
    } else if (yc) {
      whereRow<false, true>(o, c, xr, yr, n);
    } else {
      whereRow<false, false>(o, c, xr, yr, n);
    }
  });
}

Status makeWhere(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 3, 1))
    return s;
  const TensorType &cond = spec.inputs[0], &x = spec.inputs[1],
                   &y = spec.inputs[2];
  if (Status s = checkDType(spec, "condition", cond, DType::Bool))
    return s;
  if (x.dtype != y.dtype)
    return spec.error("x " + x.str() + " and y " + y.str() +
                      " differ in element type");
  Shape xy, shape;
  if (!broadcastShapes(x.shape, y.shape, xy) ||
      !broadcastShapes(cond.shape, xy, shape))
    return spec.error("operands " + cond.str() + ", " + x.str() + " and " +
                      y.str() + " do not broadcast");
  if (Status s = checkType(spec, "result", spec.outputs[0],
                           TensorType{x.dtype, shape}))
    return s;
  auto plan = planBroadcast<3>(shape, {cond.shape, x.shape, y.shape});
  return dispatchElementSize(spec, x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    out = [plan](KernelContext &, const Tensor *const *in, Tensor *const *res) {
      whereRows(plan, res[0]->data<T>(), in[0]->data<bool>(), in[1]->data<T>(),
                in[2]->data<T>());
    };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// dropout
//===----------------------------------------------------------------------===//

/// Dropout of `n` elements, a Philox block of four at a time
/// (ElementwiseMath.h's dropoutBlock).
template <typename T>
void dropoutLoop(T *out, bool *mask, const T *in, int64_t n,
                 const CounterRandom &random, uint64_t threshold, T scale) {
  for (int64_t block = 0; block * 4 < n; ++block)
    dropoutBlock(random, block, n, threshold, scale, in, out, mask);
}

Status makeDropout(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 2))
    return s;
  if (Status s = checkType(spec, "output", spec.outputs[0], spec.inputs[0]))
    return s;
  if (Status s = checkType(spec, "mask", spec.outputs[1],
                           TensorType{DType::Bool, spec.inputs[0].shape}))
    return s;
  double ratio = 0, scale = 0;
  if (Status s = readDropoutRatio(spec, ratio, scale))
    return s;
  // The op's own seed, when it has one, replaces the run's in the key.
  int64_t seedAttr = 0;
  bool hasSeed = spec.attrs.has("seed");
  if (hasSeed)
    if (Status s = spec.attrs.getInt("seed", seedAttr))
      return s;
  uint64_t threshold = uint64_t(std::ceil(ratio * 4294967296.0));
  uint64_t stream = spec.randomId;
  return dispatchType(
      FloatTypes{}, spec, "operand", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [hasSeed, seedAttr, stream, threshold,
               scale](KernelContext &ctx, const Tensor *const *in,
                      Tensor *const *res) {
          RandomKey key = ctx.randomKey(stream);
          if (hasSeed)
            key.seed = uint64_t(seedAttr);
          dropoutLoop(res[0]->data<T>(), res[1]->data<bool>(), in[0]->data<T>(),
                      in[0]->numel(), CounterRandom(key), threshold, T(scale));
        };
        return Status::ok();
      });
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

Status makeConstant(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 0, 1))
    return s;
  Tensor value;
  if (Status s = spec.attrs.getTensor("value", value))
    return s;
  if (Status s = checkType(spec, "value", value.type(), spec.outputs[0]))
    return s;
  out = [value](KernelContext &, const Tensor *const *, Tensor *const *res) {
    if (value.bytes() != 0)
      std::memcpy(res[0]->raw(), value.raw(), value.bytes());
  };
  return Status::ok();
}

} // namespace

void pp::rt::cpu::registerElementwiseKernels(KernelRegistry &registry) {
  registry.add("nn.add", Backend::CPU, makeArithmetic<AddFn, NumericTypes>);
  registry.add("nn.sub", Backend::CPU, makeArithmetic<SubFn, NumericTypes>);
  registry.add("nn.mul", Backend::CPU, makeArithmetic<MulFn, NumericTypes>);
  registry.add("nn.div", Backend::CPU, makeArithmetic<DivFn, NumericTypes>);
  registry.add("nn.pow", Backend::CPU, makePow);
  registry.add("nn.equal", Backend::CPU, makeComparison<EqualFn>);
  registry.add("nn.less", Backend::CPU, makeComparison<LessFn>);
  registry.add("nn.greater", Backend::CPU, makeComparison<GreaterFn>);
  registry.add("nn.less_equal", Backend::CPU, makeComparison<LessEqualFn>);
  registry.add("nn.greater_equal", Backend::CPU,
               makeComparison<GreaterEqualFn>);
  registry.add("nn.max", Backend::CPU, makeArithmetic<MaxFn, NumericTypes>);
  registry.add("nn.min", Backend::CPU, makeArithmetic<MinFn, NumericTypes>);
  registry.add("nn.mod", Backend::CPU, makeMod);

  registry.add("nn.sqrt", Backend::CPU, makeUnary<SqrtFn, FloatTypes>);
  registry.add("nn.erf", Backend::CPU, makeUnary<ErfFn, FloatTypes>);
  registry.add("nn.tanh", Backend::CPU, makeUnary<TanhFn, FloatTypes>);
  registry.add("nn.sigmoid", Backend::CPU, makeUnary<SigmoidFn, FloatTypes>);
  registry.add("nn.exp", Backend::CPU, makeUnary<ExpFn, FloatTypes>);
  registry.add("nn.log", Backend::CPU, makeUnary<LogFn, FloatTypes>);
  registry.add("nn.relu", Backend::CPU, makeUnary<ReluFn, SignedTypes>);
  registry.add("nn.neg", Backend::CPU, makeUnary<NegFn, SignedTypes>);
  registry.add("nn.not", Backend::CPU, makeNot);
  registry.add("nn.gelu", Backend::CPU, makeGelu);
  registry.add("nn.abs", Backend::CPU, makeUnary<AbsFn, NumericTypes>);
  registry.add("nn.sign", Backend::CPU, makeUnary<SignFn, NumericTypes>);
  registry.add("nn.sin", Backend::CPU, makeUnary<SinFn, FloatTypes>);
  registry.add("nn.cos", Backend::CPU, makeUnary<CosFn, FloatTypes>);
  registry.add("nn.reciprocal", Backend::CPU,
               makeUnary<ReciprocalFn, FloatTypes>);
  registry.add("nn.floor", Backend::CPU, makeUnary<FloorFn, FloatTypes>);
  registry.add("nn.ceil", Backend::CPU, makeUnary<CeilFn, FloatTypes>);
  registry.add("nn.softplus", Backend::CPU, makeUnary<SoftplusFn, FloatTypes>);
  registry.add("nn.hard_sigmoid", Backend::CPU, makeHardSigmoid);
  registry.add("nn.hard_swish", Backend::CPU,
               makeUnary<HardSwishFn, FloatTypes>);
  registry.add("nn.clip", Backend::CPU, makeClip);

  registry.add("nn.cast", Backend::CPU, makeCast);
  registry.add("nn.where", Backend::CPU, makeWhere);
  registry.add("nn.dropout", Backend::CPU, makeDropout);
  registry.add("nn.constant", Backend::CPU, makeConstant);
}
