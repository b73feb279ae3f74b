//===- NormKernels.cu - Layer and batch normalisation on the device -------===//
//
// `nn.layer_norm`, `nn.layer_norm_grad`, `nn.layer_norm_grad_params`,
// `nn.batch_norm` (inference and training mode), `nn.batch_norm_grad` and
// `nn.batch_norm_grad_params`, with the CPU backend's semantics
// (runtime/lib/cpu/NormKernels.cpp): statistics accumulated in double for
// every element type, a two-pass (mean, then centred squares) biased
// variance, and in training mode the running statistics updated in place
// with ONNX's momentum convention and the unbiased batch variance.
//
// Layout of the work:
//  - layer norm: one warp per row (forEachRow); the lanes stride over the
//    row and combine their partial sums with a fixed shuffle tree, so a
//    row's statistics repeat bit for bit. A scale or bias that broadcasts
//    over the normalised axes is read through a strided indexer.
//  - layer norm parameter gradients: the row statistics into scratch, then
//    one thread per (normalised position, run of rows) summing its column
//    over those rows in order (coalesced across threads), then the runs
//    added in order; a broadcast parameter then sums its positions in
//    ascending order, as the CPU does.
//  - batch norm: each channel's batch x spatial elements split into runs,
//    one warp per run, whose partial sums each channel then adds in order
//    (mean, then centred squares, then the gradient sums), and one thread
//    per element for the elementwise pass with per-channel coefficients.
//    Channels are few and long, so a warp per channel would leave most of
//    the device idle.
//
//===----------------------------------------------------------------------===//

#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <algorithm>
#include <cmath>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The factory `F32` or `F64` by the first operand's element type; the
/// CUDA backend computes these ops in f32 and f64 only.
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expected operands, got none");
  switch (spec.inputs[0].dtype) {
  case DType::F32:
    return F32(spec, out);
  case DType::F64:
    return F64(spec, out);
  default:
    return spec.error(std::string("the CUDA backend supports f32 and f64, "
                                  "got ") +
                      dtypeName(spec.inputs[0].dtype));
  }
}

struct Plus {
  PP_HD double operator()(double a, double b) const { return a + b; }
};

/// The sum over the row's lanes of term(j), j in [0, n), in double.
template <typename Term>
PP_HD double laneSum(const Lanes &lanes, int64_t n, const Term &term) {
  double acc = 0;
  for (int64_t j = lanes.lane; j < n; j += lanes.count)
    acc += term(j);
  return lanes.reduce(acc, Plus());
}

