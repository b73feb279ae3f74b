//===- Blas.h - Typed wrappers of the CBLAS calls ---------------*- C++ -*-===//
//
// Row-major matrix products for float and double, so that the kernels are
// written once as templates. Sizes are checked against the 32-bit BLAS
// limit when the kernel is prepared (kernels::checkBlasSizes in
// runtime/lib/kernels/MatMulPlan.h, which both backends share), so the casts
// here do not truncate. Leading dimensions are raised to 1 for empty
// operands, as BLAS requires.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_BLAS_H
#define PP_RUNTIME_CPU_BLAS_H

#include "pp/Runtime/Kernel.h"

#include <cblas.h>

#include <algorithm>
#include <cstdint>

namespace pp::rt::cpu {
namespace blas {

inline CBLAS_TRANSPOSE trans(bool t) { return t ? CblasTrans : CblasNoTrans; }
inline blasint ld(int64_t v) { return blasint(std::max<int64_t>(v, 1)); }

/// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C.
inline void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                 float alpha, const float *a, int64_t lda, const float *b,
                 int64_t ldb, float beta, float *c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, trans(transA), trans(transB), blasint(m),
              blasint(n), blasint(k), alpha, a, ld(lda), b, ld(ldb), beta, c,
              ld(ldc));
}
inline void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                 double alpha, const double *a, int64_t lda, const double *b,
                 int64_t ldb, double beta, double *c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, trans(transA), trans(transB), blasint(m),
              blasint(n), blasint(k), alpha, a, ld(lda), b, ld(ldb), beta, c,
              ld(ldc));
}

/// y = alpha * op(A) * x + beta * y, A being m x n row-major; x and y have
/// unit stride.
inline void gemv(bool transA, int64_t m, int64_t n, float alpha, const float *a,
                 int64_t lda, const float *x, float beta, float *y) {
  cblas_sgemv(CblasRowMajor, trans(transA), blasint(m), blasint(n), alpha, a,
              ld(lda), x, 1, beta, y, 1);
}
inline void gemv(bool transA, int64_t m, int64_t n, double alpha,
                 const double *a, int64_t lda, const double *x, double beta,
                 double *y) {
  cblas_dgemv(CblasRowMajor, trans(transA), blasint(m), blasint(n), alpha, a,
              ld(lda), x, 1, beta, y, 1);
}

} // namespace blas
} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_BLAS_H
