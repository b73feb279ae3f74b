//===- MatMulKernels.cu - nn.matmul and nn.gemm on the device -------------===//
//
// Matrix products through DeviceBlas.h's strided-batched GEMM (cuBLAS), with
// the CPU backend's semantics (runtime/lib/cpu/MatMulKernels.cpp) and its
// preparation (checks, sizes, batch offsets: kernels/MatMulPlan.h).
//
// `nn.matmul` follows numpy: 1-D operands are a row (lhs) or column (rhs)
// vector whose axis is dropped from the result, and batch axes broadcast.
// The plan is made once per op: when the rhs has no batch (the weight case)
// the lhs batches fold into the rows of one product; otherwise the batch
// is one strided-batched call when each operand's matrices lie at a
// constant stride (0 for a broadcast operand), and otherwise one call per
// group of the outer batch axes over the largest run of inner batch axes
// that strides can express.
//
// `nn.gemm` writes beta * C, broadcast, into the result with an elementwise
// kernel and lets the product accumulate onto it.
//
//===----------------------------------------------------------------------===//

#include "../cpu/ShapeIndexing.h"
#include "../kernels/MatMulPlan.h"
#include "DeviceBlas.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"
#include "FloatKernel.h"

namespace pp::rt::PP_DEVICE_NS {
namespace {

//===----------------------------------------------------------------------===//
// nn.matmul
//===----------------------------------------------------------------------===//

/// The batches of a product: `groups` strided-batched calls of `inner`
/// products each; call g reads its first lhs and rhs matrices at
/// lhsBase[g] and rhsBase[g] and the following ones `lhsStride` and
/// `rhsStride` elements further on.
struct BatchPlan {
  int64_t inner = 1;
  int64_t lhsStride = 0, rhsStride = 0;
  std::vector<int64_t> lhsBase{0}, rhsBase{0};
};

/// Splits the batch (the matrix offsets of each operand for every output
/// batch, row-major over `batch`) into the fewest groups of constant
/// strides: the longest run of inner batch axes over which both operands'
/// offsets are affine.
BatchPlan planBatches(const Shape &batch, const std::vector<int64_t> &lhs,
                      const std::vector<int64_t> &rhs) {
  BatchPlan plan;
  int64_t total = int64_t(lhs.size());
  plan.inner = 1;
  for (size_t axes = batch.size(); axes > 0; --axes) {
    int64_t inner = cpu::productOf(batch, batch.size() - axes, batch.size());
    if (inner <= 1)
      break;
    int64_t ls = lhs[1] - lhs[0], rs = rhs[1] - rhs[0];
    // The strides over these axes are the same for every outer group, so
    // the first group decides.
    bool affine = true;
    for (int64_t j = 0; j < inner && affine; ++j)
      affine = lhs[size_t(j)] - lhs[0] == j * ls &&
               rhs[size_t(j)] - rhs[0] == j * rs;
    if (affine) {
      plan.inner = inner;
      plan.lhsStride = ls;
      plan.rhsStride = rs;
      break;
    }
  }
  plan.lhsBase.clear();
  plan.rhsBase.clear();
  for (int64_t g = 0; g < total; g += plan.inner) {
    plan.lhsBase.push_back(lhs[size_t(g)]);
    plan.rhsBase.push_back(rhs[size_t(g)]);
  }
  return plan;
}

template <typename T> Status makeMatMul(const KernelSpec &spec, KernelFn &out) {
  kernels::MatMulPlan shape;
  if (Status s = kernels::planMatMul(spec, shape))
    return s;
  BatchPlan plan;
  if (!shape.folded) {
    if (shape.lhsOffsets.empty()) {
      // An empty batch: no product at all.
      plan.lhsBase.clear();
      plan.rhsBase.clear();
    } else {
      plan = planBatches(shape.batch, shape.lhsOffsets, shape.rhsOffsets);
    }
  }
  if (Status s = kernels::checkBlasSizes(spec, {plan.inner}))
    return s;
  const int64_t m = shape.m, n = shape.n, k = shape.k;
  const int64_t outputs = numElements(shape.result);
  out = [m, n, k, plan, outputs](KernelContext &ctx,
                                 const Tensor *const *inputs,
                                 Tensor *const *results) {
    const T *a = inputs[0]->data<T>(), *b = inputs[1]->data<T>();
    T *c = results[0]->data<T>();
    if (k == 0) {
      // An empty contraction: cuBLAS takes no zero leading dimension.
      zeroBytes(ctx, c, size_t(outputs) * sizeof(T));
      return;
    }
    for (size_t g = 0; g < plan.lhsBase.size(); ++g)
      gemm<T>(ctx, false, false, m, n, k, T(1), a + plan.lhsBase[g], k,
              plan.lhsStride, b + plan.rhsBase[g], n, plan.rhsStride, T(0),
              c + int64_t(g) * plan.inner * m * n, n, m * n, plan.inner);
  };
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// nn.gemm
//===----------------------------------------------------------------------===//

/// y[i, j] = beta * c[i * s0 + j * s1] over an m x n result.
template <typename T> struct ScaledBroadcastFn {
  T *y;
  const T *c;
  T beta;
  int64_t n, s0, s1;
  PP_HD void operator()(int64_t idx) const {
    int64_t i = idx / n, j = idx - i * n;
    y[idx] = beta * c[i * s0 + j * s1];
  }
};

template <typename T> Status makeGemm(const KernelSpec &spec, KernelFn &out) {
  kernels::GemmPlan plan;
  if (Status s = kernels::planGemm(spec, plan))
    return s;
  out = [plan](KernelContext &ctx, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const int64_t m = plan.m, n = plan.n, k = plan.k;
    T *y = outputs[0]->data<T>();
    if (plan.hasC)
      forEach(ctx, m * n,
              ScaledBroadcastFn<T>{y, inputs[2]->data<T>(), T(plan.beta), n,
                                   plan.cStrides[0], plan.cStrides[1]});
    if (m == 0 || n == 0)
      return;
    if (k == 0) {
      // alpha * (empty product) adds nothing; cuBLAS takes no zero
      // leading dimension.
      if (!plan.hasC)
        zeroBytes(ctx, y, size_t(m * n) * sizeof(T));
      return;
    }
    gemm<T>(ctx, plan.transA, plan.transB, m, n, k, T(plan.alpha),
            inputs[0]->data<T>(), plan.transA ? m : k, 0, inputs[1]->data<T>(),
            plan.transB ? k : n, 0, T(plan.hasC ? 1 : 0), y, n, 0, 1);
  };
  return Status::ok();
}

} // namespace

void registerMatMulKernels(KernelRegistry &registry) {
  registry.add("nn.matmul", Backend::CUDA,
               floatKernel<makeMatMul<float>, makeMatMul<double>>);
  registry.add("nn.gemm", Backend::CUDA,
               floatKernel<makeGemm<float>, makeGemm<double>>);
}

} // namespace pp::rt::PP_DEVICE_NS
