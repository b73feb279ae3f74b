//===- OptimizerTest.cpp - SGD and AdamW against torch.optim --------------===//
//
// The expected values are what PyTorch 1.13's torch.optim computes for the
// same parameters and gradients, in float32:
//
//   p = torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0, 0.1]))
//   opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
//   for g in GRADS: p.grad = torch.tensor(g); opt.step(); print(p)
//
// (likewise for the other settings below). The optimizer runs the CPU
// backend's update kernels (pp.sgd_update, pp.adamw_update), prepared
// through the registry; the last tests call those kernels directly.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Optimizer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace pp::rt;

namespace {

const KernelRegistry &cpuKernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    registerCpuKernels(r);
    return r;
  }();
  return registry;
}

Status createOptimizer(const OptimizerOptions &options,
                       std::vector<OptimizedParameter> parameters,
                       std::unique_ptr<Optimizer> &out) {
  return Optimizer::create(options, std::move(parameters), cpuKernels(),
                           Backend::CPU, out);
}

const std::vector<float> kStart = {0.5f, -1.25f, 2.0f, 0.1f};
const std::vector<std::vector<float>> kGrads = {{0.3f, -0.2f, 0.05f, 1.5f},
                                                {-0.1f, 0.4f, 0.25f, -0.7f},
                                                {0.2f, 0.2f, -0.6f, 0.05f}};