/// Reads `epsilon` and checks it is non-negative.
Status readEpsilon(const KernelSpec &spec, double &epsilon) {
  if (Status s = spec.attrs.getFloat("epsilon", epsilon))
    return s;
  if (!(epsilon >= 0))
    return spec.error("epsilon must be non-negative, got " +
                      std::to_string(epsilon));
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Layer normalisation
//===----------------------------------------------------------------------===//

struct LayerNormPlan {
  int64_t rows = 0, size = 0; // outer positions x normalised elements
  double epsilon = 0;
};

Status readLayerNorm(const KernelSpec &spec, const Shape &input,
                     LayerNormPlan &plan, Shape &normalized) {
  int64_t axis, rank = int64_t(input.size());
  if (Status s = spec.attrs.getInt("axis", axis))
    return s;
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return spec.error("axis is out of range for input " + formatShape(input));
  if (Status s = readEpsilon(spec, plan.epsilon))
    return s;
  normalized.assign(input.begin() + axis, input.end());
  plan.size = numElements(normalized);
  plan.rows = numElements(Shape(input.begin(), input.begin() + axis));
  return Status::ok();
}

/// A parameter of the normalised axes, read at normalised position i:
/// directly when it has one element per position, else through `index`.
template <typename T> struct ParamView {
  const T *data = nullptr;
  bool direct = true;
  StridedIndexer<1> index;
  PP_HD double at(int64_t i) const {
    if (direct)
      return double(data[i]);
    int64_t offset[1];
    index.offsets(i, offset);
    return double(data[offset[0]]);
  }
};

/// How a parameter (or its gradient) of shape `param` lies over the
/// normalised shape: `direct` when one element per position; otherwise
/// `read` maps a position to its element, and `kept` and `spread` map
/// (element e, j-th position of e in ascending order) to the position
/// kept(e) + spread(j), e having `count` positions.
struct ParamLayout {
  bool direct = true;
  StridedIndexer<1> read, kept, spread;
  int64_t count = 1;
};

Status paramLayout(const KernelSpec &spec, const std::string &what,
                   const Shape &param, const Shape &normalized,
                   ParamLayout &layout) {
  Shape trimmed = param;
  while (trimmed.size() > normalized.size() && trimmed.front() == 1)
    trimmed.erase(trimmed.begin());
  bool ok = trimmed.size() <= normalized.size();
  for (size_t i = 0; ok && i < trimmed.size(); ++i) {
    int64_t target = normalized[normalized.size() - trimmed.size() + i];
    ok = trimmed[i] == 1 || trimmed[i] == target;
  }
  if (!ok)
    return spec.error(what + " of shape " + formatShape(param) +
                      " does not broadcast to the normalised shape " +
                      formatShape(normalized));
  layout = ParamLayout();
  if (numElements(trimmed) == numElements(normalized))
    return Status::ok();
  layout.direct = false;
  Shape aligned(normalized.size() - trimmed.size(), 1);
  aligned.insert(aligned.end(), trimmed.begin(), trimmed.end());
  std::vector<int64_t> own = contiguousStrides(normalized);
  Shape keptShape(normalized.size(), 1), spreadShape(normalized.size(), 1);
  for (size_t d = 0; d < normalized.size(); ++d)
    (aligned[d] == 1 ? spreadShape : keptShape)[d] = normalized[d];
  layout.count = numElements(spreadShape);
  if (!makeIndexer<1>(normalized, {broadcastStrides(aligned, normalized)},
                      layout.read) ||
      !makeIndexer<1>(keptShape, {own}, layout.kept) ||
      !makeIndexer<1>(spreadShape, {own}, layout.spread))
    return spec.error(what + " of shape " + formatShape(param) +
                      " broadcasts over more than " + std::to_string(kMaxRank) +
                      " axes");
  return Status::ok();
}

template <typename T>
ParamView<T> viewOf(const ParamLayout &layout, const T *data) {
  ParamView<T> v;
  v.data = data;
  v.direct = layout.direct;
  v.index = layout.read;
  return v;
}

/// Mean and 1 / sqrt(biased variance + epsilon) of x[0, n), two passes.
template <typename T>
PP_HD void rowStats(const Lanes &lanes, const T *x, int64_t n, double epsilon,
                    double &mean, double &rstd) {
  mean = laneSum(lanes, n, [x](int64_t i) { return double(x[i]); }) / double(n);
  double m = mean;
  double var = laneSum(lanes, n,
                       [x, m](int64_t i) {
                         double d = double(x[i]) - m;
                         return d * d;
                       }) /
               double(n);
  rstd = 1 / sqrt(var + epsilon);
}

template <typename T> struct LayerNormFn {
  const T *x;
  T *y;
  ParamView<T> scale, bias;
  bool hasBias;
  int64_t n;
  double epsilon;
  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *xr = x + row * n;
    T *yr = y + row * n;
    double mean, rstd;
    rowStats(lanes, xr, n, epsilon, mean, rstd);
    for (int64_t i = lanes.lane; i < n; i += lanes.count)
      yr[i] = T((double(xr[i]) - mean) * rstd * scale.at(i) +
                (hasBias ? bias.at(i) : 0.0));
  }
};

template <typename T>
Status makeLayerNorm(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 3, 1))
    return s;
  LayerNormPlan plan;
  Shape normalized;
  if (Status s = readLayerNorm(spec, spec.inputs[0].shape, plan, normalized))
    return s;
  if (Status s = cpu::checkShape(spec, "the result", spec.outputs[0].shape,
                                 spec.inputs[0].shape))
    return s;
  bool hasBias = spec.inputs.size() == 3;
  ParamLayout scale, bias;
  if (Status s =
          paramLayout(spec, "scale", spec.inputs[1].shape, normalized, scale))
    return s;
  if (hasBias)
    if (Status s =
            paramLayout(spec, "bias", spec.inputs[2].shape, normalized, bias))
      return s;
  out = [plan, hasBias, scale, bias](KernelContext &ctx,
                                     const Tensor *const *inputs,
                                     Tensor *const *outputs) {
    LayerNormFn<T> f{inputs[0]->data<T>(),
                     outputs[0]->data<T>(),
                     viewOf(scale, inputs[1]->data<T>()),
                     viewOf(bias, hasBias ? inputs[2]->data<T>() : nullptr),
                     hasBias,
                     plan.size,
                     plan.epsilon};
    forEachRow(ctx, plan.rows, f);
  };
  return Status::ok();
}

/// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * scale.
template <typename T> struct LayerNormGradFn {
  const T *dy, *x;
  T *dx;
  ParamView<T> scale;
  int64_t n;
  double epsilon;
  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    const T *dyr = dy + row * n, *xr = x + row * n;
    T *dxr = dx + row * n;
    double mean, rstd;
    rowStats(lanes, xr, n, epsilon, mean, rstd);
    const ParamView<T> &sc = scale;
    double sumG = laneSum(
        lanes, n, [dyr, &sc](int64_t i) { return double(dyr[i]) * sc.at(i); });
    double sumGX = laneSum(lanes, n, [dyr, xr, &sc, mean, rstd](int64_t i) {
      return double(dyr[i]) * sc.at(i) * (double(xr[i]) - mean) * rstd;
    });
    double meanG = sumG / double(n), meanGX = sumGX / double(n);
    for (int64_t i = lanes.lane; i < n; i += lanes.count) {
      double g = double(dyr[i]) * scale.at(i);
      double xhat = (double(xr[i]) - mean) * rstd;
      dxr[i] = T(rstd * (g - meanG - xhat * meanGX));
    }
  }
};

template <typename T>
Status makeLayerNormGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 3, 3, 1))
    return s;
  LayerNormPlan plan;
  Shape normalized;
  if (Status s = readLayerNorm(spec, spec.inputs[1].shape, plan, normalized))
    return s;
  for (auto [what, shape] : {std::pair{"dy", spec.inputs[0].shape},
                             std::pair{"the result", spec.outputs[0].shape}})
    if (Status s = cpu::checkShape(spec, what, shape, spec.inputs[1].shape))
      return s;
  ParamLayout scale;
  if (Status s =
          paramLayout(spec, "scale", spec.inputs[2].shape, normalized, scale))
    return s;
  out = [plan, scale](KernelContext &ctx, const Tensor *const *inputs,
                      Tensor *const *outputs) {
    LayerNormGradFn<T> f{inputs[0]->data<T>(),
                         inputs[1]->data<T>(),
                         outputs[0]->data<T>(),
                         viewOf(scale, inputs[2]->data<T>()),
                         plan.size,
                         plan.epsilon};
    forEachRow(ctx, plan.rows, f);
  };
  return Status::ok();
}

/// stats[2 * row] = mean, stats[2 * row + 1] = rstd of every row.
template <typename T> struct RowStatsFn {
  const T *x;
  double *stats;
  int64_t n;
  double epsilon;
  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    double mean, rstd;
    rowStats(lanes, x + row * n, n, epsilon, mean, rstd);
    if (lanes.lane == 0) {
      stats[2 * row] = mean;
      stats[2 * row + 1] = rstd;
    }
  }
};

/// The rows of a column reduction split into `parts` runs of `length`, so
/// that a narrow normalised shape still fills the device; the parts' sums
/// are then added in order (deterministic). The device emulation takes
/// short runs so that its tests cover the split.
struct RowParts {
  int64_t parts = 1, length = 0;
};

RowParts rowParts(int64_t rows) {
#if defined(__CUDACC__)
  constexpr int64_t kPartLength = 256;
#else
  constexpr int64_t kPartLength = 4;
#endif
  constexpr int64_t kMaxParts = 1024;
  RowParts p;
  p.parts = std::max<int64_t>(
      1, std::min(kMaxParts, (rows + kPartLength - 1) / kPartLength));
  p.length = (rows + p.parts - 1) / p.parts;
  return p;
}

