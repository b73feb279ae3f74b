//===- PoolKernelsTest.cpp - CUDA pooling kernels against the CPU's ----===//
//
// Max and average pooling and their gradients over 1-, 2- and 3-d windows
// with strides, asymmetric pads, dilations, ceil mode and
// count_include_pad, and global average pooling. The gradients sum their
// windows in the CPU's order and are expected exact up to rtol 1e-5.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

struct PoolCase {
  Shape x, kernel;
  std::vector<int64_t> strides, pads, dilations;
  int64_t ceilMode;
};

int64_t windowOutput(int64_t in, int64_t kernel, int64_t stride,
                     int64_t padBegin, int64_t padEnd, int64_t dilation,
                     bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t numer = in + padBegin + padEnd - span;
  if (numer < 0)
    return 0;
  int64_t out = (ceilMode ? (numer + stride - 1) / stride : numer / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

Shape pooledShape(const PoolCase &c) {
  Shape y{c.x[0], c.x[1]};
  size_t rank = c.x.size() - 2;
  for (size_t d = 0; d < rank; ++d)
    y.push_back(windowOutput(c.x[d + 2], c.kernel[d], c.strides[d], c.pads[d],
                             c.pads[d + rank], c.dilations[d], c.ceilMode));
  return y;
}

Attributes poolAttrs(const PoolCase &c, std::optional<int64_t> includePad) {
  Attributes a = attrs({{"kernel_shape", c.kernel},
                        {"strides", c.strides},
                        {"pads", c.pads},
                        {"dilations", c.dilations},
                        {"ceil_mode", c.ceilMode}});
  if (includePad)
    a.set("count_include_pad", *includePad);
  return a;
}

std::vector<PoolCase> cases() {
  return {
      {{2, 3, 37}, {3}, {2}, {1, 1}, {1}, 0},
      {{2, 3, 37}, {4}, {3}, {2, 1}, {1}, 1},
      {{1, 2, 40}, {3}, {1}, {0, 0}, {2}, 0},
      {{2, 3, 7, 9}, {3, 2}, {2, 1}, {1, 0, 1, 1}, {1, 2}, 0},
      {{2, 2, 8, 8}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 0},
      {{1, 3, 7, 7}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 1},
      {{1, 2, 4, 5, 6}, {2, 3, 2}, {1, 2, 2}, {0, 1, 1, 1, 0, 1}, {1, 1, 2}, 1},
      // A window wider than the input: some windows hold padding alone.
      {{1, 2, 3}, {2}, {3}, {2, 2}, {1}, 0},
  };
}

const DType kFloatTypes[] = {DType::F32, DType::F64};

TEST(PoolKernels, MaxPool) {
  std::mt19937 rng(1);
  for (DType dt : kFloatTypes)
    for (const PoolCase &c : cases()) {
      SCOPED_TRACE(formatShape(c.x) + " / " + formatShape(c.kernel));
      Shape y = pooledShape(c);
      Tensor x = randomTensor({dt, c.x}, rng);
      expectMatchesCpu("nn.max_pool", poolAttrs(c, std::nullopt), {x},
                       {{dt, y}});
      expectMatchesCpu("nn.max_pool_grad", poolAttrs(c, std::nullopt),
                       {randomTensor({dt, y}, rng), x}, {{dt, c.x}});
    }
}

TEST(PoolKernels, MaxPoolNaNAndTies) {
  // A NaN wins its windows; ties send the gradient to the first maximum.
  DType dt = DType::F32;
  PoolCase c{{1, 1, 6}, {3}, {1}, {1, 1}, {1}, 0};
  Tensor x = tensorOf({dt, c.x}, {1, 2, 2, std::nan(""), 0, 0});
  Shape y = pooledShape(c);
  std::mt19937 rng(5);
  expectMatchesCpu("nn.max_pool", poolAttrs(c, std::nullopt), {x}, {{dt, y}});
  expectMatchesCpu("nn.max_pool_grad", poolAttrs(c, std::nullopt),
                   {randomTensor({dt, y}, rng), x}, {{dt, c.x}});
}

TEST(PoolKernels, AveragePool) {
  std::mt19937 rng(2);
  for (DType dt : kFloatTypes)
    for (int64_t includePad : {0, 1})
      for (const PoolCase &c : cases()) {
        SCOPED_TRACE(formatShape(c.x) + " / " + formatShape(c.kernel));
        Shape y = pooledShape(c);
        expectMatchesCpu("nn.average_pool", poolAttrs(c, includePad),
                         {randomTensor({dt, c.x}, rng)}, {{dt, y}});
        expectMatchesCpu("nn.average_pool_grad", poolAttrs(c, includePad),
                         {randomTensor({dt, y}, rng)}, {{dt, c.x}});
      }
}

TEST(PoolKernels, GlobalAveragePool) {
  std::mt19937 rng(3);
  for (DType dt : kFloatTypes)
    for (Shape x : {Shape{2, 3, 37}, Shape{2, 5, 7, 9}, Shape{1, 1, 1, 1},
                    Shape{3, 2, 2, 3, 20}, Shape{0, 3, 4}}) {
      Shape y(x.size(), 1);
      y[0] = x[0];
      y[1] = x[1];
      expectMatchesCpu("nn.global_average_pool", attrs({}),
                       {randomTensor({dt, x}, rng)}, {{dt, y}});
    }
}

TEST(PoolKernels, Errors) {
  PoolCase c{{2, 3, 37}, {3}, {2}, {1, 1}, {1}, 0};
  EXPECT_NE(devicePrepareError("nn.max_pool", poolAttrs(c, std::nullopt),
                               {{DType::F16, c.x}},
                               {{DType::F16, pooledShape(c)}})
                .find("the CUDA backend supports f32 and f64, got f16"),
            std::string::npos);
  EXPECT_NE(devicePrepareError("nn.max_pool", poolAttrs(c, std::nullopt),
                               {{DType::F32, c.x}}, {{DType::F32, {2, 3, 5}}})
                .find("the pooled tensor has shape"),
            std::string::npos);
}

} // namespace