Tensor makeF32(const std::vector<float> &values) {
  Tensor t = Tensor::empty({DType::F32, {int64_t(values.size())}});
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

/// Within one ulp of the operands (2.4e-7 at 2.0): pp rounds the multiply
/// and the add separately where PyTorch fuses them, which after
/// cancellation can move a small result by more than a few of its ulps.
constexpr float kTolerance = 2.5e-7f;

/// Runs three steps from kStart with kGrads and checks the parameter after
/// every step against `expected`.
void expectSteps(const OptimizerOptions &options,
                 const std::vector<std::vector<float>> &expected) {
  Tensor param = makeF32(kStart);
  std::unique_ptr<Optimizer> opt;
  ASSERT_FALSE(createOptimizer(options, {{"p", param}}, opt));
  BufferPool pool;
  KernelContext ctx(pool);
  ctx.step = 17; // the run's step: the optimizer counts its own
  for (size_t step = 0; step < kGrads.size(); ++step) {
    ASSERT_FALSE(opt->step(ctx, {makeF32(kGrads[step])}));
    EXPECT_EQ(opt->steps(), int64_t(step + 1));
    EXPECT_EQ(ctx.step, 17);
    for (size_t i = 0; i < kStart.size(); ++i)
      EXPECT_NEAR(param.data<float>()[i], expected[step][i], kTolerance)
          << "step " << step + 1 << ", element " << i;
  }
}

TEST(Optimizer, PlainSGD) {
  OptimizerOptions o;
  o.lr = 0.1;
  expectSteps(o, {{0.469999999f, -1.23000002f, 1.995f, -0.0500000007f},
                  {0.479999989f, -1.26999998f, 1.97000003f, 0.0199999996f},
                  {0.459999979f, -1.28999996f, 2.02999997f, 0.0149999997f}});
}

TEST(Optimizer, SGDWithMomentumAndWeightDecay) {
  OptimizerOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weightDecay = 0.01;
  expectSteps(o, {{0.469500005f, -1.22874999f, 1.99300003f, -0.0501000062f},
                  {0.451580495f, -1.24839628f, 1.95970702f, -0.115139917f},
                  {0.415001363f, -1.2848295f, 1.98778367f, -0.178560689f}});
}

/// torch.optim.SGD leaves the weight out of the step without weight decay:
/// an infinite weight (a mask trained by mistake) stays infinite instead of
/// turning into NaN through 0 * inf, with or without momentum.
TEST(Optimizer, SGDWithoutWeightDecayDoesNotReadTheWeight) {
  for (double momentum : {0.0, 0.9}) {
    OptimizerOptions o;
    o.lr = 0.1;
    o.momentum = momentum;
    Tensor param = makeF32({-INFINITY, 1.0f});
    std::unique_ptr<Optimizer> opt;
    ASSERT_FALSE(createOptimizer(o, {{"p", param}}, opt));
    BufferPool pool;
    KernelContext ctx(pool);
    ASSERT_FALSE(opt->step(ctx, {makeF32({0.5f, 0.25f})}));
    ASSERT_FALSE(opt->step(ctx, {makeF32({0.1f, -0.3f})}));
    EXPECT_EQ(param.data<float>()[0], -INFINITY) << "momentum " << momentum;
    // torch: 1.00499999523 without momentum, 0.98250001669 with 0.9.
    EXPECT_NEAR(param.data<float>()[1], momentum ? 0.982500017f : 1.00499999f,
                kTolerance)
        << "momentum " << momentum;
  }
}

TEST(Optimizer, AdamWWithDecoupledDecay) {
  OptimizerOptions o;
  o.kind = OptimizerKind::AdamW;
  o.lr = 0.01;
  o.weightDecay = 0.1;
  expectSteps(o, {{0.489500016f, -1.23874998f, 1.98800004f, 0.0899000019f},
                  {0.485008329f, -1.24117231f, 1.97740161f, 0.0868868306f},
                  {0.478492469f, -1.24512351f, 1.97870231f, 0.0843482316f}});
}

TEST(Optimizer, AdamWOtherBetasAndEps) {
  // torch.optim.AdamW(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0)
  OptimizerOptions o;
  o.kind = OptimizerKind::AdamW;
  o.lr = 0.05;
  o.beta1 = 0.8;
  o.beta2 = 0.99;
  o.eps = 1e-3;
  expectSteps(o, {{0.450166106f, -1.20024872f, 1.95098042f, 0.0500333086f},
                  {0.432817131f, -1.22123265f, 1.90664482f, 0.0381581932f},
                  {0.403305054f, -1.24953306f, 1.92654312f, 0.0284839198f}});
}

TEST(Optimizer, F64ParametersGetF64State) {
  // SGD with momentum in double: p = 1, g = 0.5 twice, lr 0.1, momentum 0.9
  // gives p = 1 - 0.05 = 0.95, then buf = 0.95, p = 0.95 - 0.095 = 0.855.
  Tensor param = Tensor::empty({DType::F64, {1}});
  *param.data<double>() = 1.0;
  Tensor grad = Tensor::empty({DType::F64, {1}});
  *grad.data<double>() = 0.5;
  OptimizerOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  std::unique_ptr<Optimizer> opt;
  ASSERT_FALSE(createOptimizer(o, {{"p", param}}, opt));
  BufferPool pool;
  KernelContext ctx(pool);
  ASSERT_FALSE(opt->step(ctx, {grad}));
  EXPECT_DOUBLE_EQ(*param.data<double>(), 0.95);
  ASSERT_FALSE(opt->step(ctx, {grad}));
  EXPECT_DOUBLE_EQ(*param.data<double>(), 0.855);
  // The momentum buffer, in f64, counted as optimizer state.
  EXPECT_EQ(pool.stats().currentOf(MemoryKind::OptimizerState), 64);
}

// All parameters of one element type are updated by one kernel: with
// several parameters of mixed types, each gets exactly the update it gets
// alone.
TEST(Optimizer, OneKernelPerElementTypeUpdatesEveryParameter) {
  OptimizerOptions o;
  o.kind = OptimizerKind::AdamW;
  o.lr = 0.01;
  Tensor a = makeF32(kStart), b = makeF32({1.5f, -0.5f}),
         alone = makeF32(kStart);
  Tensor c = Tensor::empty({DType::F64, {2}});
  c.data<double>()[0] = 0.25;
  c.data<double>()[1] = -4;
  std::unique_ptr<Optimizer> opt, single;
  ASSERT_FALSE(createOptimizer(o, {{"a", a}, {"c", c}, {"b", b}}, opt));
  ASSERT_FALSE(createOptimizer(o, {{"a", alone}}, single));
  BufferPool pool;
  KernelContext ctx(pool);
  Tensor gc = Tensor::empty({DType::F64, {2}});
  gc.data<double>()[0] = 0.5;
  gc.data<double>()[1] = 0.5;
  for (const std::vector<float> &g : kGrads) {
    ASSERT_FALSE(opt->step(ctx, {makeF32(g), gc, makeF32({0.1f, 0.2f})}));
    ASSERT_FALSE(single->step(ctx, {makeF32(g)}));
  }
  for (size_t i = 0; i < kStart.size(); ++i)
    EXPECT_EQ(a.data<float>()[i], alone.data<float>()[i]) << i;
  // Three AdamW steps of a constant gradient move a weight by 3 * lr.
  EXPECT_NEAR(b.data<float>()[0], 1.5f - 0.03f, 1e-6);
  EXPECT_NEAR(c.data<double>()[1], -4 - 0.03, 1e-8);
  // Two states per parameter, each rounded up to 64 bytes: three
  // parameters here and the lone one.
  EXPECT_EQ(pool.stats().currentOf(MemoryKind::OptimizerState), 8 * 64);
}

TEST(Optimizer, RejectsBadHyperparameters) {
  std::unique_ptr<Optimizer> opt;
  OptimizerOptions o;
  o.lr = -1;
  Status s = createOptimizer(o, {}, opt);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "optimizer: the learning rate must be >= 0, got -1");
  o = OptimizerOptions();
  o.beta2 = 1;
  s = createOptimizer(o, {}, opt);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "optimizer: beta2 must be in [0, 1), got 1");
}

