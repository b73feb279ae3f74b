//===- MatMulKernelsTest.cpp - nn.matmul and nn.gemm against naive loops --===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

const double kRtol32 = 1e-5, kAtol32 = 1e-5, kTol64 = 1e-12;

/// numpy's matmul by its definition, in double.
Values referenceMatMul(const Values &a, Shape as, const Values &b, Shape bs,
                       Shape &resultShape) {
  bool aVector = as.size() == 1, bVector = bs.size() == 1;
  if (aVector)
    as.insert(as.begin(), 1);
  if (bVector)
    bs.push_back(1);
  int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  size_t rank = std::max(as.size(), bs.size()) - 2;
  // Batch shapes right-aligned to `rank` axes, 1 where absent.
  Shape ab(rank, 1), bb(rank, 1), batch(rank);
  std::copy(as.begin(), as.end() - 2, ab.end() - (as.size() - 2));
  std::copy(bs.begin(), bs.end() - 2, bb.end() - (bs.size() - 2));
  for (size_t d = 0; d < rank; ++d)
    batch[d] = std::max(ab[d], bb[d]);
  Values c;
  forEachIndex(batch, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> ai(rank), bi(rank);
    for (size_t d = 0; d < rank; ++d) {
      ai[d] = ab[d] == 1 ? 0 : index[d];
      bi[d] = bb[d] == 1 ? 0 : index[d];
    }
    int64_t aBase = flatIndex(ab, ai) * m * k,
            bBase = flatIndex(bb, bi) * k * n;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t p = 0; p < k; ++p)
          sum += a[size_t(aBase + i * k + p)] * b[size_t(bBase + p * n + j)];
        c.push_back(sum);
      }
  });
  resultShape = batch;
  if (!aVector)
    resultShape.push_back(m);
  if (!bVector)
    resultShape.push_back(n);
  return c;
}

struct MatMulCase {
  Shape lhs, rhs;
};

TEST(MatMulKernel, MatchesNumpySemantics) {
  std::vector<MatMulCase> cases = {
      {{3, 4}, {4, 5}},          // plain
      {{4}, {4, 5}},             // vector lhs
      {{3, 4}, {4}},             // vector rhs
      {{4}, {4}},                // dot product
      {{1, 4}, {4, 6}},          // one row
      {{2, 3, 4}, {4, 5}},       // weight: batches fold into rows
      {{2, 1, 4}, {4, 5}},       // folded rows of one
      {{2, 3, 4}, {1, 4, 5}},    // rhs batch of one folds too
      {{2, 3, 4}, {4}},          // folded, then a matrix-vector product
      {{2, 3, 4}, {2, 4, 5}},    // batched
      {{2, 1, 3, 4}, {5, 4, 2}}, // batches broadcast both ways
      {{3, 4}, {2, 4, 5}},       // lhs broadcast over rhs batches
      {{4}, {2, 4, 5}},          // vector lhs over rhs batches
      {{2, 2, 3, 4}, {2, 2, 4, 1}},
      {{3, 0}, {0, 5}},    // empty contraction: zeros
      {{2, 0, 4}, {4, 5}}, // empty result
  };
  std::mt19937 rng(1);
  for (DType dtype : {DType::F32, DType::F64})
    for (const MatMulCase &c : cases) {
      std::string what = formatShape(c.lhs) + " x " + formatShape(c.rhs) + " " +
                         dtypeName(dtype);
      SCOPED_TRACE(what);
      Tensor a = randomTensor({dtype, c.lhs}, rng);
      Tensor b = randomTensor({dtype, c.rhs}, rng);
      Shape shape;
      Values expected =
          referenceMatMul(valuesOf(a), c.lhs, valuesOf(b), c.rhs, shape);
      auto result = run("nn.matmul", {}, {a, b}, {{dtype, shape}});
      ASSERT_EQ(result.size(), 1u);
      bool f32 = dtype == DType::F32;
      expectClose(result[0], expected, f32 ? kRtol32 : kTol64,
                  f32 ? kAtol32 : kTol64, what);
    }
}

