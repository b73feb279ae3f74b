//===- ElementwiseKernels.cu - Elementwise kernels of the CUDA backend ----===//
//
// The CUDA backend's arithmetic and comparisons with numpy broadcasting
// (add, sub, mul, div, pow, equal, less, greater, less_equal, greater_equal,
// max, min, mod), unary math and activations (sqrt, erf, tanh, sigmoid, exp,
// log, relu, neg, not, gelu, abs, sign, sin, cos, reciprocal, floor, ceil,
// softplus, hard_sigmoid, hard_swish, clip), cast, where, training-mode
// dropout and constant: the ops, attributes and element types of the CPU's
// ElementwiseKernels.cpp, with its very per-element formulas
// (runtime/lib/kernels/ElementwiseMath.h) and its attribute readers.
//
// Every kernel is one thread per output element (forEach). Operands of the
// result's shape are read at the thread's own index, with no index
// arithmetic; broadcast operands go through a StridedIndexer, whose merged
// axes leave a scalar or a bias row only one or two divisions per element.
// Dropout runs one thread per Philox block of four elements, the CPU's
// blocks, and so draws the CPU's mask.
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
#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Device.h"

#include <cmath>
#include <string>
#include <type_traits>

namespace pp::rt::PP_DEVICE_NS {
namespace {

using namespace pp::rt::kernels;
using cpu::AllTypes;
using cpu::checkArity;
using cpu::checkDType;
using cpu::checkType;
using cpu::ComparableTypes;
using cpu::dispatchElementSize;
using cpu::dispatchType;
using cpu::FloatTypes;
using cpu::NumericTypes;
using cpu::SignedTypes;
using cpu::TypeList;

//===----------------------------------------------------------------------===//
// The kernels
//===----------------------------------------------------------------------===//

/// out[i] = fn(in[i]).
template <typename Fn, typename T, typename R> struct UnaryMap {
  const T *in;
  R *out;
  Fn fn;
  PP_HD void operator()(int64_t i) const { out[i] = fn(in[i]); }
};

/// out[i] = fn(a[i], b[i]): both operands have the result's shape.
template <typename Fn, typename A, typename B, typename R> struct BinaryMap {
  const A *a;
  const B *b;
  R *out;
  Fn fn;
  PP_HD void operator()(int64_t i) const { out[i] = fn(a[i], b[i]); }
};

/// out[i] = fn(a, b) with a and b read at their broadcast offsets.
template <typename Fn, typename A, typename B, typename R>
struct BinaryBroadcast {
  const A *a;
  const B *b;
  R *out;
  Fn fn;
  StridedIndexer<2> index;
  PP_HD void operator()(int64_t i) const {
    int64_t offset[2];
    index.offsets(i, offset);
    out[i] = fn(a[offset[0]], b[offset[1]]);
  }
};

/// A float base raised to the one exponent of the tensor, which stays in
/// device memory: every thread reads it (a broadcast load) and takes the
/// same branch of powScalarExponent.
template <typename B, typename E> struct PowScalarMap {
  const B *base;
  const E *exponent;
  B *out;
  PP_HD void operator()(int64_t i) const {
    out[i] = powScalarExponent(base[i], double(*exponent));
  }
};

/// out[i] = cond[i] ? x[i] : y[i] over elements of one width (the bits are
/// copied, whatever their type): every operand of the result's shape.
template <typename T> struct WhereMap {
  const bool *cond;
  const T *x;
  const T *y;
  T *out;
  PP_HD void operator()(int64_t i) const { out[i] = cond[i] ? x[i] : y[i]; }
};

/// WhereMap with broadcast operands.
template <typename T> struct WhereBroadcast {
  const bool *cond;
  const T *x;
  const T *y;
  T *out;
  StridedIndexer<3> index;
  PP_HD void operator()(int64_t i) const {
    int64_t offset[3];
    index.offsets(i, offset);
    out[i] = cond[offset[0]] ? x[offset[1]] : y[offset[2]];
  }
};

/// Dropout of Philox block `block` (four elements).
template <typename T> struct DropoutBlocks {
  const T *in;
  T *out;
  bool *mask;
  int64_t n;
  CounterRandom random;
  uint64_t threshold;
  T scale;
  PP_HD void operator()(int64_t block) const {
    dropoutBlock(random, block, n, threshold, scale, in, out, mask);
  }
};

//===----------------------------------------------------------------------===//
// Broadcast binary ops
//===----------------------------------------------------------------------===//

/// The indexer of an output of shape `out` read by operands of `shapes`
/// (numpy broadcasting), or an error when more than kMaxRank axes remain
/// after merging.
template <int N>
Status broadcastIndexer(const KernelSpec &spec, const Shape &out,
                        const std::array<Shape, N> &shapes,
                        StridedIndexer<N> &index) {
  std::array<std::vector<int64_t>, N> strides;
  for (int k = 0; k < N; ++k)
    strides[k] = broadcastStrides(shapes[k], out);
  if (!makeIndexer<N>(out, strides, index))
    return spec.error(
        "the CUDA backend indexes at most " + std::to_string(kMaxRank) +
        " broadcast axes after merging, got result " + formatShape(out));
  return Status::ok();
}

/// The operand types that get a kernel of their own for operands of the
/// result's shape: those of real models. The others (narrow and unsigned
/// integers, mixed pow) run the broadcast kernel for every shape, whose
/// merged indexer is then one axis; this halves the kernels nvcc compiles.
template <typename A, typename B>
constexpr bool
    hasFlatKernel = std::is_same_v<A, B> &&
                    (std::is_same_v<A, float> || std::is_same_v<A, double> ||
                     std::is_same_v<A, int64_t> || std::is_same_v<A, int32_t> ||
                     std::is_same_v<A, bool>);

/// The closure of out = fn(lhs, rhs) over the op's two operands: the flat
/// map when both have the result's shape, else the broadcast one.
template <typename A, typename B, typename R, typename Fn>
Status binaryKernel(const KernelSpec &spec, Fn fn, KernelFn &out) {
  const Shape &shape = spec.outputs[0].shape;
  const int64_t n = spec.outputs[0].numel();
  if constexpr (hasFlatKernel<A, B>) {
    if (spec.inputs[0].shape == shape && spec.inputs[1].shape == shape) {
      out = [fn, n](KernelContext &ctx, const Tensor *const *in,
                    Tensor *const *res) {
        forEach(ctx, n,
                BinaryMap<Fn, A, B, R>{in[0]->data<A>(), in[1]->data<B>(),
                                       res[0]->data<R>(), fn});
      };
      return Status::ok();
    }
  }
  StridedIndexer<2> index;
  if (Status s = broadcastIndexer<2>(
          spec, shape, {spec.inputs[0].shape, spec.inputs[1].shape}, index))
    return s;
  out = [fn, n, index](KernelContext &ctx, const Tensor *const *in,
                       Tensor *const *res) {
    forEach(ctx, n,
            BinaryBroadcast<Fn, A, B, R>{in[0]->data<A>(), in[1]->data<B>(),
                                         res[0]->data<R>(), fn, index});
  };
  return Status::ok();
}

/// Checks that the operands broadcast to the result's shape and that the
/// result has element type `resultType`.
Status checkBroadcastResult(const KernelSpec &spec, DType resultType) {
  Shape shape;
  if (!cpu::broadcastShapes(spec.inputs[0].shape, spec.inputs[1].shape, shape))
    return spec.error("operands " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " do not broadcast");
  return checkType(spec, "result", spec.outputs[0],
                   TensorType{resultType, shape});
}

/// `Fn(lhs, rhs)` over broadcast operands of one element type of `Types`;
/// the result has that type, or is bool for a `Comparison`.
template <typename Fn, typename Types, bool Comparison>
Status makeBroadcastBinary(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (spec.inputs[0].dtype != spec.inputs[1].dtype)
    return spec.error("operands " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " differ in element type");
  if (Status s = checkBroadcastResult(spec, Comparison ? DType::Bool
                                                       : spec.inputs[0].dtype))
    return s;
  return dispatchType(Types{}, spec, "lhs", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        using R = std::conditional_t<Comparison, bool, T>;
                        return binaryKernel<T, T, R>(spec, Fn{}, out);
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

Status makePow(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 2, 1))
    return s;
  if (Status s = checkBroadcastResult(spec, spec.inputs[0].dtype))
    return s;
  bool scalarExponent = spec.inputs[1].numel() == 1 &&
                        spec.inputs[0].shape == spec.outputs[0].shape;
  const int64_t n = spec.outputs[0].numel();
  return dispatchType(
      NumericTypes{}, spec, "base", spec.inputs[0].dtype, [&](auto baseTag) {
        using B = typename decltype(baseTag)::type;
        return dispatchType(
            NumericTypes{}, spec, "exponent", spec.inputs[1].dtype,
            [&](auto expTag) {
              using E = typename decltype(expTag)::type;
              if constexpr (std::is_floating_point_v<B>) {
                // As the CPU: the special exponents of PyTorch's
                // pow(tensor, scalar).
                if (scalarExponent) {
                  out = [n](KernelContext &ctx, const Tensor *const *in,
                            Tensor *const *res) {
                    forEach(ctx, n,
                            PowScalarMap<B, E>{in[0]->data<B>(),
                                               in[1]->data<E>(),
                                               res[0]->data<B>()});
                  };
                  return Status::ok();
                }
              }
              return binaryKernel<B, E, B>(spec, PowFn{}, out);
            });
      });
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

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

Status checkUnary(const KernelSpec &spec) {
  if (Status s = checkArity(spec, 1, 1))
    return s;
  return checkType(spec, "result", spec.outputs[0], spec.inputs[0]);
}

/// The closure of out[i] = fn(in[i]) from T to R.
template <typename T, typename R, typename Fn>
KernelFn unaryKernel(const KernelSpec &spec, Fn fn) {
  const int64_t n = spec.inputs[0].numel();
  return
      [fn, n](KernelContext &ctx, const Tensor *const *in, Tensor *const *res) {
        forEach(ctx, n,
                UnaryMap<Fn, T, R>{in[0]->data<T>(), res[0]->data<R>(), fn});
      };
}

template <typename Fn, typename Types>
Status makeUnary(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkUnary(spec))
    return s;
  return dispatchType(Types{}, spec, "operand", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        out = unaryKernel<T, T>(spec, Fn{});
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
/// type T, whose parameters `setUp(fn)` sets from the attributes.
template <typename Types, template <typename> class Fn, typename SetUp>
Status makeUnaryWith(const KernelSpec &spec, KernelFn &out, SetUp setUp) {
  if (Status s = checkUnary(spec))
    return s;
  return dispatchType(Types{}, spec, "operand", spec.inputs[0].dtype,
                      [&](auto tag) {
                        using T = typename decltype(tag)::type;
                        Fn<T> fn{};
                        if (Status s = setUp(fn))
                          return s;
                        out = unaryKernel<T, T>(spec, fn);
                        return Status::ok();
                      });
}

Status makeHardSigmoid(const KernelSpec &spec, KernelFn &out) {
  double alpha = 0, beta = 0;
  if (Status s = cpu::readHardSigmoid(spec, alpha, beta))
    return s;
  return makeUnaryWith<FloatTypes, HardSigmoidFn>(spec, out, [&](auto &fn) {
    using T = decltype(fn.alpha);
    fn.alpha = T(alpha);
    fn.beta = T(beta);
    return Status::ok();
  });
}

Status makeClip(const KernelSpec &spec, KernelFn &out) {
  return makeUnaryWith<NumericTypes, ClipFn>(spec, out, [&](auto &fn) {
    return cpu::readClipBounds(spec, fn.lo, fn.hi);
  });
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
              if constexpr (std::is_same_v<From, To> && !isHalfFloat<To>) {
                // The same type: a copy, as the CPU's conversion is the
                // identity (not for 16-bit floats, whose NaNs it
                // canonicalises).
                const size_t bytes = spec.inputs[0].bytes();
                out = [bytes](KernelContext &ctx, const Tensor *const *in,
                              Tensor *const *res) {
                  copyBytes(ctx, res[0]->raw(), in[0]->raw(), bytes);
                };
              } else {
                out = unaryKernel<From, To>(spec, ConvertFn<To>{});
              }
              return Status::ok();
            });
      });
}

