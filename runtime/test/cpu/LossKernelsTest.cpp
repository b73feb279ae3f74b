//===- LossKernelsTest.cpp - Tests of softmax cross-entropy ---------------===//
//
// softmax_cross_entropy against a reference in double (ranks 1 to 3,
// ignore_index, both label types), its behaviour on bad labels and on all
// positions ignored, and its gradient against finite differences.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

/// Mean over positions whose label is not `ignore` of logsumexp - logit.
double referenceLoss(const Values &logits, const Values &labels,
                     int64_t classes, double ignore) {
  double total = 0;
  int count = 0;
  for (size_t p = 0; p < labels.size(); ++p) {
    if (labels[p] == ignore)
      continue;
    double m = -INFINITY, sum = 0;
    for (int64_t c = 0; c < classes; ++c)
      m = std::max(m, logits[p * size_t(classes) + size_t(c)]);
    for (int64_t c = 0; c < classes; ++c)
      sum += std::exp(logits[p * size_t(classes) + size_t(c)] - m);
    total +=
        std::log(sum) + m - logits[p * size_t(classes) + size_t(labels[p])];
    ++count;
  }
  return total / count;
}

struct LossCase {
  Shape logits;
  std::vector<double> labels; // -100 is ignored
};

const std::vector<LossCase> kCases = {
    {{6}, {4}},
    {{4, 5}, {0, 4, 2, 2}},
    {{2, 3, 7}, {6, -100, 0, 3, -100, 1}},
};

Shape withoutLast(const Shape &s) { return Shape(s.begin(), s.end() - 1); }

TEST(LossKernels, HandComputedValue) {
  // Two equal logits: the loss is log 2 whichever class is the label.
  Tensor logits = tensorOf({DType::F32, {2, 2}}, {0, 0, 3, 3});
  Tensor labels = tensorOf({DType::I64, {2}}, {1, 0});
  expectClose(
      run1("nn.softmax_cross_entropy", {}, {logits, labels}, {DType::F32, {}}),
      {std::log(2.0)}, 1e-7, 0, "loss");
}

TEST(LossKernels, MatchesTheReference) {
  std::mt19937 rng(31);
  for (DType dtype : {DType::F32, DType::F64})
    for (DType labelType : {DType::I64, DType::I32})
      for (const LossCase &c : kCases) {
        Tensor logits = randomTensor({dtype, c.logits}, rng, -4, 4);
        Tensor labels = tensorOf({labelType, withoutLast(c.logits)}, c.labels);
        Tensor loss = run1("nn.softmax_cross_entropy",
                           attrs({{"ignore_index", int64_t(-100)}}),
                           {logits, labels}, {dtype, {}});
        expectClose(
            loss,
            {referenceLoss(valuesOf(logits), c.labels, c.logits.back(), -100)},
            dtype == DType::F32 ? 1e-6 : 1e-13, 0,
            "loss " + logits.type().str());
      }
}

TEST(LossKernels, LargeLogitsStayFinite) {
  Tensor logits = tensorOf({DType::F32, {1, 3}}, {1000, 2000, 3000});
  Tensor labels = tensorOf({DType::I64, {1}}, {1});
  expectClose(
      run1("nn.softmax_cross_entropy", {}, {logits, labels}, {DType::F32, {}}),
      {1000}, 1e-6, 0, "loss");
}

TEST(LossKernels, EveryPositionIgnoredIsNaN) {
  Tensor logits = tensorOf({DType::F32, {2, 3}}, {1, 2, 3, 4, 5, 6});
  Tensor labels = tensorOf({DType::I64, {2}}, {-1, -1});
  Attributes a = attrs({{"ignore_index", int64_t(-1)}});
  Tensor loss =
      run1("nn.softmax_cross_entropy", a, {logits, labels}, {DType::F32, {}});
  EXPECT_TRUE(std::isnan(valuesOf(loss)[0]));
  Tensor dloss = tensorOf({DType::F32, {}}, {1});
  expectClose(run1("nn.softmax_cross_entropy_grad", a, {dloss, logits, labels},
                   logits.type()),
              Values(6, 0), 0, 0, "grad with every position ignored");
}

