//===- ActivationGradKernelsTest.cpp - Tests of the activation gradients --===//
//
// Each gradient kernel against central finite differences of its forward
// kernel in double precision, F32 against F64, and hand-computed cases.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

struct GradCase {
  const char *forward;
  const char *grad;
  Attributes attributes;
  bool fromResult; // the gradient reads the forward result y, not x
};

std::vector<GradCase> gradCases() {
  Attributes none = attrs({{"approximate", std::string("none")}});
  Attributes tanh = attrs({{"approximate", std::string("tanh")}});
  return {{"nn.relu", "nn.relu_grad", {}, false},
          {"nn.gelu", "nn.gelu_grad", none, false},
          {"nn.gelu", "nn.gelu_grad", tanh, false},
          {"nn.tanh", "nn.tanh_grad", {}, true},
          {"nn.sigmoid", "nn.sigmoid_grad", {}, true}};
}

/// x in [-4, 4] but at least 0.05 away from 0, where relu has its kink.
Tensor awayFromZero(const TensorType &type, std::mt19937 &rng) {
  Values v = valuesOf(randomTensor(type, rng, -4, 4));
  for (double &x : v)
    if (std::fabs(x) < 0.05)
      x = x < 0 ? x - 0.05 : x + 0.05;
  return tensorOf(type, v);
}

TEST(ActivationGradKernels, MatchFiniteDifferencesOfTheForwardKernels) {
  std::mt19937 rng(11);
  TensorType t{DType::F64, {3, 17}};
  for (const GradCase &c : gradCases()) {
    Tensor x = awayFromZero(t, rng);
    Tensor dy = randomTensor(t, rng, -1, 1);
    auto forward = [&](const Values &at) {
      return valuesOf(run1(c.forward, c.attributes, {tensorOf(t, at)}, t));
    };
    Values expected = numericGradient(forward, valuesOf(x), valuesOf(dy));
    Tensor operand = c.fromResult ? run1(c.forward, c.attributes, {x}, t) : x;
    Tensor dx = run1(c.grad, c.attributes, {dy, operand}, t);
    expectClose(dx, expected, 1e-6, 1e-8,
                std::string(c.grad) + " against " + c.forward);
  }
}

TEST(ActivationGradKernels, F32AgreesWithF64) {
  std::mt19937 rng(12);
  TensorType t64{DType::F64, {64}}, t32{DType::F32, {64}};
  for (const GradCase &c : gradCases()) {
    Values x = valuesOf(awayFromZero(t64, rng));
    Values dy = valuesOf(randomTensor(t64, rng, -1, 1));
    auto gradIn = [&](const TensorType &t) {
      Tensor xt = tensorOf(t, x);
      Tensor operand =
          c.fromResult ? run1(c.forward, c.attributes, {xt}, t) : xt;
      return valuesOf(
          run1(c.grad, c.attributes, {tensorOf(t, dy), operand}, t));
    };
    expectClose(gradIn(t32), gradIn(t64), 1e-5, 1e-6, c.grad);
  }
}

TEST(ActivationGradKernels, HandComputedValues) {
  TensorType t{DType::F32, {4}};
  Tensor dy = tensorOf(t, {5, 6, 7, 8});
  expectClose(run1("nn.relu_grad", {}, {dy, tensorOf(t, {-1, 0, 2, 1e-30})}, t),
              {0, 0, 7, 8}, 0, 0, "relu_grad");
  expectClose(run1("nn.tanh_grad", {}, {dy, tensorOf(t, {0, 0.5, -1, 1})}, t),
              {5, 4.5, 0, 0}, 1e-7, 0, "tanh_grad");
  expectClose(
      run1("nn.sigmoid_grad", {}, {dy, tensorOf(t, {0.5, 0, 1, 0.25})}, t),
      {1.25, 0, 0, 1.5}, 1e-7, 0, "sigmoid_grad");
  // gelu'(0) = 1/2 for both formulas.
  for (const char *approximate : {"none", "tanh"})
    expectClose(run1("nn.gelu_grad",
                     attrs({{"approximate", std::string(approximate)}}),
                     {tensorOf(t, {2, 2, 2, 2}), tensorOf(t, {0, 0, 0, 0})}, t),
                {1, 1, 1, 1}, 1e-7, 0, approximate);
}

TEST(ActivationGradKernels, DropoutGradMatchesFiniteDifferencesOfDropout) {
  const double ratio = 0.25;
  std::mt19937 rng(13);
  TensorType t{DType::F64, {50}};
  TensorType maskType{DType::Bool, {50}};
  Attributes a = attrs({{"ratio", ratio}});
  // Dropout draws the same mask in every call with one context.
  KernelFn fn;
  ASSERT_FALSE(prepare("nn.dropout", a, {t}, {t, maskType}, fn, 99));
  auto dropout = [&](const Tensor &x) { return call(fn, {x}, {t, maskType}); };
  Tensor x = randomTensor(t, rng, -2, 2), dy = randomTensor(t, rng, -2, 2);
  Tensor mask = dropout(x)[1];
  Values expected = numericGradient(
      [&](const Values &at) { return valuesOf(dropout(tensorOf(t, at))[0]); },
      valuesOf(x), valuesOf(dy), kLinearStep);
  expectClose(run1("nn.dropout_grad", a, {dy, mask}, t), expected, 1e-7, 1e-9,
              "dropout_grad");
  Values m = valuesOf(mask);
  EXPECT_GT(std::count(m.begin(), m.end(), 0.0), 0);
  EXPECT_GT(std::count(m.begin(), m.end(), 1.0), 0);
}

TEST(ActivationGradKernels, PreparationErrors) {
  TensorType f{DType::F32, {4}}, g{DType::F32, {5}};
  std::string error = prepareError("nn.relu_grad", {}, {f, g}, {f});
  EXPECT_NE(error.find("second operand has type 5xf32, expected 4xf32"),
            std::string::npos)
      << error;
  error = prepareError("nn.dropout_grad", attrs({{"ratio", 0.5}}), {f, f}, {f});
  EXPECT_NE(error.find("mask has type 4xf32, expected 4xbool"),
            std::string::npos)
      << error;
  error =
      prepareError("nn.tanh_grad", {}, {{DType::I64, {4}}, {DType::I64, {4}}},
                   {{DType::I64, {4}}});
  EXPECT_NE(error.find("unsupported element type i64 of dy"), std::string::npos)
      << error;
}

} // namespace
