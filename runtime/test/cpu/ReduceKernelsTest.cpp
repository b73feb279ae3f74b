//===- ReduceKernelsTest.cpp - Tests of the reductions and cumsum ---------===//
//
// Reductions over every subset of axes, with and without keepdims, in every
// numeric type against a reference loop; the accuracy of long F32 sums;
// sum_to as the adjoint of expand (finite differences); reduce_max and
// reduce_min against a reference loop, with NaNs and empty reductions;
// cumsum in every direction against ONNX's example and a reference loop;
// and errors.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

/// Sums (or means) of x of `shape` over `axes`, in the kept shape's order.
Values referenceReduce(const Values &x, const Shape &shape,
                       const std::vector<int64_t> &axes, bool mean,
                       bool integer) {
  Shape kept = shape;
  for (int64_t a : axes)
    kept[size_t(a)] = 1;
  Values sums(size_t(numElements(kept)), 0.0);
  size_t i = 0;
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    sums[size_t(broadcastOffset(kept, index))] += x[i++];
  });
  if (mean) {
    double count = double(numElements(shape)) / double(sums.size());
    for (double &s : sums)
      s = integer ? std::trunc(s / count) : s / count;
  }
  return sums;
}

TEST(ReduceKernels, EverySubsetOfAxesInEveryType) {
  std::mt19937 rng(41);
  const Shape shape{2, 3, 4};
  for (DType dtype : {DType::F32, DType::F64, DType::I64, DType::I32})
    for (int mask = 0; mask < 8; ++mask)
      for (bool keepdims : {false, true})
        for (bool mean : {false, true}) {
          std::vector<int64_t> axes;
          Shape result;
          for (int64_t d = 0; d < 3; ++d) {
            if (mask & (1 << d)) {
              axes.push_back(d);
              if (keepdims)
                result.push_back(1);
            } else {
              result.push_back(shape[size_t(d)]);
            }
          }
          Tensor x = randomTensor({dtype, shape}, rng, -9, 9);
          Tensor y =
              run1(mean ? "nn.reduce_mean" : "nn.reduce_sum",
                   attrs({{"axes", axes}, {"keepdims", int64_t(keepdims)}}),
                   {x}, {dtype, result});
          bool integer = !isFloat(dtype);
          expectClose(
              y, referenceReduce(valuesOf(x), shape, axes, mean, integer),
              dtype == DType::F32 ? 1e-6 : 1e-14, 1e-12,
              std::string(mean ? "mean " : "sum ") + x.type().str() + " mask " +
                  std::to_string(mask) + (keepdims ? " keepdims" : ""));
        }
}

TEST(ReduceKernels, LongF32SumsAccumulateInDouble) {
  // 2^20 elements of 0.1f: a float accumulator drifts by about 1e-3
  // relative; a double one is exact to float precision.
  const int64_t n = 1 << 20;
  TensorType t{DType::F32, {4, n / 4}};
  Tensor x = tensorOf(t, Values(size_t(n), 0.1));
  double exact = double(n) * double(0.1f);
  Tensor all = run1(
      "nn.reduce_sum",
      attrs({{"axes", std::vector<int64_t>{0, 1}}, {"keepdims", int64_t(0)}}),
      {x}, {DType::F32, {}});
  expectClose(all, {exact}, 1e-7, 0, "sum of all");
  Tensor leading =
      run1("nn.reduce_sum",
           attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t(1)}}),
           {x}, {DType::F32, {4, 1}});
  expectClose(leading, Values(4, exact / 4), 1e-7, 0, "row sums");
}

TEST(ReduceKernels, MeanOverNoElementsIsNaN) {
  Tensor x = tensorOf({DType::F32, {0, 3}}, {});
  Tensor y =
      run1("nn.reduce_mean",
           attrs({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t(0)}}),
           {x}, {DType::F32, {3}});
  for (double v : valuesOf(y))
    EXPECT_TRUE(std::isnan(v));
  Tensor s =
      run1("nn.reduce_sum",
           attrs({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t(0)}}),
           {x}, {DType::F32, {3}});
  expectClose(s, {0, 0, 0}, 0, 0, "sum over no elements");
}

