//===- OptimizerKernelsTest.cpp - CUDA optimizer kernels against the CPU's ===//
//
// pp.accumulate, pp.sgd_update and pp.adamw_update share their element
// formulas with the CPU (kernels/OptimizerMath.h), so the device results
// are expected bit for bit (rtol and atol 0), on every step case.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

/// Sets the training step of both backends' contexts for one test.
class StepScope {
public:
  explicit StepScope(int64_t step)
      : cpu_(cputest::harnessContext().step), device_(deviceContext().step) {
    cputest::harnessContext().step = step;
    deviceContext().step = step;
  }
  ~StepScope() {
    cputest::harnessContext().step = cpu_;
    deviceContext().step = device_;
  }

private:
  int64_t cpu_, device_;
};

const DType kFloatTypes[] = {DType::F32, DType::F64};

TEST(OptimizerKernels, Accumulate) {
  std::mt19937 rng(1);
  for (DType dt : kFloatTypes)
    for (Shape shape : {Shape{0}, Shape{1}, Shape{37}, Shape{3, 129}}) {
      TensorType t{dt, shape};
      expectInPlaceMatchesCpu("pp.accumulate", attrs({}),
                              {randomTensor(t, rng)}, {randomTensor(t, rng)}, 0,
                              0);
    }
}

TEST(OptimizerKernels, SgdEveryCase) {
  std::mt19937 rng(2);
  for (DType dt : kFloatTypes)
    for (double momentum : {0.0, 0.9})
      for (double wd : {0.0, 0.01})
        for (int64_t step : {1, 2, 7}) {
          StepScope scope(step);
          TensorType t{dt, {5, 67}};
          std::vector<Tensor> state{randomTensor(t, rng)};
          if (momentum != 0)
            state.push_back(randomTensor(t, rng));
          expectInPlaceMatchesCpu(
              "pp.sgd_update",
              attrs(
                  {{"lr", 0.1}, {"momentum", momentum}, {"weight_decay", wd}}),
              {randomTensor(t, rng)}, state, 0, 0);
        }
}

TEST(OptimizerKernels, AdamW) {
  std::mt19937 rng(3);
  for (DType dt : kFloatTypes)
    for (double wd : {0.0, 0.01})
      for (int64_t step : {1, 3, 1000}) {
        StepScope scope(step);
        TensorType t{dt, {301}};
        expectInPlaceMatchesCpu("pp.adamw_update",
                                attrs({{"lr", 1e-3},
                                       {"beta1", 0.9},
                                       {"beta2", 0.999},
                                       {"eps", 1e-8},
                                       {"weight_decay", wd}}),
                                {randomTensor(t, rng)},
                                {randomTensor(t, rng), randomTensor(t, rng),
                                 randomTensor(t, rng, 0, 1)},
                                0, 0);
      }
}

// One kernel updates all of a stage's parameters: more than a launch's
// table holds (24), of sizes that include 0 and 1, so that the search for
// each element's tensor and the split into launches are exercised.
TEST(OptimizerKernels, FusedOverManyParameters) {
  std::mt19937 rng(4);
  std::vector<Shape> shapes;
  for (int k = 0; k < 53; ++k)
    shapes.push_back(k % 7 == 0   ? Shape{0}
                     : k % 5 == 0 ? Shape{1}
                                  : Shape{int64_t(1 + k * 13 % 97), 3});
  for (DType dt : kFloatTypes) {
    StepScope scope(2);
    std::vector<Tensor> grads, sgd, adamw;
    for (const Shape &shape : shapes) {
      TensorType t{dt, shape};
      grads.push_back(randomTensor(t, rng));
      sgd.push_back(randomTensor(t, rng));
      sgd.push_back(randomTensor(t, rng));
      adamw.push_back(randomTensor(t, rng));
      adamw.push_back(randomTensor(t, rng));
      adamw.push_back(randomTensor(t, rng, 0, 1));
    }
    expectInPlaceMatchesCpu(
        "pp.sgd_update",
        attrs({{"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 0.01}}), grads,
        sgd, 0, 0);
    expectInPlaceMatchesCpu("pp.adamw_update",
                            attrs({{"lr", 1e-3},
                                   {"beta1", 0.9},
                                   {"beta2", 0.999},
                                   {"eps", 1e-8},
                                   {"weight_decay", 0.01}}),
                            grads, adamw, 0, 0);
  }
}

TEST(OptimizerKernels, Errors) {
  TensorType f16{DType::F16, {4}};
  EXPECT_NE(devicePrepareError("pp.accumulate", attrs({}), {f16}, {f16})
                .find("expected f32 or f64"),
            std::string::npos);
  TensorType f32{DType::F32, {4}};
  EXPECT_NE(devicePrepareError(
                "pp.sgd_update",
                attrs({{"lr", 0.1}, {"momentum", 0.9}, {"weight_decay", 0.0}}),
                {f32}, {f32})
                .find("expected one or more gradients and 2 result(s) per "
                      "gradient (the parameter and its state), got 1 and 1"),
            std::string::npos);
}

} // namespace
