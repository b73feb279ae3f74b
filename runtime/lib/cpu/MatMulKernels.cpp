//===- MatMulKernels.cpp - nn.matmul and nn.gemm on the CPU ---------------===//
//
// Matrix products through OpenBLAS. `nn.matmul` follows numpy: 1-D operands
// are a row (lhs) or column (rhs) vector whose axis is dropped from the
// result, and batch axes broadcast. The plan is made once per op: when the
// rhs has no batch (the weight case) the lhs batches fold into the rows of
// one product; otherwise each batch is one BLAS call on pointer offsets
// computed at preparation. `nn.gemm` passes its transposes to BLAS and
// folds `beta * C` into the product.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"
#include "CpuKernels.h"
#include "KernelChecks.h"
#include "ShapeIndexing.h"
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

/// Element offsets of every batch of an operand with batch shape `from`
/// (and `matrix` elements per batch) read broadcast over `batch`.
std::vector<int64_t> batchOffsets(const Shape &from, const Shape &batch,
                                  int64_t matrix) {
  std::vector<int64_t> offsets = broadcastIndex(from, batch);
  for (int64_t &o : offsets)
    o *= matrix;
  return offsets;
}

template <typename T> Status makeMatMul(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArityAndDType(spec, 2, 2, 1))
    return s;
  Shape ls = spec.inputs[0].shape, rs = spec.inputs[1].shape;
  if (ls.empty() || rs.empty())
    return spec.error("operands must have rank >= 1, got " +
                      spec.inputs[0].str() + " and " + spec.inputs[1].str());
  bool lhsVector = ls.size() == 1, rhsVector = rs.size() == 1;
  if (lhsVector)
    ls.insert(ls.begin(), 1);
  if (rhsVector)
    rs.push_back(1);
  int64_t m = ls[ls.size() - 2], k = ls.back();
  int64_t n = rs.back();
  if (rs[rs.size() - 2] != k)
    return spec.error("contracted dimensions differ: " + spec.inputs[0].str() +
                      " x " + spec.inputs[1].str());
  Shape lhsBatch(ls.begin(), ls.end() - 2), rhsBatch(rs.begin(), rs.end() - 2);
  Shape batch;
  if (!broadcastShapes(lhsBatch, rhsBatch, batch))
    return spec.error("batch dimensions of " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " do not broadcast");
  Shape expected = batch;
  if (!lhsVector)
    expected.push_back(m);
  if (!rhsVector)
    expected.push_back(n);
  if (Status s = checkShape(spec, "result", spec.outputs[0].shape, expected))
    return s;

  // One product when the rhs has no batch: the lhs batches are rows.
  std::vector<int64_t> lhsOffsets{0}, rhsOffsets{0};
  if (numElements(rhsBatch) == 1)
    m *= numElements(lhsBatch);
  else {
    lhsOffsets = batchOffsets(lhsBatch, batch, m * k);
    rhsOffsets = batchOffsets(rhsBatch, batch, k * n);
  }
  if (Status s = checkBlasSizes(spec, {m, n, k}))
    return s;
  out = [m, n, k, lhsOffsets, rhsOffsets](KernelContext &,
                                          const Tensor *const *inputs,
                                          Tensor *const *outputs) {
    const T *a = inputs[0]->data<T>(), *b = inputs[1]->data<T>();
    T *c = outputs[0]->data<T>();
    for (size_t i = 0; i < lhsOffsets.size(); ++i)
      multiply(m, n, k, a + lhsOffsets[i], b + rhsOffsets[i],
               c + int64_t(i) * m * n);
  };
  return Status::ok();
}

template <typename T> Status makeGemm(const KernelSpec &spec, KernelFn &out) {
  if (Status s = checkArityAndDType(spec, 2, 3, 1))
    return s;
  double alpha, beta;
  int64_t transA, transB;
  if (Status s = spec.attrs.getFloat("alpha", alpha))
    return s;
  if (Status s = spec.attrs.getFloat("beta", beta))
    return s;
  if (Status s = spec.attrs.getInt("transA", transA))
    return s;
  if (Status s = spec.attrs.getInt("transB", transB))
    return s;
  const Shape &as = spec.inputs[0].shape, &bs = spec.inputs[1].shape;
  if (as.size() != 2 || bs.size() != 2)
    return spec.error("A and B must be matrices, got " + spec.inputs[0].str() +
                      " and " + spec.inputs[1].str());
  int64_t m = transA ? as[1] : as[0], k = transA ? as[0] : as[1];
  int64_t n = transB ? bs[0] : bs[1];
  if ((transB ? bs[1] : bs[0]) != k)
    return spec.error("contracted dimensions differ: " + spec.inputs[0].str() +
                      " x " + spec.inputs[1].str() +
                      " with transA = " + std::to_string(transA) +
                      ", transB = " + std::to_string(transB));
  Shape result{m, n};
  if (Status s = checkShape(spec, "result", spec.outputs[0].shape, result))
    return s;
  if (Status s = checkBlasSizes(spec, {m, n, k}))
    return s;

  // C is read through broadcast strides into the result before the product
  // accumulates onto it.
  bool hasC = spec.inputs.size() == 3 && beta != 0;
  std::vector<int64_t> cStrides{0, 0};
  if (hasC) {
    const Shape &cs = spec.inputs[2].shape;
    Shape joint;
    if (cs.size() > 2 || !broadcastShapes(cs, result, joint) || joint != result)
      return spec.error("C of type " + spec.inputs[2].str() +
                        " does not broadcast to " + formatShape(result));
    cStrides = broadcastStrides(cs, result);
  }
  out = [=](KernelContext &, const Tensor *const *inputs,
            Tensor *const *outputs) {
    T *y = outputs[0]->data<T>();
    if (hasC) {
      const T *c = inputs[2]->data<T>();
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          y[i * n + j] = T(beta) * c[i * cStrides[0] + j * cStrides[1]];
    }
    if (m == 0 || n == 0)
      return;
    blas::gemm(transA, transB, m, n, k, T(alpha), inputs[0]->data<T>(),
               transA ? m : k, inputs[1]->data<T>(), transB ? k : n,
               T(hasC ? 1 : 0), y, n);
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
