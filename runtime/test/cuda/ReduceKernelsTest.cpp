//===- ReduceKernelsTest.cpp - CUDA Reduce kernels against the CPU's ------===//
//
// reduce_sum, reduce_mean, reduce_max, reduce_min, sum_to and cumsum on the
// device target against the CPU backend: every claimed dtype, reduced axes
// innermost (the warp path, rows shorter and longer than a warp), leading
// and in the middle (the thread path), non-adjacent axes, all or none of
// the axes, size-1 and empty axes, keepdims both ways.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

struct ReduceCase {
  Shape shape;
  std::vector<int64_t> axes;
};

const ReduceCase kCases[] = {
    {{4, 5}, {1}},          {{3, 100}, {1}},   {{3, 100}, {0}},
    {{2, 3, 37}, {0, 2}},   {{2, 3, 37}, {1}}, {{2, 3, 37}, {0, 1, 2}},
    {{5, 6, 7}, {}},        {{1, 65}, {0, 1}}, {{4, 1, 3}, {1}},
    {{3, 0, 2}, {1}},       {{0, 4}, {0}},     {{0, 4}, {1}},
    {{2, 3, 4, 5}, {1, 3}}, {{7}, {0}},
};

Shape resultShape(const ReduceCase &c, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < c.shape.size(); ++d) {
    bool reduced =
        std::find(c.axes.begin(), c.axes.end(), int64_t(d)) != c.axes.end();
    if (!reduced)
      out.push_back(c.shape[d]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

TEST(ReduceKernels, ReductionsMatchCpu) {
  std::mt19937 rng(3);
  const std::pair<const char *, std::vector<DType>> ops[] = {
      {"nn.reduce_sum", {DType::F32, DType::F64, DType::I64, DType::I32}},
      {"nn.reduce_mean", {DType::F32, DType::F64, DType::I64, DType::I32}},
      {"nn.reduce_max",
       {DType::F32, DType::F64, DType::I64, DType::I32, DType::Bool}},
      {"nn.reduce_min",
       {DType::F32, DType::F64, DType::I64, DType::I32, DType::Bool}},
  };
  for (const auto &[op, dtypes] : ops)
    for (DType dtype : dtypes)
      for (const ReduceCase &c : kCases)
        for (int64_t keepdims : {0, 1}) {
          TensorType in{dtype, c.shape};
          SCOPED_TRACE(std::string(op) + " " + in.str() + " keepdims " +
                       std::to_string(keepdims));
          expectMatchesCpu(op,
                           attrs({{"axes", c.axes}, {"keepdims", keepdims}}),
                           {randomTensor(in, rng, -50, 50)},
                           {TensorType{dtype, resultShape(c, keepdims)}});
        }
}

// Few results over many elements: the sums split into chunks (a thread
// or a warp per chunk) and add the chunks in a second pass.
TEST(ReduceKernels, SplitSumsMatchCpu) {
  std::mt19937 rng(17);
  const ReduceCase cases[] = {
      {{3000, 7}, {0}},       // chunks of lines
      {{3, 9000}, {1}},       // chunks of rows
      {{100, 70}, {0, 1}},    // one result
      {{2, 1500, 3}, {0, 1}}, // chunks of two merged axes
  };
  for (const char *op : {"nn.reduce_sum", "nn.reduce_mean"})
    for (DType dtype : {DType::F32, DType::F64, DType::I64, DType::I32})
      for (const ReduceCase &c : cases) {
        TensorType in{dtype, c.shape};
        SCOPED_TRACE(std::string(op) + " " + in.str());
        expectMatchesCpu(op,
                         attrs({{"axes", c.axes}, {"keepdims", int64_t(0)}}),
                         {randomTensor(in, rng, -50, 50)},
                         {TensorType{dtype, resultShape(c, false)}});
      }
  TensorType in{DType::F32, {4000, 9}};
  expectMatchesCpu("nn.sum_to", {}, {randomTensor(in, rng)},
                   {TensorType{DType::F32, {9}}});
}

TEST(ReduceKernels, ExtremesLetNaNWin) {
  TensorType in{DType::F32, {2, 3}};
  Tensor x = tensorOf(in, {1, NAN, 3, 4, 5, NAN});
  for (const char *op : {"nn.reduce_max", "nn.reduce_min"})
    for (int64_t axis : {0, 1})
      expectMatchesCpu(
          op, attrs({{"axes", std::vector<int64_t>{axis}}, {"keepdims", 0}}),
          {x}, {TensorType{DType::F32, {in.shape[size_t(1 - axis)]}}});
}

TEST(ReduceKernels, SumToMatchesCpu) {
  std::mt19937 rng(4);
  const std::pair<Shape, Shape> cases[] = {
      {{4, 5}, {5}},       {{4, 5}, {1, 5}}, {{4, 5}, {4, 1}},
      {{3, 40}, {3, 40}},  {{2, 3, 33}, {}}, {{2, 3, 33}, {3, 1}},
      {{6, 1, 7}, {1, 7}}, {{0, 3}, {3}},    {{2, 3, 4, 5}, {3, 1, 5}},
  };
  for (DType dtype : {DType::F32, DType::F64})
    for (const auto &[from, to] : cases) {
      TensorType in{dtype, from};
      TensorType res{dtype, to};
      SCOPED_TRACE(in.str() + " to " + res.str());
      expectMatchesCpu("nn.sum_to", {}, {randomTensor(in, rng)}, {res});
    }
}

TEST(ReduceKernels, CumSumMatchesCpu) {
  std::mt19937 rng(5);
  const std::pair<Shape, int64_t> cases[] = {
      {{4, 5}, 1}, {{4, 5}, 0}, {{2, 50, 3}, 1}, {{70}, 0},
      {{3, 0}, 1}, {{0, 3}, 1}, {{2, 1, 3}, 1},
  };
  for (DType dtype : {DType::F32, DType::F64, DType::I64, DType::I32})
    for (const auto &[shape, axis] : cases)
      for (int64_t exclusive : {0, 1})
        for (int64_t reverse : {0, 1}) {
          TensorType t{dtype, shape};
          SCOPED_TRACE(t.str() + " axis " + std::to_string(axis) +
                       " exclusive " + std::to_string(exclusive) + " reverse " +
                       std::to_string(reverse));
          expectMatchesCpu("nn.cumsum",
                           attrs({{"axis", axis},
                                  {"exclusive", exclusive},
                                  {"reverse", reverse}}),
                           {randomTensor(t, rng, -20, 20)}, {t});
        }
}

TEST(ReduceKernels, RejectsUnsupportedTypes) {
  TensorType f16{DType::F16, {2, 3}}, f16r{DType::F16, {2}};
  EXPECT_NE(devicePrepareError(
                "nn.reduce_sum",
                attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", 0}}),
                {f16}, {f16r})
                .find("the CUDA backend supports f32, f64, i64 and i32, got "
                      "f16"),
            std::string::npos);
  TensorType i64{DType::I64, {2, 3}}, i64r{DType::I64, {3}};
  EXPECT_NE(devicePrepareError("nn.sum_to", {}, {i64}, {i64r})
                .find("the CUDA backend supports f32 and f64, got i64"),
            std::string::npos);
}

} // namespace
