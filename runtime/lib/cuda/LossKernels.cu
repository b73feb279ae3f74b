//===- LossKernels.cu - Softmax cross-entropy on CUDA ---------------------===//
//
// softmax_cross_entropy and its gradient with the CPU backend's semantics
// (runtime/lib/cpu/LossKernels.cpp): the mean over positions whose label is
// not `ignore_index` of logsumexp(logits) - logits[label], classes on the
// last axis, each row's maximum subtracted first and sums in double.
//
// Both run a warp per position (forEachRow). The loss writes each row's
// loss (0 where ignored) to scratch, then a single warp sums them and
// counts the positions that count, in a fixed order, so the mean repeats
// bit for bit with no atomics. The gradient first has one warp count the
// positions and turn dloss into the per-row scale, which the row kernel
// reads from device memory: the host never waits on the device.
//
// A label out of range, which the CPU reports as an error, cannot stop a
// device kernel: its row's loss (and gradient) is NaN instead.
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/LossPlan.h's, shared with the CPU backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/LossPlan.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "FloatDispatch.h"
#include "WarpRows.h"

#include <math.h>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The plan of both kernels (LossPlan.h), which they take by value.
using LossShape = kernels::LossPlan;

/// Each position's loss into `rowLoss`: 0 where ignored, NaN for a label
/// out of range.
template <typename T, typename L> struct CrossEntropyRows {
  const T *logits;
  const L *labels;
  double *rowLoss;
  LossShape s;

  PP_HD void operator()(int64_t p, const Lanes &lanes) const {
    const int64_t label = int64_t(labels[p]);
    if (s.ignored(label)) {
      if (lanes.lane == 0)
        rowLoss[p] = 0.0;
      return;
    }
    if (label < 0 || label >= s.classes) {
      if (lanes.lane == 0)
        rowLoss[p] = NAN;
      return;
    }
    const T *row = logits + p * s.classes;
    const T m = rowMax(row, s.classes, lanes);
    const double sum = rowSumExp(row, m, s.classes, lanes);
    if (lanes.lane == 0)
      rowLoss[p] = log(sum) + double(m) - double(row[label]);
  }
};

/// The positions whose label is not ignored, counted over the lanes.
template <typename L>
PP_HD_INLINE int64_t countKept(const L *labels, const LossShape &s,
                               const Lanes &lanes) {
  int64_t count = 0;
  for (int64_t p = lanes.lane; p < s.positions; p += lanes.count)
    count += s.ignored(int64_t(labels[p])) ? 0 : 1;
  return lanes.reduce(count, SumOp());
}

/// One warp: the mean of the row losses over the positions that count
/// (NaN when none does, as on the CPU and in PyTorch).
template <typename T, typename L> struct CrossEntropyMean {
  const double *rowLoss;
  const L *labels;
  T *loss;
  LossShape s;

  PP_HD void operator()(int64_t, const Lanes &lanes) const {
    double total = 0.0;
    for (int64_t p = lanes.lane; p < s.positions; p += lanes.count)
      total += rowLoss[p];
    total = lanes.reduce(total, SumOp());
    const int64_t count = countKept(labels, s, lanes);
    if (lanes.lane == 0)
      *loss = T(total / double(count));
  }
};

/// One warp: dloss / count, the scale of every gradient row.
template <typename T, typename L> struct GradScale {
  const T *dloss;
  const L *labels;
  double *scale;
  LossShape s;

  PP_HD void operator()(int64_t, const Lanes &lanes) const {
    const int64_t count = countKept(labels, s, lanes);
    if (lanes.lane == 0)
      *scale = double(*dloss) / double(count);
  }
};