TEST(Optimizer, RejectsNonFloatParameters) {
  std::unique_ptr<Optimizer> opt;
  Status s = createOptimizer(
      OptimizerOptions(), {{"table", Tensor::zeros({DType::F16, {2}})}}, opt);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "optimizer: parameter 'table' is f16; only f32 and "
                         "f64 parameters can be trained");
}

TEST(Optimizer, NeedsTheUpdateKernelOfItsBackend) {
  std::unique_ptr<Optimizer> opt;
  Status s = Optimizer::create(OptimizerOptions(), {{"p", makeF32(kStart)}},
                               cpuKernels(), Backend::CUDA, opt);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "optimizer: no CUDA kernel for pp.sgd_update");
}

/// Prepares the CPU kernel `op` for one f32 parameter of kStart's size with
/// `states` state tensors.
KernelFn prepareUpdate(const std::string &op, const Attributes &attrs,
                       size_t states) {
  KernelSpec spec;
  spec.op = op;
  spec.attrs = attrs;
  TensorType type{DType::F32, {int64_t(kStart.size())}};
  spec.inputs = {type};
  spec.outputs.assign(1 + states, type);
  KernelFn fn;
  KernelFactory factory = cpuKernels().lookup(op, Backend::CPU);
  EXPECT_NE(factory, nullptr) << op;
  if (factory)
    if (Status s = factory(spec, fn))
      ADD_FAILURE() << s.message();
  return fn;
}

TEST(OptimizerKernels, AdamWUpdateTakesItsStepFromTheContext) {
  // The AdamWWithDecoupledDecay numbers, through the kernel alone.
  Attributes a;
  a.set("lr", 0.01);
  a.set("beta1", 0.9);
  a.set("beta2", 0.999);
  a.set("eps", 1e-8);
  a.set("weight_decay", 0.1);
  KernelFn fn = prepareUpdate("pp.adamw_update", a, 2);
  ASSERT_TRUE(bool(fn));
  const std::vector<std::vector<float>> expected = {
      {0.489500016f, -1.23874998f, 1.98800004f, 0.0899000019f},
      {0.485008329f, -1.24117231f, 1.97740161f, 0.0868868306f},
      {0.478492469f, -1.24512351f, 1.97870231f, 0.0843482316f}};
  Tensor param = makeF32(kStart);
  Tensor m = Tensor::zeros(param.type()), v = Tensor::zeros(param.type());
  Tensor *outputs[] = {&param, &m, &v};
  KernelContext ctx(defaultBufferPool());
  for (int64_t step = 1; step <= 3; ++step) {
    Tensor grad = makeF32(kGrads[size_t(step - 1)]);
    const Tensor *inputs[] = {&grad};
    ctx.step = step;
    fn(ctx, inputs, outputs);
    for (size_t i = 0; i < kStart.size(); ++i)
      EXPECT_NEAR(param.data<float>()[i], expected[size_t(step - 1)][i],
                  kTolerance)
          << "step " << step << ", element " << i;
  }
  // Updates count steps from 1: bias corrections of step 0 divide by 0.
  ctx.step = 0;
  Tensor grad = makeF32(kGrads[0]);
  const Tensor *inputs[] = {&grad};
  EXPECT_THROW(fn(ctx, inputs, outputs), std::invalid_argument);
}

