//===- ActivationGradKernelsTest.cpp - Tests of the activation gradients --===//
//
// Each gradient kernel against central finite differences of its forward
// kernel in double precision, F32 against F64, and hand-computed cases.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <array>
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
  // PyTorch's nn.Hardsigmoid (alpha 1/6 as a float) and ReLU6-like bounds.
  Attributes hardSigmoid = attrs({{"alpha", double(1.0f / 6)}, {"beta", 0.5}});
  Attributes clip = attrs({{"min", -1.5}, {"max", 2.5}});
  return {{"nn.relu", "nn.relu_grad", {}, false},
          {"nn.gelu", "nn.gelu_grad", none, false},
          {"nn.gelu", "nn.gelu_grad", tanh, false},
          {"nn.tanh", "nn.tanh_grad", {}, true},
          {"nn.sigmoid", "nn.sigmoid_grad", {}, true},
          {"nn.hard_sigmoid", "nn.hard_sigmoid_grad", hardSigmoid, false},
          {"nn.hard_swish", "nn.hard_swish_grad", {}, false},
          {"nn.clip", "nn.clip_grad", clip, false}};
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

TEST(ActivationGradKernels, PiecewiseGradientsAtPyTorchsBoundaries) {
  // The values torch 1.13's autograd gives at the ends of the pieces.
  TensorType t{DType::F32, {6}};
  Tensor dy = tensorOf(t, {6, 6, 6, 6, 6, 6});
  Tensor x = tensorOf(t, {-3.5, -3, -1, 0, 3, 3.5});
  // hardswish_backward: x < -3 -> 0; x <= 3 -> dy (x / 3 + 1/2); else dy.
  expectClose(run1("nn.hard_swish_grad", {}, {dy, x}, t), {0, -3, 1, 3, 9, 6},
              1e-6, 0, "hard_swish_grad");
  // hardsigmoid_backward: dy / 6 where -3 < x < 3 (exclusive), else 0.
  expectClose(run1("nn.hard_sigmoid_grad",
                   attrs({{"alpha", double(1.0f / 6)}, {"beta", 0.5}}), {dy, x},
                   t),
              {0, 0, 1, 1, 0, 0}, 1e-6, 0, "hard_sigmoid_grad");
  // clamp_backward: dy where min <= x <= max (inclusive); NaN gets 0.
  Tensor y = tensorOf(t, {-1, 0, 3, 6, 7, std::nan("")});
  expectClose(
      run1("nn.clip_grad", attrs({{"min", 0.0}, {"max", 6.0}}), {dy, y}, t),
      {0, 6, 6, 6, 0, 0}, 0, 0, "clip_grad");
  expectClose(run1("nn.clip_grad", attrs({{"min", 0.0}}), {dy, y}, t),
              {0, 6, 6, 6, 6, 0}, 0, 0, "clip_grad min only");
  expectClose(run1("nn.clip_grad", attrs({{"max", 3.0}}), {dy, y}, t),
              {6, 6, 6, 0, 0, 0}, 0, 0, "clip_grad max only");
  // min > max: no element passes.
  expectClose(
      run1("nn.clip_grad", attrs({{"min", 2.0}, {"max", 1.0}}), {dy, y}, t),
      {0, 0, 0, 0, 0, 0}, 0, 0, "clip_grad min > max");
}

TEST(ActivationGradKernels, MaxAndMinGradientsSplitTiesAsPyTorch) {
  // torch.maximum's backward: a tie gives each operand half, a NaN
  // comparison the whole gradient to both.
  TensorType t{DType::F64, {4}};
  Tensor dy = tensorOf(t, {1, 1, 1, 1});
  Tensor a = tensorOf(t, {1, 2, 3, std::nan("")}),
         b = tensorOf(t, {2, 2, 1, 1});
  expectClose(run1("nn.max_grad", {}, {dy, a, b}, t), {0, 0.5, 1, 1}, 0, 0,
              "max_grad a");
  expectClose(run1("nn.max_grad", {}, {dy, b, a}, t), {1, 0.5, 0, 1}, 0, 0,
              "max_grad b");
  expectClose(run1("nn.min_grad", {}, {dy, a, b}, t), {1, 0.5, 0, 1}, 0, 0,
              "min_grad a");
  expectClose(run1("nn.min_grad", {}, {dy, b, a}, t), {0, 0.5, 1, 1}, 0, 0,
              "min_grad b");
}

TEST(ActivationGradKernels, MaxAndMinGradientsBroadcast) {
  std::mt19937 rng(14);
  const std::vector<std::array<Shape, 3>> shapes = {
      {Shape{2, 3}, Shape{2, 3}, Shape{2, 3}},
      {Shape{2, 3}, Shape{3}, Shape{2, 3}},
      {Shape{2, 3}, Shape{2, 1}, Shape{3}},
      {Shape{4, 2, 5}, Shape{4, 1, 5}, Shape{2, 1}},
      {Shape{3, 40}, Shape{3, 1}, Shape{40}}};
  for (DType dtype : {DType::F32, DType::F64})
    for (const auto &s : shapes)
      for (bool isMax : {true, false}) {
        Tensor dy = randomTensor({dtype, s[0]}, rng, -2, 2);
        // Small integers, so that ties occur.
        auto ints = [&](const Shape &shape) {
          return tensorOf({dtype, shape}, valuesOf(randomTensor(
                                              {DType::I64, shape}, rng, 0, 2)));
        };
        Tensor a = ints(s[1]), b = ints(s[2]);
        Values g = valuesOf(dy), va = valuesOf(a), vb = valuesOf(b), expected;
        forEachIndex(s[0], [&](const std::vector<int64_t> &i) {
          double x = va[size_t(broadcastOffset(s[1], i))];
          double y = vb[size_t(broadcastOffset(s[2], i))];
          double d = g[size_t(flatIndex(s[0], i))];
          bool loses = isMax ? x < y : x > y;
          expected.push_back(loses ? 0 : x == y ? d / 2 : d);
        });
        const char *op = isMax ? "nn.max_grad" : "nn.min_grad";
        expectClose(run1(op, {}, {dy, a, b}, dy.type()), expected, 0, 0,
                    std::string(op) + " " + a.type().str() + ", " +
                        b.type().str());
      }
  std::string error =
      prepareError("nn.max_grad", {},
                   {{DType::F32, {2, 3}}, {DType::F32, {3}}, {DType::F32, {3}}},
                   {{DType::F32, {2, 3}}});
  EXPECT_NE(error.find("do not broadcast to dy"), std::string::npos) << error;
}

} // namespace
