//===- SoftmaxKernelsTest.cpp - CUDA Softmax kernels against the CPU's ----===//
//
// softmax, log_softmax and their gradients on the device target against the
// CPU backend: both float types, the last axis (rows shorter and longer
// than a warp, not multiples of 32) and the other axes (the line walk),
// size-1 and empty axes.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

struct AxisCase {
  Shape shape;
  int64_t axis;
};

const AxisCase kCases[] = {
    {{3, 5}, 1},    {{4, 100}, 1},  {{2, 3, 77}, 2}, {{7, 1}, 1},
    {{1, 33}, 0},   {{5, 6, 7}, 1}, {{5, 6, 7}, 0},  {{2, 40, 3}, 1},
    {{3, 0, 4}, 1}, {{0, 5}, 1},    {{9}, 0},        {{2, 1, 3}, 1},
};

TEST(SoftmaxKernels, ForwardMatchesCpu) {
  std::mt19937 rng(1);
  for (const char *op : {"nn.softmax", "nn.log_softmax"})
    for (DType dtype : {DType::F32, DType::F64})
      for (const AxisCase &c : kCases) {
        TensorType t{dtype, c.shape};
        SCOPED_TRACE(std::string(op) + " " + t.str() + " axis " +
                     std::to_string(c.axis));
        expectMatchesCpu(op, attrs({{"axis", c.axis}}),
                         {randomTensor(t, rng, -8, 8)}, {t});
      }
}

TEST(SoftmaxKernels, GradientsMatchCpu) {
  std::mt19937 rng(2);
  for (const char *op : {"nn.softmax_grad", "nn.log_softmax_grad"})
    for (DType dtype : {DType::F32, DType::F64})
      for (const AxisCase &c : kCases) {
        TensorType t{dtype, c.shape};
        SCOPED_TRACE(std::string(op) + " " + t.str() + " axis " +
                     std::to_string(c.axis));
        // y as the forward op makes it: probabilities, or log-probabilities.
        bool log = std::string(op) == "nn.log_softmax_grad";
        Tensor y =
            log ? randomTensor(t, rng, -6, 0) : randomTensor(t, rng, 0, 1);
        expectMatchesCpu(op, attrs({{"axis", c.axis}}),
                         {randomTensor(t, rng, -1, 1), y}, {t});
      }
}

TEST(SoftmaxKernels, LargeLogitsStayFinite) {
  TensorType t{DType::F32, {2, 3}};
  for (const char *op : {"nn.softmax", "nn.log_softmax"})
    expectMatchesCpu(op, attrs({{"axis", int64_t(1)}}),
                     {tensorOf(t, {1000, 1001, 999, -1000, 0, 1000})}, {t});
}

TEST(SoftmaxKernels, RejectsOtherFloatTypes) {
  TensorType t{DType::F16, {2, 3}};
  EXPECT_NE(
      devicePrepareError("nn.softmax", attrs({{"axis", int64_t(1)}}), {t}, {t})
          .find("the CUDA backend supports f32 and f64, got f16"),
      std::string::npos);
  TensorType f{DType::F32, {2, 3}};
  EXPECT_NE(
      devicePrepareError("nn.softmax", attrs({{"axis", int64_t(2)}}), {f}, {f})
          .find("out of range"),
      std::string::npos);
}

} // namespace