//===----------------------------------------------------------------------===//
// where
//===----------------------------------------------------------------------===//

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
  if (!cpu::broadcastShapes(x.shape, y.shape, xy) ||
      !cpu::broadcastShapes(cond.shape, xy, shape))
    return spec.error("operands " + cond.str() + ", " + x.str() + " and " +
                      y.str() + " do not broadcast");
  if (Status s = checkType(spec, "result", spec.outputs[0],
                           TensorType{x.dtype, shape}))
    return s;
  const int64_t n = spec.outputs[0].numel();
  const bool flat = cond.shape == shape && x.shape == shape && y.shape == shape;
  StridedIndexer<3> index;
  if (!flat)
    if (Status s = broadcastIndexer<3>(spec, shape,
                                       {cond.shape, x.shape, y.shape}, index))
      return s;
  return dispatchElementSize(spec, x.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (flat)
      out = [n](KernelContext &ctx, const Tensor *const *in,
                Tensor *const *res) {
        forEach(ctx, n,
                WhereMap<T>{in[0]->data<bool>(), in[1]->data<T>(),
                            in[2]->data<T>(), res[0]->data<T>()});
      };
    else
      out = [n, index](KernelContext &ctx, const Tensor *const *in,
                       Tensor *const *res) {
        forEach(ctx, n,
                WhereBroadcast<T>{in[0]->data<bool>(), in[1]->data<T>(),
                                  in[2]->data<T>(), res[0]->data<T>(), index});
      };
    return Status::ok();
  });
}

