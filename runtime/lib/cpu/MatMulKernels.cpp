//===- MatMulKernels.cpp - nn.matmul and nn.gemm on the CPU ---------------===//
//
// Matrix products through OpenBLAS. `nn.matmul` follows numpy: 1-D operands
// are a row (lhs) or column (rhs) vector whose axis is dropped from the
// result, and batch axes broadcast. The plan is made once per op, by the
// preparation both backends share (kernels/MatMulPlan.h): when the rhs has
// no batch (the weight case) the lhs batches fold into the rows of one
// product; otherwise each batch is one BLAS call on pointer offsets
// computed at preparation. `nn.gemm` passes its transposes to BLAS and
// folds `beta * C` into the product.
//
//===----------------------------------------------------------------------===//

#include "../kernels/MatMulPlan.h"
#include "Blas.h"
#include "CpuKernels.h"
#include "TypeDispatch.h"

#include <algorithm>

namespace pp::rt::cpu {
namespace {

/// C (m x n) = A (m x k) * B (k x n), all row-major and contiguous; vector
/// shapes go to gemv.
template <typename T>
void multiply(int64_t m, int64_t n, int64_t k, const T *a, const T *b, T *c) {
  if (m == 0 || n == 0)
    return;
  if (k == 0) {
    std::fill(c, c + m * n, T(0));
  } else if (n == 1) {
    std::fill(c, c + m, T(0));
    blas::gemv(false, m, k, T(1), a, k, b, T(0), c);
  } else if (m == 1) {
    std::fill(c, c + n, T(0));
    blas::gemv(true, k, n, T(1), b, n, a, T(0), c);
  } else {
    blas::gemm(false, false, m, n, k, T(1), a, k, b, n, T(0), c, n);
  }
}

template <typename T> Status makeMatMul(const KernelSpec &spec, KernelFn &out) {
  kernels::MatMulPlan plan;
  if (Status s = kernels::planMatMul(spec, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const int64_t m = plan.m, n = plan.n, k = plan.k;
    const T *a = inputs[0]->data<T>(), *b = inputs[1]->data<T>();
    T *c = outputs[0]->data<T>();
    for (size_t i = 0; i < plan.lhsOffsets.size(); ++i)
      multiply(m, n, k, a + plan.lhsOffsets[i], b + plan.rhsOffsets[i],
               c + int64_t(i) * m * n);
  };
  return Status::ok();
}

template <typename T> Status makeGemm(const KernelSpec &spec, KernelFn &out) {
  kernels::GemmPlan plan;
  if (Status s = kernels::planGemm(spec, plan))
    return s;
  out = [plan](KernelContext &, const Tensor *const *inputs,
               Tensor *const *outputs) {
    const int64_t m = plan.m, n = plan.n, k = plan.k;
    T *y = outputs[0]->data<T>();
    if (plan.hasC) {
      const T *c = inputs[2]->data<T>();
      const int64_t s0 = plan.cStrides[0], s1 = plan.cStrides[1];
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          y[i * n + j] = T(plan.beta) * c[i * s0 + j * s1];
    }
    if (m == 0 || n == 0)
      return;
    blas::gemm(plan.transA, plan.transB, m, n, k, T(plan.alpha),
               inputs[0]->data<T>(), plan.transA ? m : k, inputs[1]->data<T>(),
               plan.transB ? k : n, T(plan.hasC ? 1 : 0), y, n);
  };
  return Status::ok();
}

} // namespace

void registerMatMulKernels(KernelRegistry &registry) {
  registry.add("nn.matmul", Backend::CPU,
               floatKernel<makeMatMul<float>, makeMatMul<double>>);
  registry.add("nn.gemm", Backend::CPU,
               floatKernel<makeGemm<float>, makeGemm<double>>);
}

} // namespace pp::rt::cpu
