//===- NormKernelsTest.cpp - Layer and batch normalisation kernels --------===//
//
// The forward kernels against naive loops over their definitions, the
// in-place update of batch normalisation's running statistics, and every
// gradient kernel against central finite differences of its forward kernel
// (batch normalisation in both modes).
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

const double kEpsilon = 1e-5;

//===----------------------------------------------------------------------===//
// Layer normalisation
//===----------------------------------------------------------------------===//

struct LayerNormCase {
  std::string name;
  Shape x;
  int64_t axis;
  Shape scale;
  std::optional<Shape> bias;

  Shape normalized() const { return Shape(x.begin() + axis, x.end()); }
};

std::vector<LayerNormCase> layerNormCases() {
  return {
      {"last axis", {4, 6}, 1, {6}, Shape{6}},
      {"two axes no bias", {2, 3, 4}, 1, {3, 4}, std::nullopt},
      {"broadcast scale and bias", {2, 3, 4}, 1, {4}, Shape{1, 4}},
      {"every axis", {3, 5}, 0, {3, 5}, Shape{3, 5}},
  };
}

Attributes layerNormAttrs(const LayerNormCase &c) {
  return attrs({{"axis", c.axis}, {"epsilon", kEpsilon}});
}

/// The value of a parameter of shape `param` broadcast to normalised
/// position `i` (right-aligned numpy broadcasting).
double broadcastAt(const Values &param, const Shape &paramShape,
                   const Shape &normalized, int64_t i) {
  std::vector<int64_t> index(normalized.size());
  for (size_t d = normalized.size(); d-- > 0;) {
    index[d] = i % normalized[d];
    i /= normalized[d];
  }
  std::vector<int64_t> pi;
  size_t offset = normalized.size() - paramShape.size();
  for (size_t d = 0; d < paramShape.size(); ++d)
    pi.push_back(paramShape[d] == 1 ? 0 : index[offset + d]);
  return param[size_t(flatIndex(paramShape, pi))];
}

Values referenceLayerNorm(const LayerNormCase &c, const Values &x,
                          const Values &scale, const Values *bias) {
  Shape norm = c.normalized();
  int64_t size = numElements(norm), rows = int64_t(x.size()) / size;
  Values y;
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < size; ++i)
      mean += x[size_t(r * size + i)] / double(size);
    for (int64_t i = 0; i < size; ++i)
      var += std::pow(x[size_t(r * size + i)] - mean, 2) / double(size);
    for (int64_t i = 0; i < size; ++i)
      y.push_back((x[size_t(r * size + i)] - mean) / std::sqrt(var + kEpsilon) *
                      broadcastAt(scale, c.scale, norm, i) +
                  (bias ? broadcastAt(*bias, *c.bias, norm, i) : 0.0));
  }
  return y;
}

TEST(LayerNormKernel, MatchesDefinition) {
  std::mt19937 rng(10);
  for (DType dtype : {DType::F32, DType::F64})
    for (const LayerNormCase &c : layerNormCases()) {
      std::string what = c.name + " " + dtypeName(dtype);
      SCOPED_TRACE(what);
      std::vector<Tensor> inputs = {randomTensor({dtype, c.x}, rng, -2, 3),
                                    randomTensor({dtype, c.scale}, rng)};
      Values bias;
      if (c.bias) {
        inputs.push_back(randomTensor({dtype, *c.bias}, rng));
        bias = valuesOf(inputs[2]);
      }
      auto y = run("nn.layer_norm", layerNormAttrs(c), inputs, {{dtype, c.x}});
      ASSERT_EQ(y.size(), 1u);
      double tol = dtype == DType::F32 ? 1e-5 : 1e-12;
      expectClose(y[0],
                  referenceLayerNorm(c, valuesOf(inputs[0]),
                                     valuesOf(inputs[1]),
                                     c.bias ? &bias : nullptr),
                  tol, tol, what);
    }
}

