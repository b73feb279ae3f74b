//===- MatMulKernelsTest.cpp - CUDA MatMul kernels against the CPU's ---===//
//
// nn.matmul over numpy's cases (vectors, batch broadcasting that one
// strided call, several or none can express) and nn.gemm over every
// transpose, alpha/beta and broadcast C. Float32 products of up to 65
// terms are compared with atol 1e-5: the CPU reference and cuBLAS sum in
// different orders (and the CPU takes gemv for vectors).
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

const DType kFloatTypes[] = {DType::F32, DType::F64};

double atolFor(DType dt) { return dt == DType::F32 ? 1e-5 : 1e-12; }

void expectMatMul(DType dt, const Shape &a, const Shape &b, const Shape &y,
                  std::mt19937 &rng) {
  SCOPED_TRACE(formatShape(a) + " x " + formatShape(b));
  expectMatchesCpu("nn.matmul", attrs({}),
                   {randomTensor({dt, a}, rng), randomTensor({dt, b}, rng)},
                   {{dt, y}}, 1e-5, atolFor(dt));
}

TEST(MatMulKernels, MatMul) {
  std::mt19937 rng(1);
  for (DType dt : kFloatTypes) {
    expectMatMul(dt, {5, 7}, {7, 3}, {5, 3}, rng);
    expectMatMul(dt, {33, 65}, {65, 40}, {33, 40}, rng);
    expectMatMul(dt, {1, 1}, {1, 1}, {1, 1}, rng);
    // Vectors.
    expectMatMul(dt, {7}, {7, 3}, {3}, rng);
    expectMatMul(dt, {5, 7}, {7}, {5}, rng);
    expectMatMul(dt, {7}, {7}, {}, rng);
    expectMatMul(dt, {4, 5, 7}, {7}, {4, 5}, rng);
    expectMatMul(dt, {3}, {2, 3, 4}, {2, 4}, rng);
    // The rhs without batch: one product over the lhs rows.
    expectMatMul(dt, {2, 3, 5, 7}, {7, 4}, {2, 3, 5, 4}, rng);
    expectMatMul(dt, {2, 3, 5, 7}, {1, 1, 7, 4}, {2, 3, 5, 4}, rng);
    // One strided-batched call: equal batches, a broadcast lhs or rhs.
    expectMatMul(dt, {4, 5, 7}, {4, 7, 3}, {4, 5, 3}, rng);
    expectMatMul(dt, {5, 7}, {4, 7, 3}, {4, 5, 3}, rng);
    expectMatMul(dt, {1, 5, 7}, {2, 4, 7, 3}, {2, 4, 5, 3}, rng);
    expectMatMul(dt, {2, 3, 5, 7}, {3, 7, 4}, {2, 3, 5, 4}, rng);
    // Batches that need several calls.
    expectMatMul(dt, {2, 1, 5, 7}, {3, 7, 4}, {2, 3, 5, 4}, rng);
    expectMatMul(dt, {3, 1, 5, 7}, {1, 2, 7, 4}, {3, 2, 5, 4}, rng);
    expectMatMul(dt, {2, 3, 1, 2, 7}, {3, 4, 7, 2}, {2, 3, 4, 2, 2}, rng);
    // Empty products and batches.
    expectMatMul(dt, {3, 0}, {0, 4}, {3, 4}, rng);
    expectMatMul(dt, {2, 3, 0}, {2, 0, 4}, {2, 3, 4}, rng);
    expectMatMul(dt, {0, 5, 7}, {0, 7, 3}, {0, 5, 3}, rng);
    expectMatMul(dt, {0, 7}, {7, 3}, {0, 3}, rng);
    expectMatMul(dt, {5, 7}, {7, 0}, {5, 0}, rng);
  }
}

TEST(MatMulKernels, MatMulErrors) {
  TensorType a{DType::F32, {5, 7}}, b{DType::F32, {6, 3}};
  EXPECT_NE(
      devicePrepareError("nn.matmul", attrs({}), {a, b}, {{DType::F32, {5, 3}}})
          .find("contracted dimensions differ"),
      std::string::npos);
  TensorType h{DType::F16, {5, 7}}, hb{DType::F16, {7, 3}};
  EXPECT_NE(devicePrepareError("nn.matmul", attrs({}), {h, hb},
                               {{DType::F16, {5, 3}}})
                .find("the CUDA backend supports f32 and f64, got f16"),
            std::string::npos);
}

TEST(MatMulKernels, Gemm) {
  std::mt19937 rng(2);
  const int64_t m = 37, n = 45, k = 33;
  for (DType dt : kFloatTypes)
    for (int64_t ta : {0, 1})
      for (int64_t tb : {0, 1}) {
        Tensor a = randomTensor({dt, ta ? Shape{k, m} : Shape{m, k}}, rng);
        Tensor b = randomTensor({dt, tb ? Shape{n, k} : Shape{k, n}}, rng);
        auto at = [&](double alpha, double beta) {
          return attrs({{"alpha", alpha},
                        {"beta", beta},
                        {"transA", ta},
                        {"transB", tb}});
        };
        expectMatchesCpu("nn.gemm", at(1.0, 1.0), {a, b}, {{dt, {m, n}}}, 1e-5,
                         atolFor(dt));
        for (Shape cs : {Shape{m, n}, Shape{n}, Shape{1}, Shape{m, 1},
                         Shape{1, n}, Shape{}}) {
          SCOPED_TRACE("C " + formatShape(cs));
          expectMatchesCpu("nn.gemm", at(0.5, -1.5),
                           {a, b, randomTensor({dt, cs}, rng)}, {{dt, {m, n}}},
                           1e-5, atolFor(dt));
        }
        // beta 0 ignores C.
        expectMatchesCpu("nn.gemm", at(2.0, 0.0),
                         {a, b, randomTensor({dt, {m, n}}, rng)},
                         {{dt, {m, n}}}, 1e-5, atolFor(dt));
      }
}

TEST(MatMulKernels, GemmEmpty) {
  std::mt19937 rng(3);
  for (DType dt : kFloatTypes) {
    Tensor a = randomTensor({dt, {3, 0}}, rng),
           b = randomTensor({dt, {0, 4}}, rng);
    expectMatchesCpu("nn.gemm",
                     attrs({{"alpha", 1.0},
                            {"beta", 1.0},
                            {"transA", int64_t(0)},
                            {"transB", int64_t(0)}}),
                     {a, b}, {{dt, {3, 4}}});
    expectMatchesCpu("nn.gemm",
                     attrs({{"alpha", 1.0},
                            {"beta", 2.0},
                            {"transA", int64_t(0)},
                            {"transB", int64_t(0)}}),
                     {a, b, randomTensor({dt, {4}}, rng)}, {{dt, {3, 4}}});
  }
}

} // namespace