/// For normalised position i and part `part` of the rows (thread
/// part * n + i): the sums over those rows, in order, of dy * xhat and of
/// dy, into partial[part * n + i] and partial[(parts + part) * n + i].
/// Adjacent threads read adjacent elements.
template <typename T> struct ColumnPartialsFn {
  const T *dy, *x;
  const double *stats;
  double *partial;
  RowParts parts;
  int64_t rows, n;
  PP_HD void operator()(int64_t idx) const {
    int64_t part = idx / n, i = idx - part * n;
    int64_t begin = part * parts.length;
    int64_t end = begin + parts.length < rows ? begin + parts.length : rows;
    double sumScale = 0, sumBias = 0;
    for (int64_t r = begin; r < end; ++r) {
      double d = double(dy[r * n + i]);
      sumScale += d * (double(x[r * n + i]) - stats[2 * r]) * stats[2 * r + 1];
      sumBias += d;
    }
    partial[idx] = sumScale;
    partial[parts.parts * n + idx] = sumBias;
  }
};

/// scale[i] and bias[i] (T or double): position i's partial sums added in
/// order.
template <typename S, typename B> struct ColumnFinishFn {
  const double *partial;
  S *scale;
  B *bias;
  int64_t parts, n;
  PP_HD void operator()(int64_t i) const {
    double sumScale = 0, sumBias = 0;
    for (int64_t k = 0; k < parts; ++k) {
      sumScale += partial[k * n + i];
      sumBias += partial[(parts + k) * n + i];
    }
    scale[i] = S(sumScale);
    bias[i] = B(sumBias);
  }
};

/// result[e] = the sum of sums[p] over the positions p of parameter
/// element e, in ascending order (sums[e] itself when `direct`).
template <typename T> struct SpreadSumFn {
  const double *sums;
  T *result;
  bool direct;
  StridedIndexer<1> kept, spread;
  int64_t count;
  PP_HD void operator()(int64_t e) const {
    if (direct) {
      result[e] = T(sums[e]);
      return;
    }
    int64_t base[1], offset[1];
    kept.offsets(e, base);
    double acc = 0;
    for (int64_t j = 0; j < count; ++j) {
      spread.offsets(j, offset);
      acc += sums[base[0] + offset[0]];
    }
    result[e] = T(acc);
  }
};

template <typename T>
Status makeLayerNormGradParams(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 2, 2))
    return s;
  LayerNormPlan plan;
  Shape normalized;
  if (Status s = readLayerNorm(spec, spec.inputs[1].shape, plan, normalized))
    return s;
  if (Status s = cpu::checkShape(spec, "dy", spec.inputs[0].shape,
                                 spec.inputs[1].shape))
    return s;
  ParamLayout scale, bias;
  if (Status s =
          paramLayout(spec, "dscale", spec.outputs[0].shape, normalized, scale))
    return s;
  if (Status s =
          paramLayout(spec, "dbias", spec.outputs[1].shape, normalized, bias))
    return s;
  int64_t scaleSize = spec.outputs[0].numel();
  int64_t biasSize = spec.outputs[1].numel();
  out = [plan, scale, bias, scaleSize, biasSize](KernelContext &ctx,
                                                 const Tensor *const *inputs,
                                                 Tensor *const *outputs) {
    const int64_t n = plan.size, rows = plan.rows;
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    T *dscale = outputs[0]->data<T>(), *dbias = outputs[1]->data<T>();
    double *stats = static_cast<double *>(
        ctx.scratch(0, size_t(2 * rows) * sizeof(double)));
    forEachRow(ctx, rows, RowStatsFn<T>{x, stats, n, plan.epsilon});
    RowParts parts = rowParts(rows);
    double *partial = static_cast<double *>(
        ctx.scratch(3, size_t(2 * parts.parts * n) * sizeof(double)));
    forEach(ctx, parts.parts * n,
            ColumnPartialsFn<T>{dy, x, stats, partial, parts, rows, n});
    if (scale.direct && bias.direct) {
      forEach(ctx, n,
              ColumnFinishFn<T, T>{partial, dscale, dbias, parts.parts, n});
      return;
    }
    // A broadcast parameter's position sums go through scratch first.
    double *sumScale =
        static_cast<double *>(ctx.scratch(1, size_t(n) * sizeof(double)));
    double *sumBias =
        static_cast<double *>(ctx.scratch(2, size_t(n) * sizeof(double)));
    forEach(ctx, n,
            ColumnFinishFn<double, double>{partial, sumScale, sumBias,
                                           parts.parts, n});
    auto reduce = [&ctx](const ParamLayout &layout, const double *sums,
                         int64_t size, T *result) {
      forEach(ctx, size,
              SpreadSumFn<T>{sums, result, layout.direct, layout.kept,
                             layout.spread, layout.count});
    };
    reduce(scale, sumScale, scaleSize, dscale);
    reduce(bias, sumBias, biasSize, dbias);
  };
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Batch normalisation
//===----------------------------------------------------------------------===//