TEST(LossKernels, LabelsOutOfRangeThrowWithAMessage) {
  TensorType logits{DType::F32, {2, 3}}, labels{DType::I64, {2}};
  for (double bad : {3.0, -1.0}) {
    KernelFn fn;
    ASSERT_FALSE(prepare("nn.softmax_cross_entropy",
                         attrs({{"ignore_index", int64_t(-100)}}),
                         {logits, labels}, {{DType::F32, {}}}, fn));
    Tensor l = tensorOf(labels, {0, bad});
    try {
      call(fn, {tensorOf(logits, Values(6, 0)), l}, {{DType::F32, {}}});
      ADD_FAILURE() << "label " << bad << " did not throw";
    } catch (const std::out_of_range &e) {
      EXPECT_NE(std::string(e.what()).find("is out of range for 3 classes"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("at position 1"), std::string::npos)
          << e.what();
    }
  }
}

TEST(LossKernels, GradientMatchesFiniteDifferences) {
  std::mt19937 rng(32);
  const double dlossValue = 1.7;
  for (const LossCase &c : kCases) {
    TensorType t{DType::F64, c.logits};
    Tensor labels = tensorOf({DType::I64, withoutLast(c.logits)}, c.labels);
    Attributes a = attrs({{"ignore_index", int64_t(-100)}});
    Tensor logits = randomTensor(t, rng, -3, 3);
    Values expected = numericGradient(
        [&](const Values &at) {
          return valuesOf(run1("nn.softmax_cross_entropy", a,
                               {tensorOf(t, at), labels}, {DType::F64, {}}));
        },
        valuesOf(logits), {dlossValue});
    Tensor dloss = tensorOf({DType::F64, {}}, {dlossValue});
    Tensor dlogits =
        run1("nn.softmax_cross_entropy_grad", a, {dloss, logits, labels}, t);
    expectClose(dlogits, expected, 1e-6, 1e-9, "grad " + t.str());
    // Ignored positions get exactly zero.
    Values d = valuesOf(dlogits);
    int64_t classes = c.logits.back();
    for (size_t p = 0; p < c.labels.size(); ++p) {
      if (c.labels[p] != -100)
        continue;
      for (int64_t k = 0; k < classes; ++k)
        EXPECT_EQ(d[p * size_t(classes) + size_t(k)], 0.0);
    }
  }
}

TEST(LossKernels, F32GradientAgreesWithF64) {
  std::mt19937 rng(33);
  Shape shape{4, 9};
  Values x = valuesOf(randomTensor({DType::F64, shape}, rng, -3, 3));
  Tensor labels = tensorOf({DType::I32, {4}}, {8, 0, 3, 3});
  auto grad = [&](DType dtype) {
    return valuesOf(run1(
        "nn.softmax_cross_entropy_grad", {},
        {tensorOf({dtype, {}}, {0.5}), tensorOf({dtype, shape}, x), labels},
        {dtype, shape}));
  };
  expectClose(grad(DType::F32), grad(DType::F64), 1e-5, 1e-7, "grad");
}

TEST(LossKernels, PreparationErrors) {
  std::string error = prepareError("nn.softmax_cross_entropy", {},
                                   {{DType::F32, {4, 5}}, {DType::I64, {5}}},
                                   {{DType::F32, {}}});
  EXPECT_NE(error.find("labels 5xi64 must have the logits' shape without the "
                       "last axis (4)"),
            std::string::npos)
      << error;
  error = prepareError("nn.softmax_cross_entropy", {},
                       {{DType::F32, {4, 5}}, {DType::F32, {4}}},
                       {{DType::F32, {}}});
  EXPECT_NE(error.find("unsupported element type f32 of labels"),
            std::string::npos)
      << error;
  error =
      prepareError("nn.softmax_cross_entropy_grad", {},
                   {{DType::F32, {2}}, {DType::F32, {4, 5}}, {DType::I64, {4}}},
                   {{DType::F32, {4, 5}}});
  EXPECT_NE(error.find("dloss 2xf32 must be one element"), std::string::npos)
      << error;
}

} // namespace
