//===- NormKernels.cpp - Layer and batch normalisation on the CPU ---------===//
//
// `nn.layer_norm`, `nn.layer_norm_grad`, `nn.layer_norm_grad_params`,
// `nn.batch_norm` (inference and training mode), `nn.batch_norm_grad` and
// `nn.batch_norm_grad_params`. Statistics are accumulated in double for
// every element type, with a two-pass (mean, then centred squares) biased
// variance, as PyTorch normalises.
//
// Layer normalisation runs over the axes from `axis` on; its scale and bias
// may broadcast over those axes, so preparation maps every normalised
// position to its parameter element. Batch normalisation in training mode
// normalises with the batch's statistics and updates the `mean` and `var`
// operand buffers in place, with ONNX's momentum convention and, as
// PyTorch, the unbiased batch variance for the running variance:
//
//   running = running * momentum + batch * (1 - momentum)
//
// The checks and shapes are the preparation both backends share
// (kernels/NormPlan.h).
//
//===----------------------------------------------------------------------===//

#include "../kernels/NormPlan.h"
#include "CpuKernels.h"
#include "ShapeIndexing.h"
#include "TypeDispatch.h"

#include <algorithm>
#include <cmath>

namespace pp::rt::cpu {
namespace {

//===----------------------------------------------------------------------===//
// Shared pieces
//===----------------------------------------------------------------------===//

/// Mean and biased variance of the values x[b * blockStride + i] for
/// b < blocks and i < block.
template <typename T>
void moments(const T *x, int64_t blocks, int64_t blockStride, int64_t block,
             double &mean, double &var) {
  double count = double(blocks * block), sum = 0, squares = 0;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < block; ++i)
      sum += double(x[b * blockStride + i]);
  mean = sum / count;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t i = 0; i < block; ++i) {
      double d = double(x[b * blockStride + i]) - mean;
      squares += d * d;
    }
  var = squares / count;
}

//===----------------------------------------------------------------------===//
// Layer normalisation
//===----------------------------------------------------------------------===//

/// The shared plan (kernels/NormPlan.h) and the row statistics.
struct LayerNormRows : kernels::LayerNormPlan {
  /// Mean and 1 / sqrt(biased variance + epsilon) of the row at x.
  template <typename T>
  void rowStats(const T *x, double &mean, double &rstd) const {
    double var;
    moments(x, 1, 0, size, mean, var);
    rstd = 1 / std::sqrt(var + epsilon);
  }
};

/// The parameter element of every normalised position; empty when the
/// parameter has exactly one element per position.
std::vector<int64_t> paramIndex(const kernels::LayerNormParam &param,
                                const Shape &normalized) {
  if (param.direct)
    return {};
  return broadcastIndex(param.trimmed, normalized);
}

/// `size` doubles of the context's scratch slot `slot`.
inline double *scratchDoubles(KernelContext &ctx, unsigned slot, int64_t size) {
  return static_cast<double *>(
      ctx.scratch(slot, size_t(size) * sizeof(double)));
}

/// The parameter values at every normalised position, in double.
template <typename T>
void expandParam(const T *param, const std::vector<int64_t> &index,
                 int64_t size, double *out) {
  for (int64_t i = 0; i < size; ++i)
    out[i] = double(param[index.empty() ? i : index[size_t(i)]]);
}

template <typename T>
Status makeLayerNorm(const KernelSpec &spec, KernelFn &out) {
  LayerNormRows plan;
  if (Status s =
          kernels::planLayerNorm(spec, kernels::LayerNormOp::Forward, plan))
    return s;
  const bool hasBias = plan.hasBias;
  std::vector<int64_t> scaleIndex = paramIndex(plan.scale, plan.normalized);
  std::vector<int64_t> biasIndex;
  if (hasBias)
    biasIndex = paramIndex(plan.bias, plan.normalized);
  out = [plan, hasBias, scaleIndex, biasIndex](KernelContext &ctx,
                                               const Tensor *const *inputs,
                                               Tensor *const *outputs) {
    const int64_t n = plan.size;
    double *scale = scratchDoubles(ctx, 0, n);
    double *bias = scratchDoubles(ctx, 1, n);
    expandParam(inputs[1]->data<T>(), scaleIndex, n, scale);
    if (hasBias)
      expandParam(inputs[2]->data<T>(), biasIndex, n, bias);
    else
      std::fill(bias, bias + n, 0.0);
    for (int64_t r = 0; r < plan.rows; ++r) {
      const T *x = inputs[0]->data<T>() + r * n;
      T *y = outputs[0]->data<T>() + r * n;
      double mean, rstd;
      plan.rowStats(x, mean, rstd);
      for (int64_t i = 0; i < n; ++i)
        y[i] = T((double(x[i]) - mean) * rstd * scale[i] + bias[i]);
    }
  };
  return Status::ok();
}