//===----------------------------------------------------------------------===//
// dropout
//===----------------------------------------------------------------------===//

Status makeDropout(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 1, 2))
    return s;
  if (Status s = checkType(spec, "output", spec.outputs[0], spec.inputs[0]))
    return s;
  if (Status s = checkType(spec, "mask", spec.outputs[1],
                           TensorType{DType::Bool, spec.inputs[0].shape}))
    return s;
  double ratio = 0, scale = 0;
  if (Status s = cpu::readDropoutRatio(spec, ratio, scale))
    return s;
  // The op's own seed, when it has one, replaces the run's in the key.
  int64_t seedAttr = 0;
  bool hasSeed = spec.attrs.has("seed");
  if (hasSeed)
    if (Status s = spec.attrs.getInt("seed", seedAttr))
      return s;
  uint64_t threshold = uint64_t(std::ceil(ratio * 4294967296.0));
  uint64_t stream = spec.randomId;
  const int64_t n = spec.inputs[0].numel();
  return dispatchType(
      FloatTypes{}, spec, "operand", spec.inputs[0].dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        out = [hasSeed, seedAttr, stream, threshold, scale,
               n](KernelContext &ctx, const Tensor *const *in,
                  Tensor *const *res) {
          RandomKey key = ctx.randomKey(stream);
          if (hasSeed)
            key.seed = uint64_t(seedAttr);
          forEach(ctx, (n + 3) / 4,
                  DropoutBlocks<T>{in[0]->data<T>(), res[0]->data<T>(),
                                   res[1]->data<bool>(), n, CounterRandom(key),
                                   threshold, T(scale)});
        };
        return Status::ok();
      });
}

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

