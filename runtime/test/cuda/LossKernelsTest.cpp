//===- LossKernelsTest.cpp - CUDA Loss kernels against the CPU's ----------===//
//
// softmax_cross_entropy and its gradient on the device target against the
// CPU backend: both float types, both label types, ranks 1 to 3, class
// counts below and above a warp, with and without ignore_index, every
// position ignored (NaN loss, zero gradient).
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

const Shape kLogitShapes[] = {{7},        {4, 5},   {3, 100},
                              {2, 3, 33}, {65, 10}, {1, 1}};

/// Labels in [0, classes), with every third one `ignore` when given.
Tensor labelsFor(const Shape &logits, DType dtype, std::mt19937 &rng,
                 const int64_t *ignore) {
  Shape positions(logits.begin(), logits.end() - 1);
  TensorType t{dtype, positions};
  Values v =
      cputest::valuesOf(randomTensor(t, rng, 0, double(logits.back() - 1)));
  if (ignore)
    for (size_t i = 0; i < v.size(); i += 3)
      v[i] = double(*ignore);
  return tensorOf(t, v);
}

TEST(LossKernels, CrossEntropyMatchesCpu) {
  std::mt19937 rng(6);
  const int64_t ignore = -100;
  for (DType dtype : {DType::F32, DType::F64})
    for (DType labelType : {DType::I64, DType::I32})
      for (const Shape &shape : kLogitShapes)
        for (bool withIgnore : {false, true}) {
          TensorType logits{dtype, shape};
          SCOPED_TRACE(logits.str() + " labels " + dtypeName(labelType) +
                       (withIgnore ? " ignore_index" : ""));
          Attributes a;
          if (withIgnore)
            a.set("ignore_index", ignore);
          Tensor labels =
              labelsFor(shape, labelType, rng, withIgnore ? &ignore : nullptr);
          Tensor x = randomTensor(logits, rng, -5, 5);
          expectMatchesCpu("nn.softmax_cross_entropy", a, {x, labels},
                           {TensorType{dtype, {}}});
          Tensor dloss = tensorOf({dtype, {}}, {1.7});
          expectMatchesCpu("nn.softmax_cross_entropy_grad", a,
                           {dloss, x, labels}, {logits});
        }
}

TEST(LossKernels, EveryPositionIgnored) {
  Tensor logits = tensorOf({DType::F32, {2, 3}}, {1, 2, 3, 4, 5, 6});
  Tensor labels = tensorOf({DType::I64, {2}}, {-1, -1});
  Attributes a = attrs({{"ignore_index", int64_t(-1)}});
  // NaN on both backends (the harness takes NaN as matching NaN).
  expectMatchesCpu("nn.softmax_cross_entropy", a, {logits, labels},
                   {TensorType{DType::F32, {}}});
  expectMatchesCpu("nn.softmax_cross_entropy_grad", a,
                   {tensorOf({DType::F32, {}}, {1}), logits, labels},
                   {logits.type()});
}

TEST(LossKernels, RejectsUnsupportedTypes) {
  TensorType logits{DType::F16, {2, 3}}, labels{DType::I64, {2}};
  EXPECT_NE(devicePrepareError("nn.softmax_cross_entropy", {}, {logits, labels},
                               {{DType::F16, {}}})
                .find("the CUDA backend supports f32 and f64, got f16"),
            std::string::npos);
  TensorType f{DType::F32, {2, 3}}, bad{DType::F32, {3}};
  EXPECT_NE(devicePrepareError("nn.softmax_cross_entropy", {}, {f, bad},
                               {{DType::F32, {}}}),
            "");
}

} // namespace