template <typename T>
Status makeLayerNormGrad(const KernelSpec &spec, KernelFn &out) {
  LayerNormRows plan;
  if (Status s = kernels::planLayerNorm(spec, kernels::LayerNormOp::Grad, plan))
    return s;
  std::vector<int64_t> scaleIndex = paramIndex(plan.scale, plan.normalized);
  // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * scale.
  out = [plan, scaleIndex](KernelContext &ctx, const Tensor *const *inputs,
                           Tensor *const *outputs) {
    const int64_t n = plan.size;
    double *scale = scratchDoubles(ctx, 0, n);
    double *g = scratchDoubles(ctx, 1, n);
    expandParam(inputs[2]->data<T>(), scaleIndex, n, scale);
    for (int64_t r = 0; r < plan.rows; ++r) {
      const T *dy = inputs[0]->data<T>() + r * n;
      const T *x = inputs[1]->data<T>() + r * n;
      T *dx = outputs[0]->data<T>() + r * n;
      double mean, rstd;
      plan.rowStats(x, mean, rstd);
      double sumG = 0, sumGX = 0;
      for (int64_t i = 0; i < n; ++i) {
        g[i] = double(dy[i]) * scale[i];
        sumG += g[i];
        sumGX += g[i] * (double(x[i]) - mean) * rstd;
      }
      double meanG = sumG / double(n), meanGX = sumGX / double(n);
      for (int64_t i = 0; i < n; ++i) {
        double xhat = (double(x[i]) - mean) * rstd;
        dx[i] = T(rstd * (g[i] - meanG - xhat * meanGX));
      }
    }
  };
  return Status::ok();
}

template <typename T>
Status makeLayerNormGradParams(const KernelSpec &spec, KernelFn &out) {
  LayerNormRows plan;
  if (Status s =
          kernels::planLayerNorm(spec, kernels::LayerNormOp::GradParams, plan))
    return s;
  std::vector<int64_t> scaleIndex = paramIndex(plan.scale, plan.normalized);
  std::vector<int64_t> biasIndex = paramIndex(plan.bias, plan.normalized);
  const int64_t scaleSize = plan.scale.size, biasSize = plan.bias.size;
  // Sums per normalised position over the rows, then over broadcast axes.
  out = [plan, scaleIndex, biasIndex, scaleSize,
         biasSize](KernelContext &ctx, const Tensor *const *inputs,
                   Tensor *const *outputs) {
    const int64_t n = plan.size;
    double *sumScale = scratchDoubles(ctx, 0, n);
    double *sumBias = scratchDoubles(ctx, 1, n);
    std::fill(sumScale, sumScale + n, 0.0);
    std::fill(sumBias, sumBias + n, 0.0);
    for (int64_t r = 0; r < plan.rows; ++r) {
      const T *dy = inputs[0]->data<T>() + r * n;
      const T *x = inputs[1]->data<T>() + r * n;
      double mean, rstd;
      plan.rowStats(x, mean, rstd);
      for (int64_t i = 0; i < n; ++i) {
        sumScale[i] += double(dy[i]) * (double(x[i]) - mean) * rstd;
        sumBias[i] += double(dy[i]);
      }
    }
    // A broadcast parameter's sums gather in scratch slot 2.
    auto reduce = [n, &ctx](const double *sums,
                            const std::vector<int64_t> &index, int64_t size,
                            T *result) {
      if (index.empty()) {
        for (int64_t i = 0; i < n; ++i)
          result[i] = T(sums[i]);
        return;
      }
      double *acc = scratchDoubles(ctx, 2, size);
      std::fill(acc, acc + size, 0.0);
      for (int64_t i = 0; i < n; ++i)
        acc[index[size_t(i)]] += sums[i];
      for (int64_t i = 0; i < size; ++i)
        result[i] = T(acc[i]);
    };
    reduce(sumScale, scaleIndex, scaleSize, outputs[0]->data<T>());
    reduce(sumBias, biasIndex, biasSize, outputs[1]->data<T>());
  };
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// Batch normalisation
//===----------------------------------------------------------------------===//

/// The shared plan (kernels/NormPlan.h) and the walks over a channel.
struct BatchNormChannels : kernels::BatchNormPlan {
  /// Runs fn(value index) over every element of channel c.
  template <typename Fn> void forChannel(int64_t c, Fn &&fn) const {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t i = 0, base = (b * channels + c) * spatial; i < spatial; ++i)
        fn(base + i);
  }
  /// The mean and biased variance channel c is normalised with: its batch
  /// statistics in training mode, the running ones otherwise.
  template <typename T>
  void stats(const T *x, const T *runningMean, const T *runningVar, int64_t c,
             double &mean, double &var) const {
    if (!training) {
      mean = double(runningMean[c]);
      var = double(runningVar[c]);
      return;
    }
    moments(x + c * spatial, batch, channels * spatial, spatial, mean, var);
  }
  /// Over channel c: the sums of dy and of dy * xhat, xhat = (x - mean) *
  /// rstd, which the gradients of x, scale and bias take.
  template <typename T>
  void gradientSums(const T *dy, const T *x, int64_t c, double mean,
                    double rstd, double &sumDy, double &sumDyX) const {
    sumDy = 0;
    sumDyX = 0;
    forChannel(c, [&](int64_t i) {
      sumDy += double(dy[i]);
      sumDyX += double(dy[i]) * (double(x[i]) - mean) * rstd;
    });
  }
};

