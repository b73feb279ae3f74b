//===- SoftmaxKernelsTest.cpp - Tests of softmax and its gradients --------===//
//
// softmax and log_softmax along every axis against a reference in double,
// their stability on large and infinite inputs, and softmax_grad and
// log_softmax_grad against finite differences of the forward kernels.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

/// softmax (or log-softmax) of x of `shape` along `axis`, in double.
Values referenceSoftmax(const Values &x, const Shape &shape, int64_t axis,
                        bool log) {
  int64_t outer = 1, n = shape[size_t(axis)], inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < shape.size(); ++d)
    inner *= shape[d];
  Values y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      auto at = [&](int64_t k) { return size_t((o * n + k) * inner + j); };
      double m = -std::numeric_limits<double>::infinity(), sum = 0;
      for (int64_t k = 0; k < n; ++k)
        m = std::max(m, x[at(k)]);
      for (int64_t k = 0; k < n; ++k)
        sum += std::exp(x[at(k)] - m);
      for (int64_t k = 0; k < n; ++k)
        y[at(k)] =
            log ? x[at(k)] - m - std::log(sum) : std::exp(x[at(k)] - m) / sum;
    }
  return y;
}

const std::vector<Shape> kShapes = {{5}, {2, 3, 4}, {4, 1, 3}, {3, 70}};

TEST(SoftmaxKernels, HandComputedValues) {
  TensorType t{DType::F32, {3}};
  Tensor x = tensorOf(t, {1, 2, 3});
  expectClose(run1("nn.softmax", attrs({{"axis", int64_t(0)}}), {x}, t),
              {0.09003057, 0.24472847, 0.66524096}, 1e-6, 0, "softmax");
  expectClose(run1("nn.log_softmax", attrs({{"axis", int64_t(0)}}), {x}, t),
              {-2.40760596, -1.40760596, -0.40760596}, 1e-6, 0, "log_softmax");
}

TEST(SoftmaxKernels, EveryAxisMatchesTheReference) {
  std::mt19937 rng(21);
  for (DType dtype : {DType::F32, DType::F64})
    for (const Shape &shape : kShapes)
      for (int64_t axis = 0; axis < int64_t(shape.size()); ++axis)
        for (bool log : {false, true}) {
          TensorType t{dtype, shape};
          Tensor x = randomTensor(t, rng, -5, 5);
          Tensor y = run1(log ? "nn.log_softmax" : "nn.softmax",
                          attrs({{"axis", axis}}), {x}, t);
          expectClose(y, referenceSoftmax(valuesOf(x), shape, axis, log),
                      dtype == DType::F32 ? 2e-6 : 1e-13, 1e-7,
                      std::string(log ? "log_softmax " : "softmax ") + t.str() +
                          " axis " + std::to_string(axis));
        }
}

TEST(SoftmaxKernels, LargeAndInfiniteInputsStayFinite) {
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t axis : {0, 1}) {
    // Shape [2, 2] so that axis 0 takes the strided path.
    TensorType t{DType::F32, {2, 2}};
    Values x =
        axis == 1 ? Values{1000, 1001, -inf, 0} : Values{1000, -inf, 1001, 0};
    Values softmax = axis == 1 ? Values{0.26894142, 0.73105858, 0, 1}
                               : Values{0.26894142, 0, 0.73105858, 1};
    Values logSoftmax = axis == 1 ? Values{-1.31326169, -0.31326169, -inf, 0}
                                  : Values{-1.31326169, -inf, -0.31326169, 0};
    expectClose(
        run1("nn.softmax", attrs({{"axis", axis}}), {tensorOf(t, x)}, t),
        softmax, 1e-6, 0, "softmax");
    expectClose(
        run1("nn.log_softmax", attrs({{"axis", axis}}), {tensorOf(t, x)}, t),
        logSoftmax, 1e-6, 0, "log_softmax");
  }
}

TEST(SoftmaxKernels, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(22);
  for (const Shape &shape : kShapes)
    for (int64_t axis = 0; axis < int64_t(shape.size()); ++axis)
      for (bool log : {false, true}) {
        TensorType t{DType::F64, shape};
        const char *forward = log ? "nn.log_softmax" : "nn.softmax";
        Attributes a = attrs({{"axis", axis}});
        Tensor x = randomTensor(t, rng, -3, 3);
        Tensor dy = randomTensor(t, rng, -1, 1);
        Values expected = numericGradient(
            [&](const Values &at) {
              return valuesOf(run1(forward, a, {tensorOf(t, at)}, t));
            },
            valuesOf(x), valuesOf(dy));
        Tensor y = run1(forward, a, {x}, t);
        Tensor dx = run1(log ? "nn.log_softmax_grad" : "nn.softmax_grad", a,
                         {dy, y}, t);
        expectClose(dx, expected, 1e-6, 1e-8,
                    std::string(forward) + " grad " + t.str() + " axis " +
                        std::to_string(axis));
      }
}

TEST(SoftmaxKernels, F32GradientsAgreeWithF64) {
  std::mt19937 rng(23);
  Shape shape{3, 5, 4};
  for (int64_t axis : {1, 2})
    for (bool log : {false, true}) {
      Values x = valuesOf(randomTensor({DType::F64, shape}, rng, -3, 3));
      Values dy = valuesOf(randomTensor({DType::F64, shape}, rng, -1, 1));
      auto grad = [&](DType dtype) {
        TensorType t{dtype, shape};
        Attributes a = attrs({{"axis", axis}});
        Tensor y =
            run1(log ? "nn.log_softmax" : "nn.softmax", a, {tensorOf(t, x)}, t);
        return valuesOf(run1(log ? "nn.log_softmax_grad" : "nn.softmax_grad", a,
                             {tensorOf(t, dy), y}, t));
      };
      expectClose(grad(DType::F32), grad(DType::F64), 1e-5, 1e-6,
                  log ? "log_softmax_grad" : "softmax_grad");
    }
}

TEST(SoftmaxKernels, PreparationErrors) {
  TensorType t{DType::F32, {2, 3}};
  std::string error =
      prepareError("nn.softmax", attrs({{"axis", int64_t(2)}}), {t}, {t});
  EXPECT_NE(error.find("axis 2 is out of range for rank 2"), std::string::npos)
      << error;
  error = prepareError("nn.softmax_grad", {}, {t, t}, {t});
  EXPECT_NE(error.find("attribute 'axis' is missing"), std::string::npos)
      << error;
}

} // namespace