/// (small, large) shape pairs where small broadcasts to large.
const std::vector<std::pair<Shape, Shape>> kSumToCases = {
    {{64}, {8, 4, 64}},     {{4, 1}, {2, 4, 5}}, {{}, {3, 2}},
    {{1, 3, 1}, {2, 3, 4}}, {{2, 3}, {2, 3}},    {{1}, {7}},
    {{5, 1, 6}, {5, 3, 6}}};

TEST(ReduceKernels, SumToIsTheAdjointOfExpand) {
  std::mt19937 rng(42);
  for (const auto &[small, large] : kSumToCases) {
    TensorType ts{DType::F64, small}, tl{DType::F64, large};
    Tensor x = randomTensor(ts, rng, -2, 2), w = randomTensor(tl, rng, -2, 2);
    Values expected = numericGradient(
        [&](const Values &at) {
          return valuesOf(run1("nn.expand", {}, {tensorOf(ts, at)}, tl));
        },
        valuesOf(x), valuesOf(w), kLinearStep);
    expectClose(run1("nn.sum_to", {}, {w}, ts), expected, 1e-8, 1e-9,
                "sum_to " + tl.str() + " -> " + ts.str());
    // F32 agrees with F64.
    TensorType f32{DType::F32, large};
    expectClose(run1("nn.sum_to", {}, {tensorOf(f32, valuesOf(w))},
                     {DType::F32, small}),
                valuesOf(run1("nn.sum_to", {}, {w}, ts)), 1e-6, 1e-6,
                "sum_to f32 " + f32.str());
  }
}

TEST(ReduceKernels, PreparationErrors) {
  TensorType t{DType::F32, {2, 3}};
  std::string error = prepareError(
      "nn.reduce_sum",
      attrs({{"axes", std::vector<int64_t>{1, 0}}, {"keepdims", int64_t(1)}}),
      {t}, {{DType::F32, {1, 1}}});
  EXPECT_NE(error.find("axes must be sorted, unique and in [0, 2)"),
            std::string::npos)
      << error;
  error = prepareError(
      "nn.reduce_mean",
      attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t(0)}}), {t},
      {{DType::F32, {2, 1}}});
  EXPECT_NE(error.find("result has type 2x1xf32, expected 2xf32"),
            std::string::npos)
      << error;
  error = prepareError("nn.sum_to", {}, {t}, {{DType::F32, {2}}});
  EXPECT_NE(error.find("result 2xf32 does not broadcast to 2x3xf32"),
            std::string::npos)
      << error;
}

TEST(ReduceKernels, CumSumMatchesOnnxExample) {
  Tensor x = tensorOf({DType::F64, {3}}, {1, 2, 3});
  const std::vector<std::pair<std::pair<int64_t, int64_t>, Values>> cases = {
      {{0, 0}, {1, 3, 6}},
      {{1, 0}, {0, 1, 3}},
      {{0, 1}, {6, 5, 3}},
      {{1, 1}, {5, 3, 0}}};
  for (const auto &[flags, expected] : cases)
    expectClose(run1("nn.cumsum",
                     attrs({{"axis", int64_t(0)},
                            {"exclusive", flags.first},
                            {"reverse", flags.second}}),
                     {x}, x.type()),
                expected, 0, 0, "cumsum");
}

TEST(ReduceKernels, CumSumAlongEveryAxisInEveryType) {
  std::mt19937 rng(43);
  const Shape shape{2, 3, 4};
  for (DType dtype :
       {DType::F32, DType::F64, DType::I64, DType::I32, DType::U8})
    for (int64_t axis = 0; axis < 3; ++axis)
      for (int64_t exclusive : {0, 1})
        for (int64_t reverse : {0, 1}) {
          Tensor x =
              randomTensor({dtype, shape}, rng, dtype == DType::U8 ? 0 : -9, 9);
          Values v = valuesOf(x), expected;
          forEachIndex(shape, [&](const std::vector<int64_t> &index) {
            double sum = 0;
            std::vector<int64_t> at = index;
            for (int64_t j = 0; j < shape[size_t(axis)]; ++j) {
              int64_t i = index[size_t(axis)];
              bool in = reverse ? (exclusive ? j > i : j >= i)
                                : (exclusive ? j < i : j <= i);
              at[size_t(axis)] = j;
              if (in)
                sum += v[size_t(flatIndex(shape, at))];
            }
            expected.push_back(sum);
          });
          std::string what = std::string("cumsum ") + dtypeName(dtype) +
                             " axis " + std::to_string(axis) +
                             (exclusive ? " exclusive" : "") +
                             (reverse ? " reverse" : "");
          expectClose(run1("nn.cumsum",
                           attrs({{"axis", axis},
                                  {"exclusive", exclusive},
                                  {"reverse", reverse}}),
                           {x}, x.type()),
                      expected, 1e-6, 0, what);
        }
  std::string error =
      prepareError("nn.cumsum", attrs({{"axis", int64_t(2)}}),
                   {{DType::F32, {2, 3}}}, {{DType::F32, {2, 3}}});
  EXPECT_NE(error.find("axis 2 is out of range for rank 2"), std::string::npos)
      << error;
  error = prepareError("nn.cumsum", attrs({{"axis", int64_t(0)}}),
                       {{DType::Bool, {2}}}, {{DType::Bool, {2}}});
  EXPECT_NE(error.find("unsupported element type"), std::string::npos) << error;
}