/// Where constants live on the device: one pool for the process, over the
/// process's device memory, whose buffers the prepared kernels keep.
BufferPool &constantPool() {
  static BufferPool *pool = new BufferPool(deviceFor(MemorySpace::Device));
  return *pool;
}

/// The attribute tensor is uploaded once, here, and synchronously (a
/// factory may wait; a closure may not); each run copies it device to
/// device on the context's queue.
Status makeConstant(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArity(spec, 0, 1))
    return s;
  Tensor value;
  if (Status s = spec.attrs.getTensor("value", value))
    return s;
  if (Status s = checkType(spec, "value", value.type(), spec.outputs[0]))
    return s;
  Tensor onDevice;
  if (value.bytes() != 0) {
    Device &device = deviceFor(MemorySpace::Device);
    onDevice = Tensor::empty(value.type(), constantPool());
    if (Status s = copyTensor(value, onDevice))
      return spec.error("uploading the value: " + s.message());
    if (Status s = device.synchronize(nullptr))
      return spec.error("uploading the value: " + s.message());
  }
  const size_t bytes = value.bytes();
  out = [onDevice, bytes](KernelContext &ctx, const Tensor *const *,
                          Tensor *const *res) {
    copyBytes(ctx, res[0]->raw(), onDevice.raw(), bytes);
  };
  return Status::ok();
}

} // namespace

