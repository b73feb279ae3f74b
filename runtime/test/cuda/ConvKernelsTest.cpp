//===- ConvKernelsTest.cpp - CUDA convolution kernels against the CPU's ===//
//
// nn.conv, nn.conv_grad_input and nn.conv_grad_weight over 1-, 2- and 3-d
// windows with strides, asymmetric pads, dilations, groups, a pointwise
// kernel, with and without bias. Float32 results are sums of up to a few
// hundred products in another order than the CPU's (im2col chunks, cuBLAS):
// atol 1e-5.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

struct ConvCase {
  Shape x, w;
  std::vector<int64_t> strides, pads, dilations;
  int64_t group;
};

Shape outputShape(const ConvCase &c) {
  Shape y{c.x[0], c.w[0]};
  size_t rank = c.x.size() - 2;
  for (size_t d = 0; d < rank; ++d) {
    int64_t span = c.dilations[d] * (c.w[d + 2] - 1) + 1;
    int64_t numer = c.x[d + 2] + c.pads[d] + c.pads[d + rank] - span;
    y.push_back(numer < 0 ? 0 : numer / c.strides[d] + 1);
  }
  return y;
}

Attributes convAttrs(const ConvCase &c) {
  return attrs({{"strides", c.strides},
                {"pads", c.pads},
                {"dilations", c.dilations},
                {"group", c.group}});
}

std::vector<ConvCase> cases() {
  return {
      // 1-d, strided, asymmetric pads.
      {{2, 4, 37}, {6, 4, 3}, {2}, {1, 2}, {1}, 1},
      // 1-d, dilated, groups.
      {{3, 6, 40}, {9, 2, 4}, {1}, {0, 0}, {3}, 3},
      // 2-d with everything.
      {{2, 6, 7, 9}, {4, 3, 3, 2}, {2, 1}, {1, 0, 1, 1}, {1, 2}, 2},
      // 2-d, kernel larger than the padded input along one axis.
      {{1, 2, 3, 8}, {3, 2, 3, 3}, {1, 3}, {2, 1, 2, 0}, {2, 1}, 1},
      // 3-d.
      {{1, 2, 4, 5, 6},
       {3, 2, 2, 3, 2},
       {1, 2, 1},
       {0, 1, 1, 1, 0, 0},
       {1, 1, 2},
       1},
      // Pointwise: the image is its own column matrix.
      {{3, 8, 5, 5}, {16, 8, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1},
      {{2, 8, 33}, {4, 2, 1}, {1}, {0, 0}, {1}, 4},
      // Depthwise.
      {{2, 5, 6, 6}, {5, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 5},
  };
}

const DType kFloatTypes[] = {DType::F32, DType::F64};

double atolFor(DType dt) { return dt == DType::F32 ? 1e-5 : 1e-12; }

TEST(ConvKernels, Forward) {
  std::mt19937 rng(1);
  for (DType dt : kFloatTypes)
    for (const ConvCase &c : cases()) {
      SCOPED_TRACE(formatShape(c.x) + " * " + formatShape(c.w));
      Shape y = outputShape(c);
      Tensor x = randomTensor({dt, c.x}, rng), w = randomTensor({dt, c.w}, rng);
      expectMatchesCpu("nn.conv", convAttrs(c), {x, w}, {{dt, y}}, 1e-5,
                       atolFor(dt));
      expectMatchesCpu("nn.conv", convAttrs(c),
                       {x, w, randomTensor({dt, {c.w[0]}}, rng)}, {{dt, y}},
                       1e-5, atolFor(dt));
    }
}

TEST(ConvKernels, GradInput) {
  std::mt19937 rng(2);
  for (DType dt : kFloatTypes)
    for (const ConvCase &c : cases()) {
      SCOPED_TRACE(formatShape(c.x) + " * " + formatShape(c.w));
      Shape y = outputShape(c);
      expectMatchesCpu(
          "nn.conv_grad_input", convAttrs(c),
          {randomTensor({dt, y}, rng), randomTensor({dt, c.w}, rng)},
          {{dt, c.x}}, 1e-5, atolFor(dt));
    }
}

TEST(ConvKernels, GradWeight) {
  std::mt19937 rng(3);
  for (DType dt : kFloatTypes)
    for (const ConvCase &c : cases()) {
      SCOPED_TRACE(formatShape(c.x) + " * " + formatShape(c.w));
      Shape y = outputShape(c);
      expectMatchesCpu(
          "nn.conv_grad_weight", convAttrs(c),
          {randomTensor({dt, y}, rng), randomTensor({dt, c.x}, rng)},
          {{dt, c.w}}, 1e-5, atolFor(dt));
    }
}

TEST(ConvKernels, EmptyBatch) {
  std::mt19937 rng(4);
  ConvCase c{{0, 4, 9}, {6, 4, 3}, {1}, {1, 1}, {1}, 1};
  Shape y = outputShape(c);
  DType dt = DType::F64;
  expectMatchesCpu("nn.conv", convAttrs(c),
                   {randomTensor({dt, c.x}, rng), randomTensor({dt, c.w}, rng)},
                   {{dt, y}});
  expectMatchesCpu("nn.conv_grad_input", convAttrs(c),
                   {randomTensor({dt, y}, rng), randomTensor({dt, c.w}, rng)},
                   {{dt, c.x}});
  expectMatchesCpu("nn.conv_grad_weight", convAttrs(c),
                   {randomTensor({dt, y}, rng), randomTensor({dt, c.x}, rng)},
                   {{dt, c.w}});
}

TEST(ConvKernels, Errors) {
  ConvCase c{{2, 4, 9}, {6, 3, 3}, {1}, {0, 0}, {1}, 1};
  EXPECT_NE(devicePrepareError("nn.conv", convAttrs(c),
                               {{DType::F32, c.x}, {DType::F32, c.w}},
                               {{DType::F32, {2, 6, 7}}})
                .find("do not match weight"),
            std::string::npos);
  EXPECT_NE(devicePrepareError("nn.conv", convAttrs(c),
                               {{DType::F16, c.x}, {DType::F16, c.w}},
                               {{DType::F16, {2, 6, 7}}})
                .find("the CUDA backend supports f32 and f64, got f16"),
            std::string::npos);
}

} // namespace
