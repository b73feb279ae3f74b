//===- ActivationGradKernelsTest.cpp - CUDA activation gradients vs CPU ---===//
//
// Every gradient of ActivationGradKernels.cu against the CPU backend, in
// F32 and F64, over odd sizes and empty tensors, every attribute variant,
// and the points where a gradient's piecewise formula switches (exactly 0
// for relu, +-3 for hard_swish and hard_sigmoid, the clip bounds, ties for
// max and min, NaN).
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

const DType kFloats[] = {DType::F32, DType::F64};
const Shape kShapes[] = {Shape{0}, Shape{}, Shape{37}, Shape{3, 33, 5}};

/// numpy's broadcast of two shapes (the tests only pass ones that do).
Shape broadcastOf(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    int64_t x = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    int64_t y = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    out[d] = x == 1 ? y : x;
  }
  return out;
}

/// Values that put the piecewise gradients on their switching points.
Values switchingPoints() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  return {nan, -inf, inf, 0, -0.0, 3, -3, 2.5, -2.5, 1, -1, 0.5, 4, -4};
}

TEST(ActivationGradKernels, SimpleGradientsMatchCpu) {
  std::mt19937 rng(21);
  struct Case {
    const char *op;
    double lo, hi; // of the second operand (x, or the forward's result y)
  };
  const Case cases[] = {{"nn.relu_grad", -3, 3},
                        {"nn.tanh_grad", -1, 1},
                        {"nn.sigmoid_grad", 0, 1},
                        {"nn.hard_swish_grad", -5, 5}};
  for (const Case &c : cases)
    for (DType dtype : kFloats)
      for (const Shape &shape : kShapes) {
        SCOPED_TRACE(std::string(c.op) + " " + dtypeName(dtype) + " " +
                     formatShape(shape));
        Tensor dy = randomTensor({dtype, shape}, rng, -2, 2);
        Tensor v = randomTensor({dtype, shape}, rng, c.lo, c.hi);
        expectMatchesCpu(c.op, {}, {dy, v}, {dy.type()});
      }
}

TEST(ActivationGradKernels, GeluGradMatchesCpuInBothApproximations) {
  std::mt19937 rng(22);
  for (const char *approximate : {"none", "tanh"})
    for (DType dtype : kFloats)
      for (const Shape &shape : kShapes) {
        Tensor dy = randomTensor({dtype, shape}, rng, -2, 2);
        Tensor x = randomTensor({dtype, shape}, rng, -6, 6);
        expectMatchesCpu("nn.gelu_grad",
                         attrs({{"approximate", std::string(approximate)}}),
                         {dy, x}, {dy.type()});
      }
  Tensor dy = randomTensor({DType::F64, {40}}, rng, -1, 1);
  Tensor x = randomTensor({DType::F64, {40}}, rng, -3, 3);
  expectMatchesCpu("nn.gelu_grad", {}, {dy, x}, {dy.type()}); // "none"
  EXPECT_NE(devicePrepareError("nn.gelu_grad",
                               attrs({{"approximate", std::string("fast")}}),
                               {dy.type(), x.type()}, {dy.type()})
                .find("approximate must be"),
            std::string::npos);
}

TEST(ActivationGradKernels, GradientsAtTheirSwitchingPoints) {
  Values points = switchingPoints();
  for (DType dtype : kFloats) {
    TensorType t{dtype, {int64_t(points.size())}};
    Tensor x = tensorOf(t, points);
    Tensor dy = tensorOf(t, Values(points.size(), 1.5));
    for (const char *op :
         {"nn.relu_grad", "nn.hard_swish_grad", "nn.hard_sigmoid_grad",
          "nn.tanh_grad", "nn.sigmoid_grad", "nn.gelu_grad"})
      expectMatchesCpu(op, {}, {dy, x}, {t});
    expectMatchesCpu("nn.clip_grad", attrs({{"min", -1.0}, {"max", 3.0}}),
                     {dy, x}, {t});
    expectMatchesCpu("nn.gelu_grad",
                     attrs({{"approximate", std::string("tanh")}}), {dy, x},
                     {t});
  }
}

TEST(ActivationGradKernels, HardSigmoidGradMatchesCpuWithEveryAttribute) {
  std::mt19937 rng(23);
  for (DType dtype : kFloats)
    for (const Shape &shape : kShapes) {
      Tensor dy = randomTensor({dtype, shape}, rng, -2, 2);
      Tensor x = randomTensor({dtype, shape}, rng, -8, 8);
      expectMatchesCpu("nn.hard_sigmoid_grad", {}, {dy, x}, {dy.type()});
      expectMatchesCpu("nn.hard_sigmoid_grad",
                       attrs({{"alpha", 1.0 / 6}, {"beta", 0.5}}), {dy, x},
                       {dy.type()});
      expectMatchesCpu("nn.hard_sigmoid_grad", attrs({{"beta", 0.25}}), {dy, x},
                       {dy.type()});
    }
}