void registerElementwiseKernels(KernelRegistry &registry) {
  registry.add("nn.add", Backend::CUDA, makeArithmetic<AddFn, NumericTypes>);
  registry.add("nn.sub", Backend::CUDA, makeArithmetic<SubFn, NumericTypes>);
  registry.add("nn.mul", Backend::CUDA, makeArithmetic<MulFn, NumericTypes>);
  registry.add("nn.div", Backend::CUDA, makeArithmetic<DivFn, NumericTypes>);
  registry.add("nn.pow", Backend::CUDA, makePow);
  registry.add("nn.equal", Backend::CUDA, makeComparison<EqualFn>);
  registry.add("nn.less", Backend::CUDA, makeComparison<LessFn>);
  registry.add("nn.greater", Backend::CUDA, makeComparison<GreaterFn>);
  registry.add("nn.less_equal", Backend::CUDA, makeComparison<LessEqualFn>);
  registry.add("nn.greater_equal", Backend::CUDA,
               makeComparison<GreaterEqualFn>);
  registry.add("nn.max", Backend::CUDA, makeArithmetic<MaxFn, NumericTypes>);
  registry.add("nn.min", Backend::CUDA, makeArithmetic<MinFn, NumericTypes>);
  registry.add("nn.mod", Backend::CUDA, makeMod);

  registry.add("nn.sqrt", Backend::CUDA, makeUnary<SqrtFn, FloatTypes>);
  registry.add("nn.erf", Backend::CUDA, makeUnary<ErfFn, FloatTypes>);
  registry.add("nn.tanh", Backend::CUDA, makeUnary<TanhFn, FloatTypes>);
  registry.add("nn.sigmoid", Backend::CUDA, makeUnary<SigmoidFn, FloatTypes>);
  registry.add("nn.exp", Backend::CUDA, makeUnary<ExpFn, FloatTypes>);
  registry.add("nn.log", Backend::CUDA, makeUnary<LogFn, FloatTypes>);
  registry.add("nn.relu", Backend::CUDA, makeUnary<ReluFn, SignedTypes>);
  registry.add("nn.neg", Backend::CUDA, makeUnary<NegFn, SignedTypes>);
  registry.add("nn.not", Backend::CUDA, makeNot);
  registry.add("nn.gelu", Backend::CUDA, makeGelu);
  registry.add("nn.abs", Backend::CUDA, makeUnary<AbsFn, NumericTypes>);
  registry.add("nn.sign", Backend::CUDA, makeUnary<SignFn, NumericTypes>);
  registry.add("nn.sin", Backend::CUDA, makeUnary<SinFn, FloatTypes>);
  registry.add("nn.cos", Backend::CUDA, makeUnary<CosFn, FloatTypes>);
  registry.add("nn.reciprocal", Backend::CUDA,
               makeUnary<ReciprocalFn, FloatTypes>);
  registry.add("nn.floor", Backend::CUDA, makeUnary<FloorFn, FloatTypes>);
  registry.add("nn.ceil", Backend::CUDA, makeUnary<CeilFn, FloatTypes>);
  registry.add("nn.softplus", Backend::CUDA, makeUnary<SoftplusFn, FloatTypes>);
  registry.add("nn.hard_sigmoid", Backend::CUDA, makeHardSigmoid);
  registry.add("nn.hard_swish", Backend::CUDA,
               makeUnary<HardSwishFn, FloatTypes>);
  registry.add("nn.clip", Backend::CUDA, makeClip);

  registry.add("nn.cast", Backend::CUDA, makeCast);
  registry.add("nn.where", Backend::CUDA, makeWhere);
  registry.add("nn.dropout", Backend::CUDA, makeDropout);
  registry.add("nn.constant", Backend::CUDA, makeConstant);
}

} // namespace pp::rt::PP_DEVICE_NS
