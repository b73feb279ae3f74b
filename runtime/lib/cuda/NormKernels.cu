//===- NormKernels.cu - Layer and batch normalisation on the device -------===//
//
// `nn.layer_norm`, `nn.layer_norm_grad`, `nn.layer_norm_grad_params`,
// `nn.batch_norm` (inference and training mode), `nn.batch_norm_grad` and
// `nn.batch_norm_grad_params`, with the CPU backend's semantics
// (runtime/lib/cpu/NormKernels.cpp) and preparation (kernels/NormPlan.h):
// statistics accumulated in double for
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

#include "../cpu/ShapeIndexing.h"
#include "../kernels/NormPlan.h"
#include "DeviceIndexing.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "FloatKernel.h"
#include "WarpRows.h"

#include <algorithm>
#include <cmath>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The sum over the row's lanes of term(j), j in [0, n), in double.
template <typename Term>
PP_HD double laneSum(const Lanes &lanes, int64_t n, const Term &term) {
  double acc = 0;
  for (int64_t j = lanes.lane; j < n; j += lanes.count)
    acc += term(j);
  return lanes.reduce(acc, SumOp());
}

//===----------------------------------------------------------------------===//
// Layer normalisation
//===----------------------------------------------------------------------===//

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

/// The layout of a parameter the shared preparation accepted; false when
/// it broadcasts over more than kMaxRank axes.
bool paramLayout(const kernels::LayerNormParam &param, const Shape &normalized,
                 ParamLayout &layout) {
  layout = ParamLayout();
  if (param.direct)
    return true;
  const Shape &trimmed = param.trimmed;
  layout.direct = false;
  Shape aligned(normalized.size() - trimmed.size(), 1);
  aligned.insert(aligned.end(), trimmed.begin(), trimmed.end());
  std::vector<int64_t> own = contiguousStrides(normalized);
  Shape keptShape(normalized.size(), 1), spreadShape(normalized.size(), 1);
  for (size_t d = 0; d < normalized.size(); ++d)
    (aligned[d] == 1 ? spreadShape : keptShape)[d] = normalized[d];
  layout.count = numElements(spreadShape);
  return makeIndexer<1>(normalized, {broadcastStrides(aligned, normalized)},
                        layout.read) &&
         makeIndexer<1>(keptShape, {own}, layout.kept) &&
         makeIndexer<1>(spreadShape, {own}, layout.spread);
}

/// The CUDA backend's limit on a layer norm parameter: its indexers'
/// rank.
Status paramLimits(const KernelSpec &spec, const std::string &what,
                   const kernels::LayerNormParam &param,
                   const Shape &normalized) {
  ParamLayout layout;
  if (!paramLayout(param, normalized, layout))
    return spec.error(what + " of shape " + formatShape(param.shape) +
                      " broadcasts over more than " + std::to_string(kMaxRank) +
                      " axes");
  return Status::ok();
}

/// Checks and plans layer norm op `op` (kernels/NormPlan.h) and lays out
/// its parameters.
Status planDeviceLayerNorm(const KernelSpec &spec, kernels::LayerNormOp op,
                           kernels::LayerNormPlan &plan, ParamLayout &scale,
                           ParamLayout &bias) {
  if (Status s = kernels::planLayerNorm(spec, op, plan, paramLimits))
    return s;
  paramLayout(plan.scale, plan.normalized, scale);
  if (op != kernels::LayerNormOp::Grad)
    paramLayout(plan.bias, plan.normalized, bias);
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
  kernels::LayerNormPlan plan;
  ParamLayout scale, bias;
  if (Status s = planDeviceLayerNorm(spec, kernels::LayerNormOp::Forward, plan,
                                     scale, bias))
    return s;
  const bool hasBias = plan.hasBias;
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
  kernels::LayerNormPlan plan;
  ParamLayout scale, unused;
  if (Status s = planDeviceLayerNorm(spec, kernels::LayerNormOp::Grad, plan,
                                     scale, unused))
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

/// `count` values split into `parts` runs of `length` (the last possibly
/// shorter), about `partLength` each and at most 1024 runs, so that a few
/// long reductions still fill the device; the runs' partial sums are then
/// added in order (deterministic).
struct Parts {
  int64_t parts = 1, length = 0;
};

/// The parts' lengths: the rows of the layer norm parameter gradients'
/// column sums (a narrow normalised shape still fills the device), and the
/// values of a batch norm channel (a few channels still fill the device,
/// one warp a part). The device emulation takes short parts so that its
/// tests cover the splits.
#if defined(__CUDACC__)
constexpr int64_t kRowPartLength = 256, kChannelPartLength = 2048;
#else
constexpr int64_t kRowPartLength = 4, kChannelPartLength = 16;
#endif

Parts splitParts(int64_t count, int64_t partLength) {
  constexpr int64_t kMaxParts = 1024;
  Parts p;
  p.parts = std::max<int64_t>(
      1, std::min(kMaxParts, (count + partLength - 1) / partLength));
  p.length = (count + p.parts - 1) / p.parts;
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
  Parts parts;
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
  kernels::LayerNormPlan plan;
  ParamLayout scale, bias;
  if (Status s = planDeviceLayerNorm(spec, kernels::LayerNormOp::GradParams,
                                     plan, scale, bias))
    return s;
  const int64_t scaleSize = plan.scale.size, biasSize = plan.bias.size;
  out = [plan, scale, bias, scaleSize, biasSize](KernelContext &ctx,
                                                 const Tensor *const *inputs,
                                                 Tensor *const *outputs) {
    const int64_t n = plan.size, rows = plan.rows;
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>();
    T *dscale = outputs[0]->data<T>(), *dbias = outputs[1]->data<T>();
    double *stats = static_cast<double *>(
        ctx.scratch(0, size_t(2 * rows) * sizeof(double)));
    forEachRow(ctx, rows, RowStatsFn<T>{x, stats, n, plan.epsilon});
    Parts parts = splitParts(rows, kRowPartLength);
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

/// The elements of one channel: the j-th, j in [0, batch * spatial), is at
/// (b * channels + c) * spatial + i for j = b * spatial + i.
struct ChannelView {
  int64_t channels, spatial;
  PP_HD int64_t at(int64_t c, int64_t j) const {
    int64_t b = j / spatial, i = j - b * spatial;
    return (b * channels + c) * spatial + i;
  }
};

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
  Parts parts;
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
    s0 = lanes.reduce(s0, SumOp());
    s1 = lanes.reduce(s1, SumOp());
    if (lanes.lane == 0) {
      partial[row] = s0;
      partial[channels * parts.parts + row] = s1;
    }
  }
};

/// The sum of channel c's partials (of the second sums with `second`).
PP_HD inline double sumParts(const double *partial, int64_t channels,
                             Parts parts, int64_t c, bool second) {
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
  Parts parts;
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
  Parts parts = splitParts(count, kChannelPartLength);
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
  kernels::BatchNormPlan plan;
  if (Status s =
          kernels::planBatchNorm(spec, kernels::BatchNormOp::Forward, plan))
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
  Parts parts;
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
                         double epsilon, ChannelState state, Parts parts) {
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
  kernels::BatchNormPlan plan;
  if (Status s = kernels::planBatchNorm(spec, kernels::BatchNormOp::Grad, plan))
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
    Parts parts = splitParts(count, kChannelPartLength);
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
  kernels::BatchNormPlan plan;
  if (Status s =
          kernels::planBatchNorm(spec, kernels::BatchNormOp::GradParams, plan))
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
    Parts parts = splitParts(count, kChannelPartLength);
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
