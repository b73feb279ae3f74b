//===- PoolKernelsTest.cpp - Pooling kernels and their gradients ----------===//
//
// Max and average pooling against naive loops over their definitions (and
// a few results PyTorch computed), the gradients against central finite
// differences of the forward kernels.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

struct PoolCase {
  std::string name;
  Shape x;
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceil, includePad;
};

std::vector<PoolCase> poolCases() {
  return {
      {"1d default", {2, 3, 8}, {3}, {1}, {0, 0}, {1}, false, false},
      {"1d ceil stride pads", {1, 2, 9}, {3}, {2}, {1, 1}, {1}, true, false},
      {"2d asymmetric pads count pad",
       {2, 2, 6, 5},
       {3, 2},
       {2, 1},
       {1, 0, 1, 1},
       {1, 1},
       false,
       true},
      {"2d ceil pads count pad",
       {1, 1, 5, 5},
       {3, 3},
       {2, 2},
       {1, 1, 1, 1},
       {1, 1},
       true,
       true},
      {"2d ceil past the input",
       {1, 2, 6, 6},
       {3, 3},
       {2, 2},
       {0, 0, 0, 0},
       {1, 1},
       true,
       true},
      {"2d dilations",
       {1, 2, 7, 7},
       {2, 2},
       {1, 1},
       {0, 1, 0, 1},
       {2, 3},
       false,
       false},
      {"3d ceil",
       {1, 1, 4, 5, 3},
       {2, 2, 2},
       {2, 2, 1},
       {0, 0, 0, 0, 0, 0},
       {1, 1, 1},
       true,
       false},
  };
}

Attributes poolAttrs(const PoolCase &c, bool average) {
  Attributes a = attrs({{"kernel_shape", c.kernel},
                        {"strides", c.strides},
                        {"pads", c.pads},
                        {"dilations", c.dilations},
                        {"ceil_mode", int64_t(c.ceil)}});
  if (average)
    a.set("count_include_pad", int64_t(c.includePad));
  return a;
}

/// ONNX's output size, with ceil mode's rule that the last window starts
/// inside the input or its begin pad.
Shape pooledShape(const PoolCase &c) {
  size_t rank = c.kernel.size();
  Shape y{c.x[0], c.x[1]};
  for (size_t d = 0; d < rank; ++d) {
    int64_t in = c.x[d + 2], span = c.dilations[d] * (c.kernel[d] - 1) + 1;
    int64_t numer = in + c.pads[d] + c.pads[d + rank] - span;
    int64_t out = (c.ceil ? (numer + c.strides[d] - 1) / c.strides[d]
                          : numer / c.strides[d]) +
                  1;
    if (c.ceil && (out - 1) * c.strides[d] >= in + c.pads[d])
      --out;
    y.push_back(out);
  }
  return y;
}

/// Max or average pooling by the definition.
Values referencePool(const PoolCase &c, const Values &x, bool average) {
  size_t rank = c.kernel.size();
  Values out;
  forEachIndex(pooledShape(c), [&](const std::vector<int64_t> &o) {
    double best = -std::numeric_limits<double>::infinity(), sum = 0;
    int64_t inside = 0, padded = 0;
    forEachIndex(Shape(c.kernel), [&](const std::vector<int64_t> &k) {
      std::vector<int64_t> xi{o[0], o[1]};
      bool valid = true, inPadded = true;
      for (size_t d = 0; d < rank; ++d) {
        int64_t i = o[d + 2] * c.strides[d] - c.pads[d] + k[d] * c.dilations[d];
        valid &= i >= 0 && i < c.x[d + 2];
        inPadded &= i >= -c.pads[d] && i < c.x[d + 2] + c.pads[d + rank];
        xi.push_back(i);
      }
      padded += inPadded;
      if (!valid)
        return;
      double v = x[size_t(flatIndex(c.x, xi))];
      best = std::max(best, v);
      sum += v;
      ++inside;
    });
    out.push_back(average ? sum / double(c.includePad ? padded : inside)
                          : best);
  });
  return out;
}

TEST(PoolKernels, MatchDefinition) {
  std::mt19937 rng(7);
  for (DType dtype : {DType::F32, DType::F64})
    for (const PoolCase &c : poolCases())
      for (bool average : {false, true}) {
        std::string what =
            c.name + (average ? " average " : " max ") + dtypeName(dtype);
        SCOPED_TRACE(what);
        Tensor x = randomTensor({dtype, c.x}, rng);
        auto y = run(average ? "nn.average_pool" : "nn.max_pool",
                     poolAttrs(c, average), {x}, {{dtype, pooledShape(c)}});
        ASSERT_EQ(y.size(), 1u);
        double tol = dtype == DType::F32 ? 1e-6 : 1e-13;
        expectClose(y[0], referencePool(c, valuesOf(x), average), tol, tol,
                    what);
      }
}

