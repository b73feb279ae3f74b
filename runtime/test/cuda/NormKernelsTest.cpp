//===- NormKernelsTest.cpp - CUDA normalisation kernels against the CPU's ===//
//
// Layer normalisation (axes, broadcast scale and bias, rows longer than a
// warp) and batch normalisation in training and inference mode, with their
// gradients; the running statistics batch_norm writes through to its
// operands are compared too. Statistics accumulate in double on both
// backends; parameter gradients of float32 sum up to a few hundred rows
// (atol 1e-5).
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

const DType kFloatTypes[] = {DType::F32, DType::F64};

double atolFor(DType dt) { return dt == DType::F32 ? 1e-5 : 1e-12; }

struct LayerNormCase {
  Shape x;
  int64_t axis;
  Shape param; // scale and bias
};

std::vector<LayerNormCase> layerNormCases() {
  return {
      {{4, 37}, 1, {37}},        {{4, 37}, -1, {37}}, {{2, 3, 65}, -1, {65}},
      {{2, 3, 5}, 1, {3, 5}},    {{2, 3, 5}, 1, {5}}, {{2, 3, 5}, 1, {3, 1}},
      {{2, 3, 5}, 1, {1, 1, 5}}, {{2, 3, 5}, 1, {1}}, {{6, 100}, 0, {6, 100}},
      {{3, 1}, 1, {1}},          {{0, 8}, 1, {8}},
  };
}

Attributes layerNormAttrs(int64_t axis) {
  return attrs({{"axis", axis}, {"epsilon", 1e-5}});
}

TEST(NormKernels, LayerNorm) {
  std::mt19937 rng(1);
  for (DType dt : kFloatTypes)
    for (const LayerNormCase &c : layerNormCases()) {
      SCOPED_TRACE(formatShape(c.x) + " axis " + std::to_string(c.axis) +
                   " param " + formatShape(c.param));
      Tensor x = randomTensor({dt, c.x}, rng, -2, 3);
      Tensor scale = randomTensor({dt, c.param}, rng);
      Tensor bias = randomTensor({dt, c.param}, rng);
      expectMatchesCpu("nn.layer_norm", layerNormAttrs(c.axis), {x, scale},
                       {{dt, c.x}});
      expectMatchesCpu("nn.layer_norm", layerNormAttrs(c.axis),
                       {x, scale, bias}, {{dt, c.x}});
      expectMatchesCpu("nn.layer_norm_grad", layerNormAttrs(c.axis),
                       {randomTensor({dt, c.x}, rng), x, scale}, {{dt, c.x}},
                       1e-5, atolFor(dt));
      expectMatchesCpu("nn.layer_norm_grad_params", layerNormAttrs(c.axis),
                       {randomTensor({dt, c.x}, rng), x},
                       {{dt, c.param}, {dt, c.param}}, 1e-5, atolFor(dt));
    }
}

TEST(NormKernels, LayerNormGradParamsMixedBroadcast) {
  std::mt19937 rng(2);
  for (DType dt : kFloatTypes) {
    Shape x{7, 3, 40};
    expectMatchesCpu("nn.layer_norm_grad_params", layerNormAttrs(1),
                     {randomTensor({dt, x}, rng), randomTensor({dt, x}, rng)},
                     {{dt, {3, 40}}, {dt, {40}}}, 1e-5, atolFor(dt));
    expectMatchesCpu("nn.layer_norm_grad_params", layerNormAttrs(1),
                     {randomTensor({dt, x}, rng), randomTensor({dt, x}, rng)},
                     {{dt, {3, 1}}, {dt, {3, 40}}}, 1e-5, atolFor(dt));
  }
}

Attributes batchNormAttrs(int64_t training) {
  return attrs({{"epsilon", 1e-5}, {"momentum", 0.9}, {"training", training}});
}

const Shape kBatchNormShapes[] = {
    {4, 3}, {2, 3, 37}, {2, 5, 4, 9}, {3, 2, 2, 3, 4}, {1, 4, 33}};

