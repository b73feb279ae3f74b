//===- LossKernels.cpp - Softmax cross-entropy and its gradient -----------===//
//
// softmax_cross_entropy: the mean over positions whose label is not
// `ignore_index` of `logsumexp(logits) - logits[label]`, classes on the last
// axis, as PyTorch's `F.cross_entropy` (reduction "mean") computes it; each
// row's log-sum-exp subtracts its maximum, and sums accumulate in double.
// softmax_cross_entropy_grad: `dloss * (softmax(logits) - onehot(label)) /
// count`, zero at ignored positions (docs/Training.md).
//
// The factories' checks, their messages and the plans they compute are
// runtime/lib/kernels/LossPlan.h's, shared with the CUDA backend.
//
//===----------------------------------------------------------------------===//

#include "../kernels/LossPlan.h"
#include "CpuKernels.h"
#include "FastMath.h"
#include "KernelChecks.h"
#include "RowReductions.h"
#include "TypeDispatch.h"

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cpu;
using namespace pp::rt::kernels;

namespace {

/// The plan, and the op's location for the errors of labels out of range.
struct LossShape : LossPlan {
  std::string location;
};

/// Counts the positions whose label is not ignored, checking each such
/// label lies in [0, classes).
template <typename L> int64_t countLabels(const L *labels, const LossShape &s) {
  int64_t count = 0;
  for (int64_t p = 0; p < s.positions; ++p) {
    int64_t label = int64_t(labels[p]);
    if (s.ignored(label))
      continue;
    if (label < 0 || label >= s.classes)
      throwDataError(s.location, "label " + std::to_string(label) +
                                     " at position " + std::to_string(p) +
                                     " is out of range for " +
                                     std::to_string(s.classes) + " classes");
    ++count;
  }
  return count;
}

template <typename T, typename L>
void crossEntropy(const T *logits, const L *labels, T *loss,
                  const LossShape &s) {
  const int64_t c = s.classes;
  int64_t count = countLabels(labels, s);
  double total = 0.0;
  for (int64_t p = 0; p < s.positions; ++p) {
    int64_t label = int64_t(labels[p]);
    if (s.ignored(label))
      continue;
    const T *row = logits + p * c;
    const T m = maxRow(row, c);
    double logSumExp = std::log(sumExpRow(row, m, c)) + double(m);
    total += logSumExp - double(row[label]);
  }
  // With every position ignored this is 0/0, NaN, as in PyTorch.
  *loss = T(total / double(count));
}

template <typename T, typename L>
void crossEntropyGrad(const T *dloss, const T *logits, const L *labels,
                      T *dlogits, const LossShape &s) {
  const int64_t c = s.classes;
  int64_t count = countLabels(labels, s);
  const double scale = double(*dloss) / double(count);
  for (int64_t p = 0; p < s.positions; ++p) {
    T *d = dlogits + p * c;
    int64_t label = int64_t(labels[p]);
    if (s.ignored(label)) {
      for (int64_t i = 0; i < c; ++i)
        d[i] = T(0);
      continue;
    }
    const T *row = logits + p * c;
    const T m = maxRow(row, c);
    for (int64_t i = 0; i < c; ++i)
      d[i] = expOf(row[i] - m);
    const T factor = T(scale / sumRow(d, c));
    for (int64_t i = 0; i < c; ++i)
      d[i] *= factor;
    d[label] -= T(scale);
  }
}

Status makeCrossEntropy(const KernelSpec &spec, KernelFn &out) {
  LossShape shape;
  if (Status s = planCrossEntropy(spec, shape))
    return s;
  shape.location = spec.location;
  return dispatchTypePair(
      FloatTypes{}, IndexTypes{}, spec, "logits", spec.inputs[0].dtype,
      "labels", spec.inputs[1].dtype, [&](auto tag, auto labelTag) {
        using T = typename decltype(tag)::type;
        using L = typename decltype(labelTag)::type;
        out = [shape](KernelContext &, const Tensor *const *in,
                      Tensor *const *res) {
          crossEntropy(in[0]->data<T>(), in[1]->data<L>(), res[0]->data<T>(),
                       shape);
        };
        return Status::ok();
      });
}

Status makeCrossEntropyGrad(const KernelSpec &spec, KernelFn &out) {
  LossShape shape;
  if (Status s = planCrossEntropyGrad(spec, shape))
    return s;
  shape.location = spec.location;
  const TensorType &logits = spec.inputs[1];
  return dispatchTypePair(
      FloatTypes{}, IndexTypes{}, spec, "logits", logits.dtype, "labels",
      spec.inputs[2].dtype, [&](auto tag, auto labelTag) {
        using T = typename decltype(tag)::type;
        using L = typename decltype(labelTag)::type;
        out = [shape](KernelContext &, const Tensor *const *in,
                      Tensor *const *res) {
          crossEntropyGrad(in[0]->data<T>(), in[1]->data<T>(), in[2]->data<L>(),
                           res[0]->data<T>(), shape);
        };
        return Status::ok();
      });
}

} // namespace

void pp::rt::cpu::registerLossKernels(KernelRegistry &registry) {
  registry.add("nn.softmax_cross_entropy", Backend::CPU, makeCrossEntropy);
  registry.add("nn.softmax_cross_entropy_grad", Backend::CPU,
               makeCrossEntropyGrad);
}
