//===- MatMulKernels.cu - nn.matmul and nn.gemm on the device -------------===//
//
// Matrix products through DeviceBlas.h's strided-batched GEMM (cuBLAS), with
// the CPU backend's semantics (runtime/lib/cpu/MatMulKernels.cpp).
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

#include "../cpu/KernelChecks.h"
#include "../cpu/ShapeIndexing.h"
#include "DeviceBlas.h"
#include "DeviceKernels.h"
#include "DeviceLaunch.h"

#include <climits>

namespace pp::rt::PP_DEVICE_NS {
namespace {

/// The factory `F32` or `F64` by the first operand's element type; the
/// CUDA backend computes these ops in f32 and f64 only.
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expected operands, got none");
  switch (spec.inputs[0].dtype) {
  case DType::F32:
    return F32(spec, out);
  case DType::F64:
    return F64(spec, out);
  default:
    return spec.error(std::string("the CUDA backend supports f32 and f64, "
                                  "got ") +
                      dtypeName(spec.inputs[0].dtype));
  }
}

/// An error unless every matrix dimension fits the int cuBLAS takes.
Status checkBlasSizes(const KernelSpec &spec,
                      std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes)
    if (s > INT_MAX)
      return spec.error("matrix dimension " + std::to_string(s) +
                        " exceeds the BLAS limit of " +
                        std::to_string(INT_MAX));
  return Status::ok();
}

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

  BatchPlan plan;
  if (numElements(rhsBatch) == 1) {
    // One product: the lhs batches are rows.
    m *= numElements(lhsBatch);
  } else {
    std::vector<int64_t> lhs = cpu::broadcastIndex(lhsBatch, batch);
    std::vector<int64_t> rhs = cpu::broadcastIndex(rhsBatch, batch);
    for (int64_t &o : lhs)
      o *= m * k;
    for (int64_t &o : rhs)
      o *= k * n;
    if (lhs.empty()) {
      // An empty batch: no product at all.
      plan.lhsBase.clear();
      plan.rhsBase.clear();
    } else {
      plan = planBatches(batch, lhs, rhs);
    }
  }
  if (Status s = checkBlasSizes(spec, {m, n, k, plan.inner}))
    return s;
  int64_t outputs = numElements(expected);
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
  int64_t s0 = cStrides[0], s1 = cStrides[1];
  out = [=](KernelContext &ctx, const Tensor *const *inputs,
            Tensor *const *outputs) {
    T *y = outputs[0]->data<T>();
    if (hasC)
      forEach(
          ctx, m * n,
          ScaledBroadcastFn<T>{y, inputs[2]->data<T>(), T(beta), n, s0, s1});
    if (m == 0 || n == 0)
      return;
    if (k == 0) {
      // alpha * (empty product) adds nothing; cuBLAS takes no zero
      // leading dimension.
      if (!hasC)
        zeroBytes(ctx, y, size_t(m * n) * sizeof(T));
      return;
    }
    gemm<T>(ctx, transA, transB, m, n, k, T(alpha), inputs[0]->data<T>(),
            transA ? m : k, 0, inputs[1]->data<T>(), transB ? k : n, 0,
            T(hasC ? 1 : 0), y, n, 0, 1);
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
