//===- ConvKernelsTest.cpp - nn.conv and its gradients --------------------===//
//
// The forward convolution against its definition as a naive loop, and both
// gradients against central finite differences of the forward kernel.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

struct ConvCase {
  std::string name;
  Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group;
  bool bias;
};

std::vector<ConvCase> convCases() {
  return {
      {"1d groups stride dilation pads",
       {2, 4, 9},
       {6, 2, 3},
       {2},
       {1, 2},
       {2},
       2,
       true},
      {"1d pointwise", {1, 3, 7}, {2, 3, 1}, {1}, {0, 0}, {1}, 1, false},
      {"2d stride dilation asymmetric pads",
       {2, 3, 7, 6},
       {4, 3, 3, 2},
       {2, 1},
       {1, 0, 2, 1},
       {1, 2},
       1,
       true},
      {"2d depthwise",
       {1, 4, 5, 5},
       {4, 1, 3, 3},
       {1, 1},
       {1, 1, 1, 1},
       {1, 1},
       4,
       false},
      {"2d pointwise groups",
       {2, 4, 3, 3},
       {6, 2, 1, 1},
       {1, 1},
       {0, 0, 0, 0},
       {1, 1},
       2,
       true},
      {"2d strided 1x1",
       {1, 2, 5, 5},
       {3, 2, 1, 1},
       {2, 2},
       {0, 0, 0, 0},
       {1, 1},
       1,
       false},
      {"3d",
       {1, 2, 4, 4, 3},
       {2, 2, 2, 2, 2},
       {1, 2, 1},
       {0, 1, 0, 1, 0, 1},
       {1, 1, 2},
       1,
       true},
  };
}

Attributes convAttrs(const ConvCase &c) {
  return attrs({{"strides", c.strides},
                {"pads", c.pads},
                {"dilations", c.dilations},
                {"group", c.group}});
}

Shape convOutputShape(const ConvCase &c) {
  size_t rank = c.x.size() - 2;
  Shape y{c.x[0], c.w[0]};
  for (size_t d = 0; d < rank; ++d) {
    int64_t span = c.dilations[d] * (c.w[d + 2] - 1) + 1;
    y.push_back(
        (c.x[d + 2] + c.pads[d] + c.pads[d + rank] - span) / c.strides[d] + 1);
  }
  return y;
}

/// The convolution by its definition.
Values referenceConv(const ConvCase &c, const Values &x, const Values &w,
                     const Values *bias) {
  size_t rank = c.x.size() - 2;
  Shape y = convOutputShape(c), kernel(c.w.begin() + 2, c.w.end());
  int64_t cg = c.w[1], mg = c.w[0] / c.group;
  Values out;
  forEachIndex(y, [&](const std::vector<int64_t> &o) {
    int64_t n = o[0], m = o[1], g = m / mg;
    double sum = bias ? (*bias)[size_t(m)] : 0.0;
    for (int64_t ci = 0; ci < cg; ++ci)
      forEachIndex(kernel, [&](const std::vector<int64_t> &k) {
        std::vector<int64_t> xi{n, g * cg + ci}, wi{m, ci};
        for (size_t d = 0; d < rank; ++d) {
          int64_t i =
              o[d + 2] * c.strides[d] - c.pads[d] + k[d] * c.dilations[d];
          if (i < 0 || i >= c.x[d + 2])
            return;
          xi.push_back(i);
          wi.push_back(k[d]);
        }
        sum += x[size_t(flatIndex(c.x, xi))] * w[size_t(flatIndex(c.w, wi))];
      });
    out.push_back(sum);
  });
  return out;
}

TEST(ConvKernel, MatchesDefinition) {
  std::mt19937 rng(3);
  for (DType dtype : {DType::F32, DType::F64})
    for (const ConvCase &c : convCases()) {
      std::string what = c.name + " " + dtypeName(dtype);
      SCOPED_TRACE(what);
      std::vector<Tensor> inputs = {randomTensor({dtype, c.x}, rng),
                                    randomTensor({dtype, c.w}, rng)};
      Values bias;
      if (c.bias) {
        inputs.push_back(randomTensor({dtype, {c.w[0]}}, rng));
        bias = valuesOf(inputs[2]);
      }
      auto y =
          run("nn.conv", convAttrs(c), inputs, {{dtype, convOutputShape(c)}});
      ASSERT_EQ(y.size(), 1u);
      Values expected =
          referenceConv(c, valuesOf(inputs[0]), valuesOf(inputs[1]),
                        c.bias ? &bias : nullptr);
      double tol = dtype == DType::F32 ? 1e-5 : 1e-12;
      expectClose(y[0], expected, tol, tol, what);
    }
}

