//===- CudaBlas.cpp - DeviceBlas.h on cuBLAS ------------------------------===//
//
// cuBLAS is column-major: a row-major C = op(A) op(B) is computed as the
// column-major C^T = op(B)^T op(A)^T, which reads the same memory.
//
//===----------------------------------------------------------------------===//

#include "DeviceBlas.h"

#include <cublas_v2.h>

#include <string>

namespace pp::rt::PP_DEVICE_NS {

namespace {

void check(KernelContext &ctx, cublasStatus_t status, const char *what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    ctx.fail(std::string(what) + " failed: " + cublasGetStatusString(status));
}

cublasHandle_t handleOf(KernelContext &ctx) {
  auto handle = static_cast<cublasHandle_t>(ctx.blasHandle);
  cublasSetMathMode(handle, ctx.allowTF32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                          : CUBLAS_DEFAULT_MATH);
  return handle;
}

} // namespace

template <>
void gemm<float>(KernelContext &ctx, bool transA, bool transB, int64_t m,
                 int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 int64_t strideA, const float *b, int64_t ldb, int64_t strideB,
                 float beta, float *c, int64_t ldc, int64_t strideC,
                 int64_t batch) {
  if (m == 0 || n == 0 || batch == 0)
    return;
  cublasHandle_t handle = handleOf(ctx);
  check(ctx,
        cublasSgemmStridedBatched(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  transA ? CUBLAS_OP_T : CUBLAS_OP_N, int(n),
                                  int(m), int(k), &alpha, b, int(ldb), strideB,
                                  a, int(lda), strideA, &beta, c, int(ldc),
                                  strideC, int(batch)),
        "cublasSgemmStridedBatched");
}

template <>
void gemm<double>(KernelContext &ctx, bool transA, bool transB, int64_t m,
                  int64_t n, int64_t k, double alpha, const double *a,
                  int64_t lda, int64_t strideA, const double *b, int64_t ldb,
                  int64_t strideB, double beta, double *c, int64_t ldc,
                  int64_t strideC, int64_t batch) {
  if (m == 0 || n == 0 || batch == 0)
    return;
  cublasHandle_t handle = handleOf(ctx);
  check(ctx,
        cublasDgemmStridedBatched(handle, transB ? CUBLAS_OP_T : CUBLAS_OP_N,
                                  transA ? CUBLAS_OP_T : CUBLAS_OP_N, int(n),
                                  int(m), int(k), &alpha, b, int(ldb), strideB,
                                  a, int(lda), strideA, &beta, c, int(ldc),
                                  strideC, int(batch)),
        "cublasDgemmStridedBatched");
}

} // namespace pp::rt::PP_DEVICE_NS
