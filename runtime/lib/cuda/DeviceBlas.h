//===- DeviceBlas.h - Matrix products of the CUDA backend -------*- C++ -*-===//
//
// Row-major, strided-batched GEMM on the context's queue: cuBLAS in the CUDA
// build (TF32 tensor cores only with ctx.allowTF32), OpenBLAS in the device
// emulation. Matrix products, convolutions (through im2col) and their
// gradients all run through it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_DEVICEBLAS_H
#define PP_RUNTIME_CUDA_DEVICEBLAS_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>

namespace pp::rt::PP_DEVICE_NS {

/// For b in [0, batch): C_b = alpha * op(A_b) * op(B_b) + beta * C_b, where
/// op transposes when asked, op(A_b) is m x k, op(B_b) is k x n and C_b is
/// m x n, all row-major with leading dimensions lda, ldb, ldc; X_b starts
/// at X + b * strideX (a stride of 0 shares one matrix). T is float or
/// double. A failure is recorded in the context.
template <typename T>
void gemm(KernelContext &ctx, bool transA, bool transB, int64_t m, int64_t n,
          int64_t k, T alpha, const T *a, int64_t lda, int64_t strideA,
          const T *b, int64_t ldb, int64_t strideB, T beta, T *c, int64_t ldc,
          int64_t strideC, int64_t batch);

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_DEVICEBLAS_H