TEST(PoolKernels, AveragePoolMatchesPyTorch) {
  // torch.nn.functional.avg_pool2d(arange(25).reshape(1, 1, 5, 5), 3, 2, 1,
  // ceil_mode=True, count_include_pad=...).
  PoolCase c{"",           {1, 1, 5, 5}, {3, 3}, {2, 2},
             {1, 1, 1, 1}, {1, 1},       true,   true};
  Values arange(25);
  for (size_t i = 0; i < arange.size(); ++i)
    arange[i] = double(i);
  Tensor x = tensorOf({DType::F32, c.x}, arange);
  auto y = run("nn.average_pool", poolAttrs(c, true), {x},
               {{DType::F32, {1, 1, 3, 3}}});
  ASSERT_EQ(y.size(), 1u);
  expectClose(y[0],
              {1.3333333730697632, 3.0, 2.6666667461395264, 7.0, 12.0, 9.0, 8.0,
               13.0, 9.333333015441895},
              1e-6, 0, "count_include_pad");
  c.includePad = false;
  y = run("nn.average_pool", poolAttrs(c, true), {x},
          {{DType::F32, {1, 1, 3, 3}}});
  ASSERT_EQ(y.size(), 1u);
  expectClose(y[0], {3.0, 4.5, 6.0, 10.5, 12.0, 13.5, 18.0, 19.5, 21.0}, 1e-6,
              0, "without pads");

  // A 6x6 input, pads 1: the last window's third column lies beyond the
  // end pad and is not counted.
  c = {"", {1, 1, 6, 6}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, true, true};
  Values arange36(36);
  for (size_t i = 0; i < arange36.size(); ++i)
    arange36[i] = double(i);
  y = run("nn.average_pool", poolAttrs(c, true),
          {tensorOf({DType::F32, c.x}, arange36)},
          {{DType::F32, {1, 1, 4, 4}}});
  ASSERT_EQ(y.size(), 1u);
  expectClose(y[0],
              {1.5555555820465088, 3.3333332538604736, 4.666666507720947,
               2.6666667461395264, 8.333333015441895, 14.0, 16.0, 8.5,
               16.33333396911621, 26.0, 28.0, 14.5, 10.166666984558105, 16.0,
               17.0, 8.75},
              1e-6, 0, "ceil past the end pad");
}

TEST(PoolGradKernels, MatchFiniteDifferences) {
  std::mt19937 rng(8);
  const DType f64 = DType::F64;
  for (const PoolCase &c : poolCases())
    for (bool average : {false, true}) {
      std::string what = c.name + (average ? " average" : " max");
      SCOPED_TRACE(what);
      Attributes at = poolAttrs(c, average);
      const char *forward = average ? "nn.average_pool" : "nn.max_pool";
      Tensor x = randomTensor({f64, c.x}, rng);
      TensorType yt{f64, pooledShape(c)};
      Tensor dy = randomTensor(yt, rng);
      Values expected = numericGradient(
          [&](const Tensor &p) {
            auto y = run(forward, at, {p}, {yt});
            return y.empty() ? Values() : valuesOf(y[0]);
          },
          x, valuesOf(dy));
      auto dx = average ? run("nn.average_pool_grad", at, {dy}, {x.type()})
                        : run("nn.max_pool_grad", at, {dy, x}, {x.type()});
      ASSERT_EQ(dx.size(), 1u);
      expectClose(dx[0], expected, 1e-7, 1e-8, what);
    }
}

TEST(PoolGradKernels, MaxPoolGradGoesToTheFirstMaximum) {
  // Two equal maxima in the one window: PyTorch routes the gradient to the
  // first in row-major order.
  PoolCase c{"",           {1, 1, 2, 2}, {2, 2}, {1, 1},
             {0, 0, 0, 0}, {1, 1},       false,  false};
  Tensor x = tensorOf({DType::F32, c.x}, {0.5, 2.0, 2.0, 1.0});
  Tensor dy = tensorOf({DType::F32, {1, 1, 1, 1}}, {3.0});
  auto dx = run("nn.max_pool_grad", poolAttrs(c, false), {dy, x}, {x.type()});
  ASSERT_EQ(dx.size(), 1u);
  expectClose(dx[0], {0.0, 3.0, 0.0, 0.0}, 0, 0, "first maximum");
}

TEST(PoolKernels, GlobalAveragePool) {
  std::mt19937 rng(9);
  for (DType dtype : {DType::F32, DType::F64}) {
    Shape xs{2, 3, 4, 5};
    Tensor x = randomTensor({dtype, xs}, rng);
    auto y = run("nn.global_average_pool", {}, {x}, {{dtype, {2, 3, 1, 1}}});
    ASSERT_EQ(y.size(), 1u);
    Values xv = valuesOf(x), expected(6, 0.0);
    for (size_t i = 0; i < xv.size(); ++i)
      expected[i / 20] += xv[i] / 20;
    double tol = dtype == DType::F32 ? 1e-6 : 1e-13;
    expectClose(y[0], expected, tol, tol, dtypeName(dtype));
  }
}

TEST(PoolKernels, RejectBadAttributes) {
  PoolCase c = poolCases()[2];
  KernelFn fn;
  Attributes at = poolAttrs(c, false);
  at.set("strides", std::vector<int64_t>{0, 1});
  Status s = prepare("nn.max_pool", at, {{DType::F32, c.x}},
                     {{DType::F32, pooledShape(c)}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("must be >= 1"), std::string::npos) << s.message();

  s = prepare("nn.average_pool", poolAttrs(c, false), {{DType::F32, c.x}},
              {{DType::F32, pooledShape(c)}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("'count_include_pad' is missing"),
            std::string::npos)
      << s.message();

  s = prepare("nn.max_pool", poolAttrs(c, false), {{DType::F32, c.x}},
              {{DType::F32, {2, 2, 1, 1}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("the pooled tensor has shape 2x2x1x1"),
            std::string::npos)
      << s.message();
}

} // namespace
