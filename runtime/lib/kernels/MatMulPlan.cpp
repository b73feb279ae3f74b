//===- MatMulPlan.cpp - Preparation of nn.matmul and nn.gemm --------------===//
//
// The checks and plans of MatMulPlan.h, shared by the CPU and CUDA
// backends' matrix product factories.
//
//===----------------------------------------------------------------------===//

#include "MatMulPlan.h"

#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"

#include <climits>
#include <string>

namespace pp::rt::kernels {

Status checkBlasSizes(const KernelSpec &spec,
                      std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT_MAX)
      return spec.error("matrix dimension " + std::to_string(s) +
                        " exceeds the BLAS limit of " +
                        std::to_string(INT_MAX));
  return Status::ok();
}

namespace {

/// Element offsets of every batch of an operand with batch shape `from`
/// (and `matrix` elements per batch) read broadcast over `batch`.
std::vector<int64_t> batchOffsets(const Shape &from, const Shape &batch,
                                  int64_t matrix) {
  std::vector<int64_t> offsets = cpu::broadcastIndex(from, batch);
  for (int64_t &o : offsets)
    o *= matrix;
  return offsets;
}

} // namespace

Status planMatMul(const KernelSpec &spec, MatMulPlan &plan) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
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
  if (!cpu::broadcastShapes(lhsBatch, rhsBatch, batch))
    return spec.error("batch dimensions of " + spec.inputs[0].str() + " and " +
                      spec.inputs[1].str() + " do not broadcast");
  Shape expected = batch;
  if (!lhsVector)
    expected.push_back(m);
  if (!rhsVector)
    expected.push_back(n);
  if (Status s =
          cpu::checkShape(spec, "result", spec.outputs[0].shape, expected))
    return s;

  // One product when the rhs has no batch: the lhs batches are rows.
  plan.lhsOffsets = {0};
  plan.rhsOffsets = {0};
  plan.folded = numElements(rhsBatch) == 1;
  if (plan.folded) {
    m *= numElements(lhsBatch);
  } else {
    plan.lhsOffsets = batchOffsets(lhsBatch, batch, m * k);
    plan.rhsOffsets = batchOffsets(rhsBatch, batch, k * n);
  }
  plan.m = m;
  plan.n = n;
  plan.k = k;
  plan.batch = batch;
  plan.result = expected;
  return checkBlasSizes(spec, {m, n, k});
}

Status planGemm(const KernelSpec &spec, GemmPlan &plan) {
  if (Status s = cpu::checkArityAndDType(spec, 2, 3, 1))
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
  if (Status s = cpu::checkShape(spec, "result", spec.outputs[0].shape, result))
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
    if (cs.size() > 2 || !cpu::broadcastShapes(cs, result, joint) ||
        joint != result)
      return spec.error("C of type " + spec.inputs[2].str() +
                        " does not broadcast to " + formatShape(result));
    cStrides = cpu::broadcastStrides(cs, result);
  }
  plan.alpha = alpha;
  plan.beta = beta;
  plan.transA = transA != 0;
  plan.transB = transB != 0;
  plan.m = m;
  plan.n = n;
  plan.k = k;
  plan.hasC = hasC;
  plan.cStrides = cStrides;
  return Status::ok();
}

} // namespace pp::rt::kernels