template <typename T>
Status makeBatchNorm(const KernelSpec &spec, KernelFn &out) {
  BatchNormChannels plan;
  if (Status s =
          kernels::planBatchNorm(spec, kernels::BatchNormOp::Forward, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *x = inputs[0]->data<T>(), *scale = inputs[1]->data<T>(),
            *bias = inputs[2]->data<T>();
    T *runningMean = inputs[3]->data<T>(), *runningVar = inputs[4]->data<T>();
    T *y = outputs[0]->data<T>();
    const double n = double(plan.count()), keep = plan.momentum;
    for (int64_t c = 0; c < plan.channels; ++c) {
      double mean, var;
      plan.stats(x, runningMean, runningVar, c, mean, var);
      if (plan.training) {
        runningMean[c] = T(double(runningMean[c]) * keep + mean * (1 - keep));
        runningVar[c] =
            T(double(runningVar[c]) * keep + var * n / (n - 1) * (1 - keep));
      }
      double a = double(scale[c]) / std::sqrt(var + plan.epsilon);
      double b = double(bias[c]) - mean * a;
      plan.forChannel(c, [&](int64_t i) { y[i] = T(double(x[i]) * a + b); });
    }
  };
  return Status::ok();
}

template <typename T>
Status makeBatchNormGrad(const KernelSpec &spec, KernelFn &out) {
  BatchNormChannels plan;
  if (Status s = kernels::planBatchNorm(spec, kernels::BatchNormOp::Grad, plan))
    return s;
  // Training: dx = scale * rstd * (dy - mean(dy) - xhat * mean(dy * xhat))
  // over the channel; inference: dx = dy * scale * rstd.
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>(),
            *scale = inputs[2]->data<T>(), *runningMean = inputs[3]->data<T>(),
            *runningVar = inputs[4]->data<T>();
    T *dx = outputs[0]->data<T>();
    const double n = double(plan.count());
    for (int64_t c = 0; c < plan.channels; ++c) {
      double mean, var, sumDy, sumDyX;
      plan.stats(x, runningMean, runningVar, c, mean, var);
      if (!plan.training) {
        double a = double(scale[c]) / std::sqrt(var + plan.epsilon);
        plan.forChannel(c, [&](int64_t i) { dx[i] = T(double(dy[i]) * a); });
        continue;
      }
      double rstd = 1 / std::sqrt(var + plan.epsilon);
      plan.gradientSums(dy, x, c, mean, rstd, sumDy, sumDyX);
      double a = double(scale[c]) * rstd, meanDy = sumDy / n,
             meanDyX = sumDyX / n;
      plan.forChannel(c, [&](int64_t i) {
        double xhat = (double(x[i]) - mean) * rstd;
        dx[i] = T(a * (double(dy[i]) - meanDy - xhat * meanDyX));
      });
    }
  };
  return Status::ok();
}

template <typename T>
Status makeBatchNormGradParams(const KernelSpec &spec, KernelFn &out) {
  BatchNormChannels plan;
  if (Status s =
          kernels::planBatchNorm(spec, kernels::BatchNormOp::GradParams, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const T *dy = inputs[0]->data<T>(), *x = inputs[1]->data<T>(),
            *runningMean = inputs[2]->data<T>(),
            *runningVar = inputs[3]->data<T>();
    T *dscale = outputs[0]->data<T>(), *dbias = outputs[1]->data<T>();
    for (int64_t c = 0; c < plan.channels; ++c) {
      double mean, var, sumDy, sumDyX;
      plan.stats(x, runningMean, runningVar, c, mean, var);
      plan.gradientSums(dy, x, c, mean, 1 / std::sqrt(var + plan.epsilon),
                        sumDy, sumDyX);
      dscale[c] = T(sumDyX);
      dbias[c] = T(sumDy);
    }
  };
  return Status::ok();
}

} // namespace

void registerNormKernels(KernelRegistry &registry) {
  registry.add("nn.layer_norm", Backend::CPU,
               floatKernel<makeLayerNorm<float>, makeLayerNorm<double>>);
  registry.add(
      "nn.layer_norm_grad", Backend::CPU,
      floatKernel<makeLayerNormGrad<float>, makeLayerNormGrad<double>>);
  registry.add("nn.layer_norm_grad_params", Backend::CPU,
               floatKernel<makeLayerNormGradParams<float>,
                           makeLayerNormGradParams<double>>);
  registry.add("nn.batch_norm", Backend::CPU,
               floatKernel<makeBatchNorm<float>, makeBatchNorm<double>>);
  registry.add(
      "nn.batch_norm_grad", Backend::CPU,
      floatKernel<makeBatchNormGrad<float>, makeBatchNormGrad<double>>);
  registry.add("nn.batch_norm_grad_params", Backend::CPU,
               floatKernel<makeBatchNormGradParams<float>,
                           makeBatchNormGradParams<double>>);
}

} // namespace pp::rt::cpu
