//===- EmulatedBlas.cpp - DeviceBlas.h on OpenBLAS for the emulation ------===//

#include "DeviceBlas.h"

#include <cblas.h>

namespace pp::rt::PP_DEVICE_NS {

template <>
void gemm<float>(KernelContext &, bool transA, bool transB, int64_t m,
                 int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
                 int64_t strideA, const float *b, int64_t ldb, int64_t strideB,
                 float beta, float *c, int64_t ldc, int64_t strideC,
                 int64_t batch) {
  if (m == 0 || n == 0)
    return;
  for (int64_t i = 0; i < batch; ++i)
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, blasint(m), blasint(n),
                blasint(k), alpha, a + i * strideA, blasint(lda),
                b + i * strideB, blasint(ldb), beta, c + i * strideC,
                blasint(ldc));
}

template <>
void gemm<double>(KernelContext &, bool transA, bool transB, int64_t m,
                  int64_t n, int64_t k, double alpha, const double *a,
                  int64_t lda, int64_t strideA, const double *b, int64_t ldb,
                  int64_t strideB, double beta, double *c, int64_t ldc,
                  int64_t strideC, int64_t batch) {
  if (m == 0 || n == 0)
    return;
  for (int64_t i = 0; i < batch; ++i)
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, blasint(m), blasint(n),
                blasint(k), alpha, a + i * strideA, blasint(lda),
                b + i * strideB, blasint(ldb), beta, c + i * strideC,
                blasint(ldc));
}

} // namespace pp::rt::PP_DEVICE_NS