TEST(MatMulKernel, RejectsBadShapes) {
  KernelFn fn;
  Status s =
      prepare("nn.matmul", {}, {{DType::F32, {3, 4}}, {DType::F32, {5, 6}}},
              {{DType::F32, {3, 6}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("nn.matmul"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("contracted"), std::string::npos) << s.message();

  s = prepare("nn.matmul", {}, {{DType::F32, {3, 4}}, {DType::F32, {4, 6}}},
              {{DType::F32, {3, 5}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("result has shape 3x5, expected 3x6"),
            std::string::npos)
      << s.message();

  s = prepare("nn.matmul", {}, {{DType::I64, {3, 4}}, {DType::I64, {4, 6}}},
              {{DType::I64, {3, 6}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("unsupported element type i64"), std::string::npos)
      << s.message();
}

/// Gemm by its definition: alpha * op(A) op(B) + beta * C (C broadcast).
Values referenceGemm(const Values &a, const Values &b, const Values *c,
                     const Shape &cShape, int64_t m, int64_t n, int64_t k,
                     bool transA, bool transB, double alpha, double beta) {
  Values y(size_t(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += a[size_t(transA ? p * m + i : i * k + p)] *
               b[size_t(transB ? j * k + p : p * n + j)];
      double bias = 0;
      if (c) {
        Shape full(2 - cShape.size(), 1);
        full.insert(full.end(), cShape.begin(), cShape.end());
        int64_t ci = full[0] == 1 ? 0 : i, cj = full[1] == 1 ? 0 : j;
        bias = (*c)[size_t(ci * full[1] + cj)];
      }
      y[size_t(i * n + j)] = alpha * sum + beta * bias;
    }
  return y;
}

TEST(GemmKernel, FlagsAndBroadcastBias) {
  const int64_t m = 3, n = 5, k = 4;
  std::vector<std::optional<Shape>> cShapes = {
      std::nullopt, Shape{},     Shape{1},   Shape{n},
      Shape{1, n},  Shape{m, 1}, Shape{m, n}};
  std::mt19937 rng(2);
  for (DType dtype : {DType::F32, DType::F64})
    for (int transA = 0; transA < 2; ++transA)
      for (int transB = 0; transB < 2; ++transB)
        for (const auto &cShape : cShapes)
          for (double beta : {2.0, 0.0}) {
            std::string what =
                "transA=" + std::to_string(transA) +
                " transB=" + std::to_string(transB) +
                " C=" + (cShape ? formatShape(*cShape) : "none") +
                " beta=" + std::to_string(beta) + " " + dtypeName(dtype);
            SCOPED_TRACE(what);
            Shape as = transA ? Shape{k, m} : Shape{m, k};
            Shape bs = transB ? Shape{n, k} : Shape{k, n};
            std::vector<Tensor> inputs = {randomTensor({dtype, as}, rng),
                                          randomTensor({dtype, bs}, rng)};
            Values cValues;
            if (cShape) {
              inputs.push_back(randomTensor({dtype, *cShape}, rng));
              cValues = valuesOf(inputs[2]);
            }
            Attributes at = attrs({{"alpha", 0.5},
                                   {"beta", beta},
                                   {"transA", int64_t(transA)},
                                   {"transB", int64_t(transB)}});
            auto result = run("nn.gemm", at, inputs, {{dtype, {m, n}}});
            ASSERT_EQ(result.size(), 1u);
            Values expected = referenceGemm(
                valuesOf(inputs[0]), valuesOf(inputs[1]),
                cShape ? &cValues : nullptr, cShape ? *cShape : Shape{}, m, n,
                k, transA, transB, 0.5, beta);
            bool f32 = dtype == DType::F32;
            expectClose(result[0], expected, f32 ? kRtol32 : kTol64,
                        f32 ? kAtol32 : kTol64, what);
          }
}

TEST(GemmKernel, RejectsBadOperands) {
  Attributes at = attrs({{"alpha", 1.0},
                         {"beta", 1.0},
                         {"transA", int64_t(0)},
                         {"transB", int64_t(0)}});
  KernelFn fn;
  Status s = prepare(
      "nn.gemm", at,
      {{DType::F32, {3, 4}}, {DType::F32, {4, 5}}, {DType::F32, {2, 5}}},
      {{DType::F32, {3, 5}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("does not broadcast"), std::string::npos)
      << s.message();

  Attributes missing = attrs({{"alpha", 1.0}, {"beta", 1.0}});
  s = prepare("nn.gemm", missing, {{DType::F32, {3, 4}}, {DType::F32, {4, 5}}},
              {{DType::F32, {3, 5}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("'transA' is missing"), std::string::npos)
      << s.message();
}

} // namespace