TEST(LayerNormGradKernels, MatchFiniteDifferences) {
  std::mt19937 rng(11);
  const DType f64 = DType::F64;
  for (const LayerNormCase &c : layerNormCases()) {
    SCOPED_TRACE(c.name);
    Attributes at = layerNormAttrs(c);
    Tensor x = randomTensor({f64, c.x}, rng, -2, 3);
    Tensor scale = randomTensor({f64, c.scale}, rng);
    Tensor bias = randomTensor({f64, c.bias.value_or(c.scale)}, rng);
    Tensor dy = randomTensor({f64, c.x}, rng);
    auto layerNorm = [&](const Tensor &input, const Tensor &s,
                         const Tensor &b) {
      auto y = run("nn.layer_norm", at, {input, s, b}, {x.type()});
      return y.empty() ? Values() : valuesOf(y[0]);
    };

    Values dxExpected = numericGradient(
        [&](const Tensor &p) { return layerNorm(p, scale, bias); }, x,
        valuesOf(dy));
    auto dx = run("nn.layer_norm_grad", at, {dy, x, scale}, {x.type()});
    ASSERT_EQ(dx.size(), 1u);
    expectClose(dx[0], dxExpected, 1e-6, 1e-7, "layer_norm_grad");

    // As the op defines its results: the normalised shape, against the
    // gradients of parameters of that shape.
    TensorType full{f64, c.normalized()};
    Tensor fullScale = randomTensor(full, rng),
           fullBias = randomTensor(full, rng);
    auto params = run("nn.layer_norm_grad_params", at, {dy, x}, {full, full});
    ASSERT_EQ(params.size(), 2u);
    expectClose(params[0],
                numericGradient(
                    [&](const Tensor &p) { return layerNorm(x, p, fullBias); },
                    fullScale, valuesOf(dy)),
                1e-6, 1e-7, "dscale");
    expectClose(params[1],
                numericGradient(
                    [&](const Tensor &p) { return layerNorm(x, fullScale, p); },
                    fullBias, valuesOf(dy)),
                1e-6, 1e-7, "dbias");

    // Results of the (broadcast) parameters' own shapes are summed over the
    // broadcast axes.
    params = run("nn.layer_norm_grad_params", at, {dy, x},
                 {scale.type(), bias.type()});
    ASSERT_EQ(params.size(), 2u);
    expectClose(
        params[0],
        numericGradient([&](const Tensor &p) { return layerNorm(x, p, bias); },
                        scale, valuesOf(dy)),
        1e-6, 1e-7, "broadcast dscale");
    expectClose(
        params[1],
        numericGradient([&](const Tensor &p) { return layerNorm(x, scale, p); },
                        bias, valuesOf(dy)),
        1e-6, 1e-7, "broadcast dbias");
  }
}

