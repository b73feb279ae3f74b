//===- MatMulPlan.h - Preparation of nn.matmul and nn.gemm ------*- C++ -*-===//
//
// What the CPU (runtime/lib/cpu/MatMulKernels.cpp) and CUDA
// (runtime/lib/cuda/MatMulKernels.cu) factories of `nn.matmul` and
// `nn.gemm` compute alike before they build their closures: the operand
// checks and their messages, the product sizes, the batch offsets and C's
// broadcast strides. Written once so that both backends accept, refuse and
// lay out the same ops; each then plans its own BLAS calls.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_MATMULPLAN_H
#define PP_RUNTIME_KERNELS_MATMULPLAN_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace pp::rt::kernels {

/// An error unless every value fits the 32-bit sizes and leading
/// dimensions of the BLAS interfaces (CBLAS and cuBLAS).
Status checkBlasSizes(const KernelSpec &spec,
                      std::initializer_list<int64_t> sizes);

/// `nn.matmul` (numpy semantics): C (m x n) = A (m x k) * B (k x n) per
/// batch. When the rhs has no batch (the weight case) the lhs batches are
/// folded into m and there is one product at offsets 0; otherwise product i
/// (row-major over `batch`) reads its matrices at element offsets
/// lhsOffsets[i] and rhsOffsets[i] and writes the i-th m x n result.
struct MatMulPlan {
  int64_t m = 0, n = 0, k = 0;
  Shape batch;  // the broadcast batch shape
  Shape result; // the result's shape
  bool folded = false;
  std::vector<int64_t> lhsOffsets{0}, rhsOffsets{0};
};

/// Checks the operands and the result of an `nn.matmul` and plans it; m, n
/// and k are checked against the BLAS limit.
Status planMatMul(const KernelSpec &spec, MatMulPlan &plan);

/// `nn.gemm`: Y (m x n) = alpha * op(A) * op(B) + beta * C, C read through
/// broadcast strides cStrides (rows, columns) when `hasC` (a third operand
/// and beta != 0).
struct GemmPlan {
  double alpha = 1, beta = 0;
  bool transA = false, transB = false;
  int64_t m = 0, n = 0, k = 0;
  bool hasC = false;
  std::vector<int64_t> cStrides{0, 0};
};

/// Reads the attributes of an `nn.gemm`, checks its operands and result,
/// and plans it; m, n and k are checked against the BLAS limit.
Status planGemm(const KernelSpec &spec, GemmPlan &plan);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_MATMULPLAN_H