/// dlogits = scale * (softmax(logits) - onehot(label)), 0 where ignored.
template <typename T, typename L> struct CrossEntropyGradRows {
  const double *scale;
  const T *logits;
  const L *labels;
  T *dlogits;
  LossShape s;

  PP_HD void operator()(int64_t p, const Lanes &lanes) const {
    const int64_t c = s.classes, label = int64_t(labels[p]);
    T *d = dlogits + p * c;
    const bool ignored = s.ignored(label);
    if (ignored || label < 0 || label >= c) {
      const T fill = ignored ? T(0) : T(NAN);
      for (int64_t j = lanes.lane; j < c; j += lanes.count)
        d[j] = fill;
      return;
    }
    const T *row = logits + p * c;
    const T m = rowMax(row, c, lanes);
    const double sum = rowSumExp(row, m, c, lanes);
    const double sc = *scale;
    const T factor = T(sc / sum);
    for (int64_t j = lanes.lane; j < c; j += lanes.count) {
      T v = expOf(T(row[j] - m)) * factor;
      if (j == label)
        v -= T(sc);
      d[j] = v;
    }
  }
};

//===----------------------------------------------------------------------===//
// Factories
//===----------------------------------------------------------------------===//

/// Calls fn(T(), L()) for float logits T and index labels L.
template <typename Fn>
Status dispatchLoss(const KernelSpec &spec, DType logits, DType labels,
                    Fn &&fn) {
  auto withLabels = [&](auto t) -> Status {
    if (labels == DType::I64)
      return fn(t, int64_t());
    if (labels == DType::I32)
      return fn(t, int32_t());
    return spec.error(std::string("labels must be i64 or i32, got ") +
                      dtypeName(labels));
  };
  return dispatchFloat(spec, logits, withLabels);
}

Status makeCrossEntropy(const KernelSpec &spec, KernelFn &out) {
  LossShape shape;
  if (Status s = kernels::planCrossEntropy(spec, shape))
    return s;
  return dispatchLoss(
      spec, spec.inputs[0].dtype, spec.inputs[1].dtype, [&](auto t, auto l) {
        using T = decltype(t);
        using L = decltype(l);
        out = [shape](KernelContext &ctx, const Tensor *const *in,
                      Tensor *const *res) {
          const L *labels = in[1]->data<L>();
          double *rowLoss = static_cast<double *>(
              ctx.scratch(0, size_t(shape.positions > 0 ? shape.positions : 1) *
                                 sizeof(double)));
          forEachRow(
              ctx, shape.positions,
              CrossEntropyRows<T, L>{in[0]->data<T>(), labels, rowLoss, shape});
          forEachRow(ctx, 1,
                     CrossEntropyMean<T, L>{rowLoss, labels, res[0]->data<T>(),
                                            shape});
        };
        return Status::ok();
      });
}

Status makeCrossEntropyGrad(const KernelSpec &spec, KernelFn &out) {
  LossShape shape;
  if (Status s = kernels::planCrossEntropyGrad(spec, shape))
    return s;
  const TensorType &logits = spec.inputs[1];
  return dispatchLoss(
      spec, logits.dtype, spec.inputs[2].dtype, [&](auto t, auto l) {
        using T = decltype(t);
        using L = decltype(l);
        out = [shape](KernelContext &ctx, const Tensor *const *in,
                      Tensor *const *res) {
          const L *labels = in[2]->data<L>();
          double *scale = static_cast<double *>(ctx.scratch(0, sizeof(double)));
          forEachRow(ctx, 1,
                     GradScale<T, L>{in[0]->data<T>(), labels, scale, shape});
          forEachRow(ctx, shape.positions,
                     CrossEntropyGradRows<T, L>{scale, in[1]->data<T>(), labels,
                                                res[0]->data<T>(), shape});
        };
        return Status::ok();
      });
}

} // namespace

void registerLossKernels(KernelRegistry &registry) {
  registry.add("nn.softmax_cross_entropy", Backend::CUDA, makeCrossEntropy);
  registry.add("nn.softmax_cross_entropy_grad", Backend::CUDA,
               makeCrossEntropyGrad);
}

} // namespace pp::rt::PP_DEVICE_NS