struct BatchNormPlan {
  int64_t batch = 0, channels = 0, spatial = 0; // x is batch x channels x ...
  double epsilon = 0, momentum = 0;
  bool training = false;
  int64_t count() const { return batch * spatial; }
};

Status readBatchNorm(const KernelSpec &spec, const Shape &input,
                     const std::vector<size_t> &params, bool forward,
                     BatchNormPlan &plan) {
  if (input.size() < 2)
    return spec.error("input " + formatShape(input) +
                      " must have a channel axis");
  int64_t training;
  if (Status s = readEpsilon(spec, plan.epsilon))
    return s;
  if (Status s = spec.attrs.getInt("training", training))
    return s;
  if (forward)
    if (Status s = spec.attrs.getFloat("momentum", plan.momentum))
      return s;
  plan.training = training != 0;
  plan.batch = input[0];
  plan.channels = input[1];
  plan.spatial = numElements(Shape(input.begin() + 2, input.end()));
  for (size_t i : params)
    if (Status s = cpu::checkShape(spec, "operand " + std::to_string(i),
                                   spec.inputs[i].shape, {plan.channels}))
      return s;
  if (plan.training && plan.count() < 2)
    return spec.error("training mode needs more than one value per channel, "
                      "got input " +
                      formatShape(input));
  return Status::ok();
}

/// The elements of one channel: the j-th, j in [0, batch * spatial), is at
/// (b * channels + c) * spatial + i for j = b * spatial + i.
struct ChannelView {
  int64_t channels, spatial;
  PP_HD int64_t at(int64_t c, int64_t j) const {
    int64_t b = j / spatial, i = j - b * spatial;
    return (b * channels + c) * spatial + i;
  }
};

/// A channel's elements split into `parts` runs of `length`, one warp
/// each, so that a few channels still fill the device; the partial sums
/// are then added per channel in order (deterministic).
struct ChannelParts {
  int64_t parts = 1, length = 0;
};

ChannelParts channelParts(int64_t count) {
#if defined(__CUDACC__)
  constexpr int64_t kPartLength = 2048;
#else
  // Short parts, so that the emulation's tests cover the split.
  constexpr int64_t kPartLength = 16;
#endif
  constexpr int64_t kMaxParts = 1024;
  ChannelParts p;
  p.parts = std::max<int64_t>(
      1, std::min(kMaxParts, (count + kPartLength - 1) / kPartLength));
  p.length = (count + p.parts - 1) / p.parts;
  return p;
}

/// Per-channel values in double, each array `channels` long (scratch).
struct ChannelState {
  double *mean, *var;
  double *a, *b, *meanDy, *meanDyX; // coefficients of the elementwise pass
};

ChannelState channelState(KernelContext &ctx, int64_t channels) {
  double *s = static_cast<double *>(
      ctx.scratch(1, size_t(6 * channels) * sizeof(double)));
  return {s,
          s + channels,
          s + 2 * channels,
          s + 3 * channels,
          s + 4 * channels,
          s + 5 * channels};
}

/// What the partial sums of a channel part add up.
enum class PartialKind : int {
  Values,       // x
  Squares,      // (x - mean)^2
  GradientSums, // dy, and dy * xhat
};