TEST(ActivationGradKernels, ClipGradMatchesCpuWithEitherBound) {
  std::mt19937 rng(24);
  for (DType dtype : kFloats)
    for (const Shape &shape : kShapes) {
      Tensor dy = randomTensor({dtype, shape}, rng, -2, 2);
      Tensor x = randomTensor({dtype, shape}, rng, -4, 4);
      for (const Attributes &a :
           {Attributes(), attrs({{"min", -1.0}}), attrs({{"max", 0.5}}),
            attrs({{"min", -1.0}, {"max", 0.5}})})
        expectMatchesCpu("nn.clip_grad", a, {dy, x}, {dy.type()});
    }
}

TEST(ActivationGradKernels, DropoutGradMatchesCpu) {
  std::mt19937 rng(25);
  for (DType dtype : kFloats)
    for (const Shape &shape : kShapes)
      for (double ratio : {0.0, 0.3, 1.0}) {
        Tensor dy = randomTensor({dtype, shape}, rng, -2, 2);
        Tensor mask = randomTensor({DType::Bool, shape}, rng, 0, 1);
        expectMatchesCpu("nn.dropout_grad", attrs({{"ratio", ratio}}),
                         {dy, mask}, {dy.type()});
      }
  EXPECT_NE(devicePrepareError("nn.dropout_grad", attrs({{"ratio", -0.5}}),
                               {{DType::F32, {3}}, {DType::Bool, {3}}},
                               {{DType::F32, {3}}})
                .find("not in [0, 1]"),
            std::string::npos);
}

TEST(ActivationGradKernels, ExtremumGradsBroadcastAndSplitTies) {
  std::mt19937 rng(26);
  struct Shapes {
    Shape a, b;
  };
  const Shapes shapes[] = {{{37, 9}, {37, 9}}, {{37, 9}, {9}},
                           {{}, {4, 35}},      {{2, 1, 33}, {3, 1}},
                           {{0, 3}, {3}},      {{5, 1}, {1, 70}}};
  for (const char *op : {"nn.max_grad", "nn.min_grad"})
    for (DType dtype : kFloats)
      for (const Shapes &s : shapes) {
        SCOPED_TRACE(std::string(op) + " " + dtypeName(dtype) + " " +
                     formatShape(s.a) + " " + formatShape(s.b));
        TensorType ta{dtype, s.a}, tb{dtype, s.b};
        // Whole numbers in [-2, 2]: many ties, which get half of dy.
        Tensor a = randomTensor({DType::I32, s.a}, rng, -2, 2);
        Tensor b = randomTensor({DType::I32, s.b}, rng, -2, 2);
        Tensor af = tensorOf(ta, valuesOf(a)), bf = tensorOf(tb, valuesOf(b));
        Shape out = broadcastOf(s.a, s.b);
        Tensor dy = randomTensor({dtype, out}, rng, -2, 2);
        expectMatchesCpu(op, {}, {dy, af, bf}, {dy.type()});
      }
  // NaN on either side: a's gradient is dy where a comparison is NaN.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TensorType t{DType::F64, {4}};
  Tensor a = tensorOf(t, {nan, 1, nan, 2}), b = tensorOf(t, {1, nan, nan, 2});
  Tensor dy = tensorOf(t, {1, 2, 3, 4});
  for (const char *op : {"nn.max_grad", "nn.min_grad"})
    expectMatchesCpu(op, {}, {dy, a, b}, {t});
  EXPECT_NE(devicePrepareError(
                "nn.max_grad", {},
                {{DType::F32, {3}}, {DType::F32, {4}}, {DType::F32, {3}}},
                {{DType::F32, {3}}})
                .find("do not broadcast"),
            std::string::npos);
}

TEST(ActivationGradKernels, OperandsMustShareOneFloatType) {
  EXPECT_NE(devicePrepareError("nn.relu_grad", {},
                               {{DType::I32, {3}}, {DType::I32, {3}}},
                               {{DType::I32, {3}}})
                .find("unsupported element type"),
            std::string::npos);
  EXPECT_NE(devicePrepareError("nn.tanh_grad", {},
                               {{DType::F32, {3}}, {DType::F64, {3}}},
                               {{DType::F32, {3}}}),
            "");
}

} // namespace