TEST(ReduceKernels, MaxAndMinOverEverySubsetOfAxes) {
  std::mt19937 rng(44);
  const Shape shape{2, 3, 4};
  for (DType dtype :
       {DType::F32, DType::F64, DType::I64, DType::I32, DType::U8, DType::Bool})
    for (bool max : {true, false})
      for (int mask = 0; mask < 8; ++mask)
        for (bool keepdims : {false, true}) {
          std::vector<int64_t> axes;
          Shape kept = shape, result;
          for (int64_t d = 0; d < 3; ++d) {
            if (mask & (1 << d)) {
              axes.push_back(d);
              kept[size_t(d)] = 1;
              if (keepdims)
                result.push_back(1);
            } else {
              result.push_back(shape[size_t(d)]);
            }
          }
          bool small = dtype == DType::U8 || dtype == DType::Bool;
          Tensor x = randomTensor({dtype, shape}, rng, small ? 0 : -9,
                                  dtype == DType::Bool ? 1 : 9);
          Values v = valuesOf(x);
          Values expected(size_t(numElements(kept)), std::nan(""));
          size_t i = 0;
          forEachIndex(shape, [&](const std::vector<int64_t> &index) {
            double &e = expected[size_t(broadcastOffset(kept, index))];
            if (std::isnan(e) || (max ? v[i] > e : v[i] < e))
              e = v[i];
            ++i;
          });
          std::string what = std::string(max ? "reduce_max " : "reduce_min ") +
                             dtypeName(dtype) + " mask " +
                             std::to_string(mask) +
                             (keepdims ? " keepdims" : "");
          expectClose(
              run1(max ? "nn.reduce_max" : "nn.reduce_min",
                   attrs({{"axes", axes}, {"keepdims", int64_t(keepdims)}}),
                   {x}, {dtype, result}),
              expected, 0, 0, what);
        }
}

TEST(ReduceKernels, MaxAndMinPropagateNaNAndFillEmptyReductions) {
  const double nan = std::nan(""), inf = INFINITY;
  Tensor x = tensorOf({DType::F32, {2, 3}}, {1, nan, 3, -2, 5, 4});
  Attributes rows =
      attrs({{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t(0)}});
  expectClose(run1("nn.reduce_max", rows, {x}, {DType::F32, {2}}), {nan, 5}, 0,
              0, "reduce_max with NaN");
  expectClose(run1("nn.reduce_min", rows, {x}, {DType::F32, {2}}), {nan, -2}, 0,
              0, "reduce_min with NaN");
  Tensor empty = tensorOf({DType::F64, {2, 0}}, {});
  expectClose(run1("nn.reduce_max", rows, {empty}, {DType::F64, {2}}),
              {-inf, -inf}, 0, 0, "reduce_max of nothing");
  expectClose(run1("nn.reduce_min", rows, {empty}, {DType::F64, {2}}),
              {inf, inf}, 0, 0, "reduce_min of nothing");
  Tensor none = tensorOf({DType::I32, {2, 0}}, {});
  expectClose(run1("nn.reduce_max", rows, {none}, {DType::I32, {2}}),
              {double(INT32_MIN), double(INT32_MIN)}, 0, 0,
              "int reduce_max of nothing");
  std::string error = prepareError(
      "nn.reduce_max", rows, {{DType::F32, {2, 3}}}, {{DType::F32, {2, 1}}});
  EXPECT_NE(error.find("result has type 2x1xf32, expected 2xf32"),
            std::string::npos)
      << error;
}

} // namespace