/// partial[row] (and partial[rows + row] for GradientSums) = the sums of
/// part `row % parts` of channel `row / parts`.
template <typename T> struct ChannelPartialsFn {
  const T *x, *dy;
  ChannelState state;
  double *partial;
  ChannelView v;
  ChannelParts parts;
  int64_t count, channels;
  double epsilon;
  PartialKind kind;
  PP_HD void operator()(int64_t row, const Lanes &lanes) const {
    int64_t c = row / parts.parts, part = row - c * parts.parts;
    int64_t begin = part * parts.length;
    int64_t end = begin + parts.length < count ? begin + parts.length : count;
    double mean = kind == PartialKind::Values ? 0.0 : state.mean[c];
    double rstd = kind == PartialKind::GradientSums
                      ? 1 / sqrt(state.var[c] + epsilon)
                      : 0.0;
    double s0 = 0, s1 = 0;
    for (int64_t j = begin + lanes.lane; j < end; j += lanes.count) {
      int64_t i = v.at(c, j);
      double xv = double(x[i]);
      if (kind == PartialKind::Values) {
        s0 += xv;
      } else if (kind == PartialKind::Squares) {
        double d = xv - mean;
        s0 += d * d;
      } else {
        double g = double(dy[i]);
        s0 += g;
        s1 += g * (xv - mean) * rstd;
      }
    }
    s0 = lanes.reduce(s0, Plus());
    s1 = lanes.reduce(s1, Plus());
    if (lanes.lane == 0) {
      partial[row] = s0;
      partial[channels * parts.parts + row] = s1;
    }
  }
};

/// The sum of channel c's partials (of the second sums with `second`).
PP_HD inline double sumParts(const double *partial, int64_t channels,
                             ChannelParts parts, int64_t c, bool second) {
  const double *p =
      partial + (second ? channels * parts.parts : 0) + c * parts.parts;
  double sum = 0;
  for (int64_t k = 0; k < parts.parts; ++k)
    sum += p[k];
  return sum;
}

/// out[c] = the sum of channel c's partials / count.
struct PartialMeanFn {
  const double *partial;
  double *out;
  ChannelParts parts;
  int64_t channels, count;
  PP_HD void operator()(int64_t c) const {
    out[c] = sumParts(partial, channels, parts, c, false) / double(count);
  }
};

/// The statistics of an inference-mode batch norm: the running ones.
template <typename T> struct RunningStatsFn {
  const T *runningMean, *runningVar;
  ChannelState state;
  PP_HD void operator()(int64_t c) const {
    state.mean[c] = double(runningMean[c]);
    state.var[c] = double(runningVar[c]);
  }
};

/// The batch's mean and biased variance into `state` (training mode):
/// partial sums of x, their means, then of the centred squares.
template <typename T>
void batchStats(KernelContext &ctx, const T *x, ChannelView v, int64_t count,
                int64_t channels, ChannelState state) {
  ChannelParts parts = channelParts(count);
  int64_t rows = channels * parts.parts;
  double *partial =
      static_cast<double *>(ctx.scratch(0, size_t(2 * rows) * sizeof(double)));
  ChannelPartialsFn<T> f{
      x,     nullptr, state,    partial, v,
      parts, count,   channels, 0.0,     PartialKind::Values};
  forEachRow(ctx, rows, f);
  forEach(ctx, channels,
          PartialMeanFn{partial, state.mean, parts, channels, count});
  f.kind = PartialKind::Squares;
  forEachRow(ctx, rows, f);
  forEach(ctx, channels,
          PartialMeanFn{partial, state.var, parts, channels, count});
}

/// The forward coefficients y = x * a + b of every channel, and in training
/// mode the running statistics' update (ONNX momentum, unbiased variance).
template <typename T> struct ForwardCoefficientsFn {
  const T *scale, *bias;
  T *runningMean, *runningVar;
  ChannelState state;
  int64_t count;
  bool training;
  double epsilon, momentum;
  PP_HD void operator()(int64_t c) const {
    double mean = state.mean[c], var = state.var[c];
    if (training) {
      const double n = double(count), keep = momentum;
      runningMean[c] = T(double(runningMean[c]) * keep + mean * (1 - keep));
      runningVar[c] =
          T(double(runningVar[c]) * keep + var * n / (n - 1) * (1 - keep));
    }
    double a = double(scale[c]) / sqrt(var + epsilon);
    state.a[c] = a;
    state.b[c] = double(bias[c]) - mean * a;
  }
};

/// y = x * a + b per channel, one thread per element.
template <typename T> struct ForwardApplyFn {
  const T *x;
  T *y;
  ChannelState state;
  int64_t channels, spatial;
  PP_HD void operator()(int64_t i) const {
    int64_t c = (i / spatial) % channels;
    y[i] = T(double(x[i]) * state.a[c] + state.b[c]);
  }
};