TEST(OptimizerKernels, SgdUpdateStartsItsMomentumOnStepOne) {
  // The SGDWithMomentumAndWeightDecay numbers, through the kernel alone.
  Attributes a;
  a.set("lr", 0.1);
  a.set("momentum", 0.9);
  a.set("weight_decay", 0.01);
  KernelFn fn = prepareUpdate("pp.sgd_update", a, 1);
  ASSERT_TRUE(bool(fn));
  const std::vector<std::vector<float>> expected = {
      {0.469500005f, -1.22874999f, 1.99300003f, -0.0501000062f},
      {0.451580495f, -1.24839628f, 1.95970702f, -0.115139917f},
      {0.415001363f, -1.2848295f, 1.98778367f, -0.178560689f}};
  Tensor param = makeF32(kStart);
  // Step 1 overwrites the buffer: garbage in it must not matter.
  Tensor buffer = makeF32({7, 7, 7, 7});
  Tensor *outputs[] = {&param, &buffer};
  KernelContext ctx(defaultBufferPool());
  for (int64_t step = 1; step <= 3; ++step) {
    Tensor grad = makeF32(kGrads[size_t(step - 1)]);
    const Tensor *inputs[] = {&grad};
    ctx.step = step;
    fn(ctx, inputs, outputs);
    for (size_t i = 0; i < kStart.size(); ++i)
      EXPECT_NEAR(param.data<float>()[i], expected[size_t(step - 1)][i],
                  kTolerance)
          << "step " << step << ", element " << i;
  }
}

TEST(OptimizerKernels, AccumulateAddsInPlace) {
  KernelSpec spec;
  spec.op = "pp.accumulate";
  spec.inputs = {{DType::F64, {3}}};
  spec.outputs = {{DType::F64, {3}}};
  KernelFn fn;
  ASSERT_FALSE(cpuKernels().lookup("pp.accumulate", Backend::CPU)(spec, fn));
  Tensor acc = Tensor::empty(spec.outputs[0]),
         x = Tensor::empty(spec.inputs[0]);
  for (int i = 0; i < 3; ++i) {
    acc.data<double>()[i] = i;
    x.data<double>()[i] = 0.5 * i;
  }
  const Tensor *inputs[] = {&x};
  Tensor *outputs[] = {&acc};
  KernelContext ctx(defaultBufferPool());
  fn(ctx, inputs, outputs);
  EXPECT_EQ(acc.data<double>()[2], 3.0);
  EXPECT_EQ(acc.data<double>()[1], 1.5);
  // Operand and accumulator must have one type.
  spec.outputs = {{DType::F32, {3}}};
  Status s = cpuKernels().lookup("pp.accumulate", Backend::CPU)(spec, fn);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "pp.accumulate: the accumulator has type 3xf32, "
                         "expected 3xf64");
}

TEST(OptimizerKernels, SgdWithoutMomentumTakesNoBuffer) {
  KernelSpec spec;
  spec.op = "pp.sgd_update";
  spec.attrs.set("lr", 0.1);
  spec.attrs.set("momentum", 0.0);
  spec.attrs.set("weight_decay", 0.0);
  spec.inputs = {{DType::F32, {4}}};
  spec.outputs = {{DType::F32, {4}}, {DType::F32, {4}}};
  KernelFn fn;
  Status s = cpuKernels().lookup("pp.sgd_update", Backend::CPU)(spec, fn);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "pp.sgd_update: expected one or more gradients and "
                         "1 result(s) per gradient (the parameter), got 1 "
                         "and 2");
}

TEST(Optimizer, ParsesKinds) {
  OptimizerKind kind;
  EXPECT_FALSE(parseOptimizerKind("adamw", kind));
  EXPECT_EQ(kind, OptimizerKind::AdamW);
  EXPECT_FALSE(parseOptimizerKind("sgd", kind));
  EXPECT_EQ(kind, OptimizerKind::SGD);
  Status s = parseOptimizerKind("adam", kind);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "unknown optimizer 'adam' (expected sgd or adamw)");
}

} // namespace