TEST(ConvKernel, RunsTwiceWithTheSameScratch) {
  ConvCase c = convCases()[2];
  std::mt19937 rng(4);
  Tensor x1 = randomTensor({DType::F32, c.x}, rng);
  Tensor x2 = randomTensor({DType::F32, c.x}, rng);
  Tensor w = randomTensor({DType::F32, c.w}, rng);
  Tensor b = randomTensor({DType::F32, {c.w[0]}}, rng);
  KernelFn fn;
  TensorType yt{DType::F32, convOutputShape(c)};
  ASSERT_FALSE(prepare("nn.conv", convAttrs(c), {x1.type(), w.type(), b.type()},
                       {yt}, fn));
  Values bias = valuesOf(b);
  KernelContext ctx(defaultBufferPool());
  for (const Tensor &x : {x1, x2}) {
    // The column scratch is the context's slot 0: garbage left in it (here
    // NaNs, before the first run a buffer too small) must not matter.
    std::memset(ctx.scratch(0, 64), 0xFF, 64);
    Tensor y = Tensor::zeros(yt);
    const Tensor *in[] = {&x, &w, &b};
    Tensor *out[] = {&y};
    fn(ctx, in, out);
    expectClose(y, referenceConv(c, valuesOf(x), valuesOf(w), &bias), 1e-5,
                1e-5, "second run");
  }
}

TEST(ConvGradKernels, MatchFiniteDifferences) {
  std::mt19937 rng(5);
  const DType f64 = DType::F64;
  for (const ConvCase &c : convCases()) {
    SCOPED_TRACE(c.name);
    Attributes at = convAttrs(c);
    Tensor x = randomTensor({f64, c.x}, rng);
    Tensor w = randomTensor({f64, c.w}, rng);
    TensorType yt{f64, convOutputShape(c)};
    Tensor dy = randomTensor(yt, rng);

    auto conv = [&](const Tensor &input, const Tensor &weight) {
      auto y = run("nn.conv", at, {input, weight}, {yt});
      return y.empty() ? Values() : valuesOf(y[0]);
    };
    Values dxExpected = numericGradient(
        [&](const Tensor &p) { return conv(p, w); }, x, valuesOf(dy));
    auto dx = run("nn.conv_grad_input", at, {dy, w}, {x.type()});
    ASSERT_EQ(dx.size(), 1u);
    expectClose(dx[0], dxExpected, 1e-7, 1e-8, "conv_grad_input");

    Values dwExpected = numericGradient(
        [&](const Tensor &p) { return conv(x, p); }, w, valuesOf(dy));
    auto dw = run("nn.conv_grad_weight", at, {dy, x}, {w.type()});
    ASSERT_EQ(dw.size(), 1u);
    expectClose(dw[0], dwExpected, 1e-7, 1e-8, "conv_grad_weight");
  }
}

TEST(ConvGradKernels, Float32MatchesFloat64) {
  ConvCase c = convCases()[0];
  std::mt19937 rng(6);
  Tensor x = randomTensor({DType::F64, c.x}, rng);
  Tensor w = randomTensor({DType::F64, c.w}, rng);
  Tensor dy = randomTensor({DType::F64, convOutputShape(c)}, rng);
  auto as32 = [](const Tensor &t) {
    return tensorOf({DType::F32, t.shape()}, valuesOf(t));
  };
  for (const char *op : {"nn.conv_grad_input", "nn.conv_grad_weight"}) {
    SCOPED_TRACE(op);
    bool input = std::string(op) == "nn.conv_grad_input";
    const Tensor &other = input ? w : x;
    Shape shape = input ? c.x : c.w;
    auto r64 = run(op, convAttrs(c), {dy, other}, {{DType::F64, shape}});
    auto r32 =
        run(op, convAttrs(c), {as32(dy), as32(other)}, {{DType::F32, shape}});
    ASSERT_EQ(r64.size(), 1u);
    ASSERT_EQ(r32.size(), 1u);
    expectClose(r32[0], valuesOf(r64[0]), 1e-5, 1e-5, op);
  }
}

TEST(ConvKernel, RejectsBadGeometry) {
  KernelFn fn;
  ConvCase c = convCases()[0];
  Attributes at = convAttrs(c);
  at.set("group", int64_t(3));
  Status s = prepare("nn.conv", at, {{DType::F32, c.x}, {DType::F32, c.w}},
                     {{DType::F32, convOutputShape(c)}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("do not match weight"), std::string::npos)
      << s.message();

  at = convAttrs(c);
  at.set("pads", std::vector<int64_t>{1});
  s = prepare("nn.conv", at, {{DType::F32, c.x}, {DType::F32, c.w}},
              {{DType::F32, convOutputShape(c)}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("2 pads"), std::string::npos) << s.message();

  s = prepare("nn.conv_grad_input", convAttrs(c),
              {{DType::F32, {2, 6, 3}}, {DType::F32, c.w}}, {{DType::F32, c.x}},
              fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("the convolution's output has shape 2x6x3"),
            std::string::npos)
      << s.message();
}

} // namespace