template <typename T>
Status makeBatchNorm(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 5, 5, 1))
    return s;
  BatchNormPlan plan;
  if (Status s = readBatchNorm(spec, spec.inputs[0].shape, {1, 2, 3, 4},
                               /*forward=*/true, plan))
    return s;
  if (Status s = cpu::checkShape(spec, "the result", spec.outputs[0].shape,
                                 spec.inputs[0].shape))
    return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>();
    T *runningMean = inputs[3]->data<T>(), *runningVar = inputs[4]->data<T>();
    const int64_t channels = plan.channels;
    ChannelState state = channelState(ctx, channels);
    ChannelView v{channels, plan.spatial};
    if (plan.training)
      batchStats(ctx, x, v, plan.count(), channels, state);
    else
      forEach(ctx, channels, RunningStatsFn<T>{runningMean, runningVar, state});
    forEach(ctx, channels,
            ForwardCoefficientsFn<T>{inputs[1]->data<T>(), inputs[2]->data<T>(),
                                     runningMean, runningVar, state,
                                     plan.count(), plan.training, plan.epsilon,
                                     plan.momentum});
    forEach(ctx, plan.batch * channels * plan.spatial,
            ForwardApplyFn<T>{x, outputs[0]->data<T>(), state, channels,
                              plan.spatial});
  };
  return Status::ok();
}

/// From channel c's sums of dy and dy * xhat: with `Params`, the scale and
/// bias gradients; otherwise the coefficients of dx = a * (dy - meanDy -
/// xhat * meanDyX) (training mode).
template <typename T, bool Params> struct GradientCoefficientsFn {
  const double *partial;
  const T *scale;
  T *dscale, *dbias;
  ChannelState state;
  ChannelParts parts;
  int64_t channels, count;
  double epsilon;
  PP_HD void operator()(int64_t c) const {
    double sumDy = sumParts(partial, channels, parts, c, false);
    double sumDyX = sumParts(partial, channels, parts, c, true);
    if (Params) {
      dscale[c] = T(sumDyX);
      dbias[c] = T(sumDy);
      return;
    }
    const double n = double(count);
    double rstd = 1 / sqrt(state.var[c] + epsilon);
    state.a[c] = double(scale[c]) * rstd;
    state.meanDy[c] = sumDy / n;
    state.meanDyX[c] = sumDyX / n;
  }
};

/// The partial sums of dy and dy * xhat of every channel (scratch slot 0).
template <typename T>
double *gradientPartials(KernelContext &ctx, const T *dy, const T *x,
                         ChannelView v, int64_t count, int64_t channels,
                         double epsilon, ChannelState state,
                         ChannelParts parts) {
  int64_t rows = channels * parts.parts;
  double *partial =
      static_cast<double *>(ctx.scratch(0, size_t(2 * rows) * sizeof(double)));
  forEachRow(ctx, rows,
             ChannelPartialsFn<T>{x, dy, state, partial, v, parts, count,
                                  channels, epsilon,
                                  PartialKind::GradientSums});
  return partial;
}

/// dx of training mode, one thread per element.
template <typename T> struct GradApplyFn {
  const T *dy, *x;
  T *dx;
  ChannelState state;
  int64_t channels, spatial;
  double epsilon;
  PP_HD void operator()(int64_t i) const {
    int64_t c = (i / spatial) % channels;
    double rstd = 1 / sqrt(state.var[c] + epsilon);
    double xhat = (double(x[i]) - state.mean[c]) * rstd;
    dx[i] = T(state.a[c] *
              (double(dy[i]) - state.meanDy[c] - xhat * state.meanDyX[c]));
  }
};

/// dx = dy * scale / sqrt(running var + epsilon) (inference mode).
template <typename T> struct InferenceGradFn {
  const T *dy, *scale, *runningVar;
  T *dx;
  int64_t channels, spatial;
  double epsilon;
  PP_HD void operator()(int64_t i) const {
    int64_t c = (i / spatial) % channels;
    double a = double(scale[c]) / sqrt(double(runningVar[c]) + epsilon);
    dx[i] = T(double(dy[i]) * a);
  }
};