/// batch_norm on both backends, comparing y and the running statistics it
/// writes through to operands 3 and 4.
void expectBatchNormMatchesCpu(const std::vector<Tensor> &inputs,
                               int64_t training) {
  const std::string op = "nn.batch_norm";
  Attributes a = batchNormAttrs(training);
  std::vector<Tensor> cpuInputs;
  for (const Tensor &t : inputs)
    cpuInputs.push_back(t.clone());
  TensorType yType = inputs[0].type();
  Tensor expected = cputest::run1(op, a, cpuInputs, yType);

  KernelFactory factory = target().registry->lookup(op, Backend::CUDA);
  ASSERT_NE(factory, nullptr);
  KernelSpec spec;
  spec.op = op;
  spec.attrs = a;
  for (const Tensor &t : inputs)
    spec.inputs.push_back(t.type());
  spec.outputs = {yType};
  KernelFn fn;
  Status s = factory(spec, fn);
  ASSERT_FALSE(s) << s.message();
  std::vector<Tensor> device;
  for (const Tensor &t : inputs)
    device.push_back(toDevice(t));
  KernelContext &ctx = deviceContext();
  // Poisoned (NaN) first, as the harness does.
  Tensor y = Tensor::empty(yType, ctx.pool());
  ASSERT_FALSE(target().device->fill(y.raw(), 0xFF, y.bytes(), ctx.stream));
  std::vector<const Tensor *> in;
  for (const Tensor &t : device)
    in.push_back(&t);
  Tensor *out[] = {&y};
  fn(ctx, in.data(), out);
  ASSERT_FALSE(ctx.failed()) << ctx.takeFailure();
  ASSERT_FALSE(target().device->synchronize(ctx.stream));
  cputest::expectClose(fromDevice(y), valuesOf(expected), 1e-5, 1e-6, "y");
  cputest::expectClose(fromDevice(device[3]), valuesOf(cpuInputs[3]), 1e-5,
                       1e-6, "running mean");
  cputest::expectClose(fromDevice(device[4]), valuesOf(cpuInputs[4]), 1e-5,
                       1e-6, "running var");
}

TEST(NormKernels, BatchNorm) {
  std::mt19937 rng(3);
  for (DType dt : kFloatTypes)
    for (const Shape &x : kBatchNormShapes)
      for (int64_t training : {0, 1}) {
        SCOPED_TRACE(formatShape(x) + " training " + std::to_string(training));
        TensorType channel{dt, {x[1]}};
        std::vector<Tensor> inputs{
            randomTensor({dt, x}, rng, -2, 3), randomTensor(channel, rng),
            randomTensor(channel, rng), randomTensor(channel, rng),
            randomTensor(channel, rng, 0.5, 1.5)};
        expectBatchNormMatchesCpu(inputs, training);
        Tensor dy = randomTensor({dt, x}, rng);
        expectMatchesCpu("nn.batch_norm_grad", batchNormAttrs(training),
                         {dy, inputs[0], inputs[1], inputs[3], inputs[4]},
                         {{dt, x}}, 1e-5, atolFor(dt));
        expectMatchesCpu("nn.batch_norm_grad_params", batchNormAttrs(training),
                         {dy, inputs[0], inputs[3], inputs[4]},
                         {channel, channel}, 1e-5, atolFor(dt));
      }
}

TEST(NormKernels, Errors) {
  TensorType x{DType::F32, {1, 3}}, c{DType::F32, {3}};
  EXPECT_NE(devicePrepareError("nn.batch_norm", batchNormAttrs(1),
                               {x, c, c, c, c}, {x})
                .find("training mode needs more than one value"),
            std::string::npos);
  TensorType h{DType::F16, {2, 3}}, hp{DType::F16, {3}};
  EXPECT_NE(devicePrepareError("nn.layer_norm", layerNormAttrs(1), {h, hp}, {h})
                .find("the CUDA backend supports f32 and f64, got f16"),
            std::string::npos);
  TensorType bad{DType::F32, {4}};
  EXPECT_NE(devicePrepareError("nn.layer_norm", layerNormAttrs(1),
                               {TensorType{DType::F32, {2, 3}}, bad},
                               {TensorType{DType::F32, {2, 3}}})
                .find("does not broadcast"),
            std::string::npos);
}

} // namespace