TEST(LayerNormKernel, RejectsBadOperands) {
  KernelFn fn;
  Status s = prepare("nn.layer_norm",
                     attrs({{"axis", int64_t(1)}, {"epsilon", kEpsilon}}),
                     {{DType::F32, {2, 3, 4}}, {DType::F32, {3}}},
                     {{DType::F32, {2, 3, 4}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("scale of shape 3 does not broadcast"),
            std::string::npos)
      << s.message();
  s = prepare("nn.layer_norm",
              attrs({{"axis", int64_t(3)}, {"epsilon", kEpsilon}}),
              {{DType::F32, {2, 3, 4}}, {DType::F32, {4}}},
              {{DType::F32, {2, 3, 4}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("axis is out of range"), std::string::npos)
      << s.message();
}

//===----------------------------------------------------------------------===//
// Batch normalisation
//===----------------------------------------------------------------------===//

const double kMomentum = 0.9;

Attributes batchNormAttrs(bool training, bool forward) {
  Attributes a =
      attrs({{"epsilon", kEpsilon}, {"training", int64_t(training ? 1 : 0)}});
  if (forward)
    a.set("momentum", kMomentum);
  return a;
}

std::vector<Shape> batchNormShapes() {
  return {{3, 2, 4}, {2, 3, 2, 2}, {5, 3}};
}

/// Per-channel mean and biased variance of x (N x C x ...).
void channelMoments(const Values &x, const Shape &shape, Values &mean,
                    Values &var) {
  int64_t channels = shape[1];
  int64_t spatial = numElements(shape) / (shape[0] * channels);
  double count = double(shape[0] * spatial);
  mean.assign(size_t(channels), 0.0);
  var.assign(size_t(channels), 0.0);
  for (size_t i = 0; i < x.size(); ++i)
    mean[size_t(int64_t(i) / spatial % channels)] += x[i] / count;
  for (size_t i = 0; i < x.size(); ++i) {
    size_t c = size_t(int64_t(i) / spatial % channels);
    var[c] += std::pow(x[i] - mean[c], 2) / count;
  }
}

Values referenceBatchNorm(const Values &x, const Shape &shape,
                          const Values &scale, const Values &bias,
                          const Values &mean, const Values &var) {
  int64_t channels = shape[1];
  int64_t spatial = numElements(shape) / (shape[0] * channels);
  Values y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    size_t c = size_t(int64_t(i) / spatial % channels);
    y[i] = (x[i] - mean[c]) / std::sqrt(var[c] + kEpsilon) * scale[c] + bias[c];
  }
  return y;
}

TEST(BatchNormKernel, MatchesDefinitionAndUpdatesRunningStatistics) {
  std::mt19937 rng(12);
  for (DType dtype : {DType::F32, DType::F64})
    for (const Shape &shape : batchNormShapes())
      for (bool training : {false, true}) {
        std::string what = formatShape(shape) +
                           (training ? " training " : " inference ") +
                           dtypeName(dtype);
        SCOPED_TRACE(what);
        TensorType param{dtype, {shape[1]}};
        Tensor x = randomTensor({dtype, shape}, rng, -2, 3);
        Tensor scale = randomTensor(param, rng),
               bias = randomTensor(param, rng);
        Tensor mean = randomTensor(param, rng);
        Tensor var = randomTensor(param, rng, 0.5, 2);
        Values mean0 = valuesOf(mean), var0 = valuesOf(var);

        auto y = run("nn.batch_norm", batchNormAttrs(training, true),
                     {x, scale, bias, mean, var}, {x.type()});
        ASSERT_EQ(y.size(), 1u);
        double tol = dtype == DType::F32 ? 1e-5 : 1e-12;
        Values batchMean, batchVar;
        channelMoments(valuesOf(x), shape, batchMean, batchVar);
        Values expected = referenceBatchNorm(
            valuesOf(x), shape, valuesOf(scale), valuesOf(bias),
            training ? batchMean : mean0, training ? batchVar : var0);
        expectClose(y[0], expected, tol, tol, what);

        // running = running * momentum + batch * (1 - momentum), with the
        // unbiased batch variance; untouched in inference mode.
        Values meanExpected = mean0, varExpected = var0;
        if (training) {
          double n = double(numElements(shape) / shape[1]);
          for (size_t c = 0; c < mean0.size(); ++c) {
            meanExpected[c] =
                mean0[c] * kMomentum + batchMean[c] * (1 - kMomentum);
            varExpected[c] = var0[c] * kMomentum +
                             batchVar[c] * n / (n - 1) * (1 - kMomentum);
          }
        }
        expectClose(mean, meanExpected, tol, tol, "running mean");
        expectClose(var, varExpected, tol, tol, "running var");
      }
}

TEST(BatchNormKernel, RunningStatisticsMatchPyTorch) {
  // torch.nn.BatchNorm1d(2, momentum=0.1) in train mode on this input, from
  // running statistics (0, 1): running_mean and running_var afterwards.
  Tensor x = tensorOf({DType::F32, {3, 2}}, {1, 2, 3, 5, 8, 4});
  Tensor scale = tensorOf({DType::F32, {2}}, {1, 1});
  Tensor bias = tensorOf({DType::F32, {2}}, {0, 0});
  Tensor mean = tensorOf({DType::F32, {2}}, {0, 0});
  Tensor var = tensorOf({DType::F32, {2}}, {1, 1});
  auto y = run("nn.batch_norm", batchNormAttrs(true, true),
               {x, scale, bias, mean, var}, {x.type()});
  ASSERT_EQ(y.size(), 1u);
  expectClose(mean, {0.4000000059604645, 0.36666667461395264}, 1e-6, 0,
              "running mean");
  expectClose(var, {2.200000047683716, 1.1333333253860474}, 1e-6, 0,
              "running var");
}

TEST(BatchNormGradKernels, MatchFiniteDifferences) {
  std::mt19937 rng(13);
  const DType f64 = DType::F64;
  for (const Shape &shape : batchNormShapes())
    for (bool training : {false, true}) {
      std::string what =
          formatShape(shape) + (training ? " training" : " inference");
      SCOPED_TRACE(what);
      TensorType param{f64, {shape[1]}};
      Tensor x = randomTensor({f64, shape}, rng, -2, 3);
      Tensor scale = randomTensor(param, rng), bias = randomTensor(param, rng);
      Tensor mean = randomTensor(param, rng);
      Tensor var = randomTensor(param, rng, 0.5, 2);
      Tensor dy = randomTensor(x.type(), rng);
      // Training mode updates a copy of the running statistics: the
      // forward result does not depend on them, the grad ops ignore them.
      auto batchNorm = [&](const Tensor &input, const Tensor &s,
                           const Tensor &b) {
        auto y = run("nn.batch_norm", batchNormAttrs(training, true),
                     {input, s, b, mean.clone(), var.clone()}, {x.type()});
        return y.empty() ? Values() : valuesOf(y[0]);
      };
      Attributes at = batchNormAttrs(training, false);

      auto dx =
          run("nn.batch_norm_grad", at, {dy, x, scale, mean, var}, {x.type()});
      ASSERT_EQ(dx.size(), 1u);
      expectClose(
          dx[0],
          numericGradient(
              [&](const Tensor &p) { return batchNorm(p, scale, bias); }, x,
              valuesOf(dy)),
          1e-6, 1e-7, "batch_norm_grad");

      auto params = run("nn.batch_norm_grad_params", at, {dy, x, mean, var},
                        {param, param});
      ASSERT_EQ(params.size(), 2u);
      expectClose(params[0],
                  numericGradient(
                      [&](const Tensor &p) { return batchNorm(x, p, bias); },
                      scale, valuesOf(dy)),
                  1e-6, 1e-7, "dscale");
      expectClose(params[1],
                  numericGradient(
                      [&](const Tensor &p) { return batchNorm(x, scale, p); },
                      bias, valuesOf(dy)),
                  1e-6, 1e-7, "dbias");
    }
}

TEST(BatchNormKernel, RejectsBadOperands) {
  KernelFn fn;
  Status s = prepare("nn.batch_norm", batchNormAttrs(false, true),
                     {{DType::F32, {2, 3}},
                      {DType::F32, {3}},
                      {DType::F32, {2}},
                      {DType::F32, {3}},
                      {DType::F32, {3}}},
                     {{DType::F32, {2, 3}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("operand 2 has shape 2, expected 3"),
            std::string::npos)
      << s.message();
  TensorType param{DType::F32, {3}};
  s = prepare("nn.batch_norm", batchNormAttrs(true, true),
              {{DType::F32, {1, 3}}, param, param, param, param},
              {{DType::F32, {1, 3}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("more than one value per channel"),
            std::string::npos)
      << s.message();
}

} // namespace