template <typename T>
Status makeBatchNormGrad(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 5, 5, 1))
    return s;
  BatchNormPlan plan;
  if (Status s = readBatchNorm(spec, spec.inputs[1].shape, {2, 3, 4},
                               /*forward=*/false, plan))
    return s;
  for (auto [what, shape] : {std::pair{"dy", spec.inputs[0].shape},
                             std::pair{"the result", spec.outputs[0].shape}})
    if (Status s = cpu::checkShape(spec, what, shape, spec.inputs[1].shape))
      return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>(),
            *scale = inputs[2]->data<T>();
    T *dx = outputs[0]->data<T>();
    const int64_t channels = plan.channels, count = plan.count();
    const int64_t n = plan.batch * channels * plan.spatial;
    if (!plan.training) {
      forEach(ctx, n,
              InferenceGradFn<T>{dy, scale, inputs[4]->data<T>(), dx, channels,
                                 plan.spatial, plan.epsilon});
      return;
    }
    ChannelState state = channelState(ctx, channels);
    ChannelView v{channels, plan.spatial};
    batchStats(ctx, x, v, count, channels, state);
    ChannelParts parts = channelParts(count);
    double *partial = gradientPartials(ctx, dy, x, v, count, channels,
                                       plan.epsilon, state, parts);
    forEach(ctx, channels,
            GradientCoefficientsFn<T, false>{partial, scale, nullptr, nullptr,
                                             state, parts, channels, count,
                                             plan.epsilon});
    forEach(
        ctx, n,
        GradApplyFn<T>{dy, x, dx, state, channels, plan.spatial, plan.epsilon});
  };
  return Status::ok();
}

template <typename T>
Status makeBatchNormGradParams(const KernelSpec &spec, KernelFn &out) {
  if (Status s = cpu::checkArityAndDType(spec, 4, 4, 2))
    return s;
  BatchNormPlan plan;
  if (Status s = readBatchNorm(spec, spec.inputs[1].shape, {2, 3},
                               /*forward=*/false, plan))
    return s;
  if (Status s = cpu::checkShape(spec, "dy", spec.inputs[0].shape,
                                 spec.inputs[1].shape))
    return s;
  for (size_t i = 0; i < 2; ++i)
    if (Status s = cpu::checkShape(spec, "result " + std::to_string(i),
                                   spec.outputs[i].shape, {plan.channels}))
      return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    const int64_t channels = plan.channels, count = plan.count();
    ChannelState state = channelState(ctx, channels);
    ChannelView v{channels, plan.spatial};
    if (plan.training)
      batchStats(ctx, x, v, count, channels, state);
    else
      forEach(
          ctx, channels,
          RunningStatsFn<T>{inputs[2]->data<T>(), inputs[3]->data<T>(), state});
    ChannelParts parts = channelParts(count);
    double *partial = gradientPartials(ctx, dy, x, v, count, channels,
                                       plan.epsilon, state, parts);
    forEach(ctx, channels,
            GradientCoefficientsFn<T, true>{
                partial, nullptr, outputs[0]->data<T>(), outputs[1]->data<T>(),
                state, parts, channels, count, plan.epsilon});
  };
  return Status::ok();
}

} // namespace

void registerNormKernels(KernelRegistry &registry) {
  registry.add("nn.layer_norm", Backend::CUDA,
               floatKernel<makeLayerNorm<float>, makeLayerNorm<double>>);
  registry.add(
      "nn.layer_norm_grad", Backend::CUDA,
      floatKernel<makeLayerNormGrad<float>, makeLayerNormGrad<double>>);
  registry.add("nn.layer_norm_grad_params", Backend::CUDA,
               floatKernel<makeLayerNormGradParams<float>,
                           makeLayerNormGradParams<double>>);
  registry.add("nn.batch_norm", Backend::CUDA,
               floatKernel<makeBatchNorm<float>, makeBatchNorm<double>>);
  registry.add(
      "nn.batch_norm_grad", Backend::CUDA,
      floatKernel<makeBatchNormGrad<float>, makeBatchNormGrad<double>>);
  registry.add("nn.batch_norm_grad_params", Backend::CUDA,
               floatKernel<makeBatchNormGradParams<float>,
                           makeBatchNormGradParams<double>>);
}

} // namespace pp::rt::PP_DEVICE_NS
