//===- FusedElementwiseTest.cpp - Fused elementwise chains on the device --===//
//
// pp.fused_elementwise (FusedElementwiseKernels.cu) and the executor's
// fusion of elementwise chains (Executor.cpp, ElementwiseFusion.h):
//  - the fused kernel gives the bits of its ops run one by one on the same
//    backend, for random programs over every op of the set, in F32 and
//    F64, with broadcast externals and odd sizes;
//  - its factory rejects programs it cannot run;
//  - the executor replaces a chain by one kernel, with the unfused run's
//    bits and less memory; intermediates that are results or read after
//    the chain stay unfused; a fused kernel's messages name its ops.
//
//===----------------------------------------------------------------------===//

#include "../../lib/ElementwiseFusion.h"
#include "DeviceKernelHarness.h"
#include "pp/Runtime/Executor.h"

#include "program.pb.h"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace pp;
using namespace pp::rt;
using namespace pp::rt::devicetest;
using kernels::FusedOp;

namespace {

//===----------------------------------------------------------------------===//
// The kernel against the ops one by one
//===----------------------------------------------------------------------===//

/// How an op of the set reads its operands.
enum class Form {
  Binary,      // a, b broadcast to the result
  Unary,       // x of the result's shape
  Grad,        // dy, v of the result's shape
  DropoutGrad, // dy, a bool mask of the result's shape
  Extremum,    // dy of the result's shape, a and b broadcast to it
  Where,       // a bool condition, x, y broadcast to the result
};

struct OpCase {
  const char *op;
  Form form;
  Attributes attributes;
};

std::vector<OpCase> opCases() {
  return {
      {"nn.add", Form::Binary, {}},
      {"nn.sub", Form::Binary, {}},
      {"nn.mul", Form::Binary, {}},
      {"nn.div", Form::Binary, {}},
      {"nn.max", Form::Binary, {}},
      {"nn.min", Form::Binary, {}},
      {"nn.neg", Form::Unary, {}},
      {"nn.exp", Form::Unary, {}},
      {"nn.log", Form::Unary, {}},
      {"nn.tanh", Form::Unary, {}},
      {"nn.sigmoid", Form::Unary, {}},
      {"nn.relu", Form::Unary, {}},
      {"nn.sqrt", Form::Unary, {}},
      {"nn.reciprocal", Form::Unary, {}},
      {"nn.abs", Form::Unary, {}},
      {"nn.erf", Form::Unary, {}},
      {"nn.gelu", Form::Unary, attrs({{"approximate", std::string("none")}})},
      {"nn.gelu", Form::Unary, attrs({{"approximate", std::string("tanh")}})},
      {"nn.sin", Form::Unary, {}},
      {"nn.cos", Form::Unary, {}},
      {"nn.floor", Form::Unary, {}},
      {"nn.ceil", Form::Unary, {}},
      {"nn.sign", Form::Unary, {}},
      {"nn.softplus", Form::Unary, {}},
      {"nn.hard_swish", Form::Unary, {}},
      {"nn.clip", Form::Unary, attrs({{"min", -0.5}, {"max", 0.75}})},
      {"nn.clip", Form::Unary, attrs({{"max", 1.25}})},
      {"nn.hard_sigmoid", Form::Unary,
       attrs({{"alpha", 1.0 / 6}, {"beta", 0.5}})},
      {"nn.relu_grad", Form::Grad, {}},
      {"nn.gelu_grad", Form::Grad,
       attrs({{"approximate", std::string("none")}})},
      {"nn.gelu_grad", Form::Grad,
       attrs({{"approximate", std::string("tanh")}})},
      {"nn.tanh_grad", Form::Grad, {}},
      {"nn.sigmoid_grad", Form::Grad, {}},
      {"nn.hard_swish_grad", Form::Grad, {}},
      {"nn.clip_grad", Form::Grad, attrs({{"min", -1.0}, {"max", 0.5}})},
      {"nn.hard_sigmoid_grad", Form::Grad,
       attrs({{"alpha", 0.2}, {"beta", 0.5}})},
      {"nn.dropout_grad", Form::DropoutGrad, attrs({{"ratio", 0.3}})},
      {"nn.max_grad", Form::Extremum, {}},
      {"nn.min_grad", Form::Extremum, {}},
      {"nn.where", Form::Where, {}},
  };
}

/// numpy's broadcast of shapes that broadcast.
Shape broadcastOf(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    int64_t x = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    int64_t y = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    out[d] = x == 1 ? y : x;
  }
  return out;
}

/// Shapes that broadcast to `shape`: itself, scalars, trailing axes, axes
/// of size 1.
std::vector<Shape> broadcastVariants(const Shape &shape) {
  std::vector<Shape> out = {shape, Shape{}};
  for (size_t d = 1; d < shape.size(); ++d)
    out.push_back(Shape(shape.begin() + long(d), shape.end()));
  for (size_t d = 0; d < shape.size(); ++d) {
    Shape s = shape;
    s[d] = 1;
    out.push_back(s);
  }
  return out;
}

/// A value of the program: an external (index) or an instruction's result.
struct Value {
  int ref;
  Shape shape;
  bool isBool;
};

/// The bytes of a host tensor.
std::string bytesOf(const Tensor &t) {
  return std::string(static_cast<const char *>(t.raw()), t.bytes());
}

/// The bytes of a float tensor with every NaN made the same: IEEE 754
/// leaves the sign and payload of a NaN an operation makes or passes on to
/// the hardware, and the host compiler may swap the operands of a sum or a
/// product (x86 then passes on the other NaN); every other value must be
/// the same bit for bit. (A GPU makes one canonical NaN.)
std::string bitsUpToNaN(const Tensor &t) {
  Tensor copy = t.clone();
  for (int64_t i = 0; i < copy.numel(); ++i) {
    if (copy.dtype() == DType::F32 && std::isnan(copy.data<float>()[i]))
      copy.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
    if (copy.dtype() == DType::F64 && std::isnan(copy.data<double>()[i]))
      copy.data<double>()[i] = std::numeric_limits<double>::quiet_NaN();
  }
  return bytesOf(copy);
}

/// Builds a random program over `externals` (device tensors; the bool ones
/// last), runs it fused and op by op, and expects the same bits.
void checkRandomProgram(std::mt19937 &rng, DType dtype, const Shape &shape,
                        int instructions) {
  const std::vector<OpCase> cases = opCases();
  // Externals: one float of the full shape, a few broadcast ones, and two
  // bool ones (one full, one broadcast).
  std::vector<Tensor> hostExternals;
  std::vector<Value> values;
  std::vector<Shape> variants = broadcastVariants(shape);
  int floats = 1 + int(rng() % 4);
  for (int k = 0; k < floats; ++k) {
    Shape s = k == 0 ? shape : variants[rng() % variants.size()];
    hostExternals.push_back(randomTensor({dtype, s}, rng, -3, 3));
  }
  hostExternals.push_back(randomTensor({DType::Bool, shape}, rng, 0, 1));
  hostExternals.push_back(randomTensor(
      {DType::Bool, variants[rng() % variants.size()]}, rng, 0, 1));
  const int externals = int(hostExternals.size());
  for (int k = 0; k < externals; ++k)
    values.push_back({k, hostExternals[size_t(k)].shape(),
                      hostExternals[size_t(k)].dtype() == DType::Bool});
  std::vector<Tensor> deviceValues;
  for (const Tensor &t : hostExternals)
    deviceValues.push_back(toDevice(t));

  auto pick = [&](bool full, bool isBool) {
    std::vector<int> candidates;
    for (size_t v = 0; v < values.size(); ++v)
      if (values[v].isBool == isBool && (!full || values[v].shape == shape))
        candidates.push_back(int(v));
    return candidates[rng() % candidates.size()];
  };
  std::vector<int64_t> ops, args;
  std::vector<double> params;
  std::string trace;
  for (int j = 0; j < instructions; ++j) {
    const OpCase &c = cases[rng() % cases.size()];
    // Operand 0 is mostly the previous result: a chain.
    bool chain = j > 0 && rng() % 4 != 0;
    int previous = int(values.size()) - 1;
    auto first = [&](bool full) {
      return chain ? previous : pick(full, false);
    };
    std::vector<int> operands;
    switch (c.form) {
    case Form::Binary: {
      operands = {first(false), pick(false, false)};
      if (broadcastOf(values[size_t(operands[0])].shape,
                      values[size_t(operands[1])].shape) != shape)
        operands[0] = pick(true, false);
      break;
    }
    case Form::Unary:
      operands = {first(true)};
      break;
    case Form::Grad:
      operands = {first(true), pick(true, false)};
      break;
    case Form::DropoutGrad:
      operands = {first(true), pick(true, true)};
      break;
    case Form::Extremum:
      operands = {first(true), pick(false, false), pick(false, false)};
      if (broadcastOf(values[size_t(operands[1])].shape,
                      values[size_t(operands[2])].shape) != shape)
        operands[1] = pick(true, false);
      break;
    case Form::Where:
      operands = {pick(false, true), first(false), pick(false, false)};
      if (broadcastOf(values[size_t(operands[0])].shape,
                      broadcastOf(values[size_t(operands[1])].shape,
                                  values[size_t(operands[2])].shape)) != shape)
        operands[1] = pick(true, false);
      break;
    }
    // The op on its own, on the device.
    KernelSpec spec;
    spec.op = c.op;
    spec.attrs = c.attributes;
    std::vector<Tensor> inputs;
    for (int v : operands) {
      spec.inputs.push_back(deviceValues[size_t(v)].type());
      inputs.push_back(deviceValues[size_t(v)]);
    }
    spec.outputs = {TensorType{dtype, shape}};
    trace += std::string(c.op) + " ";
    FusedInstruction instruction;
    ASSERT_TRUE(fusedInstructionOf(spec, instruction)) << trace;
    KernelFn fn;
    KernelFactory factory = target().registry->lookup(c.op, Backend::CUDA);
    ASSERT_NE(factory, nullptr);
    ASSERT_FALSE(factory(spec, fn)) << trace;
    Tensor out = Tensor::empty(spec.outputs[0], deviceContext().pool());
    std::vector<const Tensor *> in;
    for (const Tensor &t : inputs)
      in.push_back(&t);
    Tensor *outs[] = {&out};
    fn(deviceContext(), in.data(), outs);
    ASSERT_FALSE(deviceContext().failed()) << deviceContext().takeFailure();
    deviceValues.push_back(out);
    values.push_back({externals + j, shape, false});

    ops.push_back(int64_t(instruction.op));
    for (int k = 0; k < kernels::kFusedArgs; ++k)
      args.push_back(k < int(operands.size())
                         ? values[size_t(operands[size_t(k)])].ref
                         : -1);
    for (double p : instruction.params)
      params.push_back(p);
  }

  // The chain as one kernel, its output poisoned.
  KernelSpec fused;
  fused.op = kFusedElementwiseOp;
  fused.attrs = attrs({{"ops", ops}, {"args", args}, {"params", params}});
  std::vector<const Tensor *> in;
  for (int k = 0; k < externals; ++k) {
    fused.inputs.push_back(deviceValues[size_t(k)].type());
    in.push_back(&deviceValues[size_t(k)]);
  }
  fused.outputs = {TensorType{dtype, shape}};
  KernelFn fn;
  KernelFactory factory =
      target().registry->lookup(kFusedElementwiseOp, Backend::CUDA);
  ASSERT_NE(factory, nullptr);
  ASSERT_FALSE(factory(fused, fn)) << trace;
  Tensor poison = Tensor::empty(fused.outputs[0]);
  if (poison.bytes())
    std::memset(poison.raw(), 0xFF, poison.bytes());
  Tensor out = toDevice(poison);
  Tensor *outs[] = {&out};
  fn(deviceContext(), in.data(), outs);
  ASSERT_FALSE(deviceContext().failed()) << deviceContext().takeFailure();
  ASSERT_FALSE(target().device->synchronize(deviceContext().stream));
  EXPECT_EQ(bitsUpToNaN(fromDevice(out)),
            bitsUpToNaN(fromDevice(deviceValues.back())))
      << dtypeName(dtype) << " " << formatShape(shape) << ": " << trace;
}

TEST(FusedElementwise, RandomProgramsMatchTheOpsOneByOneBitForBit) {
  std::mt19937 rng(7);
  const Shape shapes[] = {Shape{37},    Shape{3, 5, 7},   Shape{2, 1, 9},
                          Shape{1},     Shape{},          Shape{0, 3},
                          Shape{4, 33}, Shape{2, 3, 2, 5}};
  for (DType dtype : {DType::F32, DType::F64})
    for (const Shape &shape : shapes)
      for (int trial = 0; trial < 12; ++trial) {
        int instructions = 1 + int(rng() % kernels::kMaxFusedInstructions);
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + formatShape(shape) +
                     " trial " + std::to_string(trial));
        checkRandomProgram(rng, dtype, shape, instructions);
        if (HasFatalFailure())
          return;
      }
}

TEST(FusedElementwise, FullLengthProgramsMatchTheOpsOneByOne) {
  // Programs of the most instructions a fused kernel holds.
  std::mt19937 rng(8);
  for (DType dtype : {DType::F32, DType::F64})
    for (int trial = 0; trial < 20; ++trial)
      checkRandomProgram(rng, dtype, Shape{5, 13},
                         kernels::kMaxFusedInstructions);
}

std::string fusedError(const Attributes &attributes,
                       const std::vector<TensorType> &inputs,
                       const TensorType &output) {
  return devicePrepareError(kFusedElementwiseOp, attributes, inputs, {output});
}

TEST(FusedElementwise, RejectsProgramsItCannotRun) {
  const TensorType f{DType::F32, {4}}, b{DType::Bool, {4}};
  auto program = [](std::vector<int64_t> ops, std::vector<int64_t> args) {
    return attrs({{"ops", ops},
                  {"args", args},
                  {"params", std::vector<double>(ops.size() * 2, 0.0)}});
  };
  const int64_t add = int64_t(FusedOp::Add), where = int64_t(FusedOp::Where);
  EXPECT_EQ(fusedError(program({add}, {0, 1, -1}), {f, f}, f), "");
  EXPECT_NE(fusedError(program({add}, {0, 2, -1}), {f, f}, f)
                .find("neither an external nor an earlier result"),
            std::string::npos);
  EXPECT_NE(fusedError(program({add}, {0, 1, 0}), {f, f}, f)
                .find("unused operands are -1"),
            std::string::npos);
  EXPECT_NE(fusedError(program({add}, {0, 1, -1}), {f, b}, f)
                .find("must not be a bool"),
            std::string::npos);
  EXPECT_NE(fusedError(program({where}, {0, 0, 1}), {f, f}, f)
                .find("must be a bool external"),
            std::string::npos);
  EXPECT_NE(
      fusedError(program({99}, {0, 1, -1}), {f, f}, f).find("unknown op code"),
      std::string::npos);
  std::vector<int64_t> many(size_t(kernels::kMaxFusedInstructions + 1), add);
  std::vector<int64_t> manyArgs;
  for (size_t j = 0; j < many.size(); ++j)
    manyArgs.insert(manyArgs.end(), {0, 0, -1});
  EXPECT_NE(fusedError(program(many, manyArgs), {f}, f).find("instructions"),
            std::string::npos);
  std::vector<TensorType> nine(9, f);
  EXPECT_NE(fusedError(program({add}, {0, 1, -1}), nine, f)
                .find("at most 8 external operands"),
            std::string::npos);
  EXPECT_NE(fusedError(program({add}, {0, 1, -1}),
                       {f, TensorType{DType::F32, {3}}}, f)
                .find("does not broadcast"),
            std::string::npos);
  EXPECT_NE(fusedError(program({add}, {0, 1, -1}),
                       {f, TensorType{DType::F64, {4}}}, f)
                .find("element type"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// The executor
//===----------------------------------------------------------------------===//

/// A function of x (4x5xf32) and b (5xf32) whose kernels and results are
/// filled in.
const char *kChainFunction = R"(
format_version: 2
functions {
  name: "f" role: FORWARD
  values { id: 0 name: "x" type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 1 name: "b" type { dtype: FLOAT32 shape: 5 } }
  values { id: 2 type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 3 type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 4 type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 5 type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 6 type { dtype: FLOAT32 shape: 4 shape: 5 } }
  values { id: 7 type { dtype: FLOAT64 shape: 4 shape: 5 } }
  values { id: 8 type { dtype: FLOAT32 } }
  arguments { value: 0 role: INPUT key: "x" }
  arguments { value: 1 role: INPUT key: "b" }
  KERNELS
  RESULTS
}
)";

/// y = tanh_grad(gelu(tanh(x * b + x)), tanh(x * b + x)): five ops.
const char *kChain = R"(
  kernels { op: "nn.mul" inputs: 0 inputs: 1 outputs: 2 location: "c:1" }
  kernels { op: "nn.add" inputs: 2 inputs: 0 outputs: 3 location: "c:2" }
  kernels { op: "nn.tanh" inputs: 3 outputs: 4 location: "c:3" }
  kernels { op: "nn.gelu" inputs: 4 outputs: 5 location: "c:4"
            attributes { name: "approximate" s: "tanh" } }
  kernels { op: "nn.tanh_grad" inputs: 5 inputs: 4 outputs: 6
            location: "c:5" }
)";

struct ExecutorRun {
  size_t kernels = 0, fusedKernels = 0, fusedOps = 0;
  int64_t peakBytes = 0; // kernel outputs at once, beyond the arguments
  std::vector<std::string> results; // their bytes
  std::string error;
};

ExecutorRun runFunction(const std::string &kernels, const std::string &results,
                        bool fuse, bool detectAnomaly = false) {
  std::string text = kChainFunction;
  text.replace(text.find("KERNELS"), 7, kernels);
  text.replace(text.find("RESULTS"), 7, results);
  program::Program prog;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &prog));
  FunctionExecutor ex;
  ExecutorOptions options;
  options.fuseElementwise = fuse;
  ExecutorRun run;
  if (Status s =
          FunctionExecutor::prepare(prog, 0, {}, *target().registry,
                                    Backend::CUDA, "p.pb", ex, options)) {
    run.error = s.message();
    return run;
  }
  run.kernels = ex.kernelCount();
  run.fusedKernels = ex.fusedKernelCount();
  run.fusedOps = ex.fusedOpCount();
  std::mt19937 rng(3);
  Tensor x = toDevice(randomTensor({DType::F32, {4, 5}}, rng, -2, 2));
  Tensor b = toDevice(randomTensor({DType::F32, {5}}, rng, -2, 2));
  KernelContext &ctx = deviceContext();
  ctx.detectAnomaly = detectAnomaly;
  EXPECT_FALSE(target().device->synchronize(ctx.stream));
  int64_t before = ctx.pool().stats().currentTotal;
  ctx.pool().resetPeaks();
  std::vector<Tensor> out;
  Status s = ex.run(ctx, {x, b}, out);
  ctx.detectAnomaly = false;
  if (s) {
    run.error = s.message();
    return run;
  }
  EXPECT_FALSE(target().device->synchronize(ctx.stream));
  run.peakBytes = ctx.pool().stats().peakTotal - before;
  for (const Tensor &t : out)
    run.results.push_back(bytesOf(fromDevice(t)));
  return run;
}

const char *kResultY = R"(results { value: 6 role: OUTPUT key: "y" })";

TEST(ExecutorFusion, ReplacesAChainByOneKernelWithTheSameBits) {
  ExecutorRun plain = runFunction(kChain, kResultY, false);
  ExecutorRun fused = runFunction(kChain, kResultY, true);
  ASSERT_EQ(plain.error, "");
  ASSERT_EQ(fused.error, "");
  EXPECT_EQ(plain.kernels, 5u);
  EXPECT_EQ(plain.fusedKernels, 0u);
  EXPECT_EQ(fused.kernels, 1u);
  EXPECT_EQ(fused.fusedKernels, 1u);
  EXPECT_EQ(fused.fusedOps, 5u);
  EXPECT_EQ(fused.results, plain.results);
  // The intermediates are never allocated: one 4x5xf32 buffer (80 bytes,
  // 128 in the pool) instead of up to three at once.
  EXPECT_LT(fused.peakBytes, plain.peakBytes);
  EXPECT_EQ(fused.peakBytes, 128);
}

TEST(ExecutorFusion, ReleasesTheExternalsAfterTheFusedKernel) {
  program::Program prog;
  std::string text = kChainFunction;
  text.replace(text.find("KERNELS"), 7, kChain);
  text.replace(text.find("RESULTS"), 7, kResultY);
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &prog));
  FunctionExecutor ex;
  ExecutorOptions options;
  options.fuseElementwise = true;
  ASSERT_FALSE(FunctionExecutor::prepare(prog, 0, {}, *target().registry,
                                         Backend::CUDA, "p.pb", ex, options));
  ASSERT_EQ(ex.kernelCount(), 1u);
  EXPECT_EQ(ex.releasedAfter(0), (std::vector<uint32_t>{0, 1}));
}

TEST(ExecutorFusion, IsOffByDefaultAndOnTheCpu) {
  ExecutorRun plain = runFunction(kChain, kResultY, false);
  EXPECT_EQ(plain.kernels, 5u);
  // The CPU has no pp.fused_elementwise: asking changes nothing there.
  KernelRegistry cpu;
  registerCpuKernels(cpu);
  EXPECT_EQ(cpu.lookup(kFusedElementwiseOp, Backend::CPU), nullptr);
}

TEST(ExecutorFusion, AReturnedIntermediateEndsAChain) {
  // x * b + x is a result too: the chain splits after it.
  std::string results =
      std::string(kResultY) + R"( results { value: 3 role: OUTPUT key: "h" })";
  ExecutorRun plain = runFunction(kChain, results, false);
  ExecutorRun fused = runFunction(kChain, results, true);
  ASSERT_EQ(fused.error, "");
  EXPECT_EQ(fused.kernels, 2u);
  EXPECT_EQ(fused.fusedKernels, 2u);
  EXPECT_EQ(fused.results, plain.results);
}

TEST(ExecutorFusion, AnIntermediateReadAfterTheChainIsKept) {
  // x * b + x is also cast to f64 after the chain: it is materialised (the
  // chain splits after it), so the cast reads it.
  std::string kernels =
      std::string(kChain) +
      R"(kernels { op: "nn.cast" inputs: 3 outputs: 7 location: "c:6" })";
  std::string results =
      std::string(kResultY) + R"( results { value: 7 role: OUTPUT key: "d" })";
  ExecutorRun plain = runFunction(kernels, results, false);
  ExecutorRun fused = runFunction(kernels, results, true);
  ASSERT_EQ(fused.error, "");
  EXPECT_EQ(fused.kernels, 3u); // [mul, add], [tanh, gelu, tanh_grad], cast
  EXPECT_EQ(fused.fusedOps, 5u);
  EXPECT_EQ(fused.results, plain.results);

  // x * b read after the chain: mul cannot end a run of two, exp alone is
  // not fused.
  std::string unfusable = R"(
    kernels { op: "nn.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "nn.exp" inputs: 2 outputs: 3 }
    kernels { op: "nn.cast" inputs: 2 outputs: 7 })";
  ExecutorRun none = runFunction(unfusable,
                                 R"(results { value: 3 role: OUTPUT key: "e" }
         results { value: 7 role: OUTPUT key: "d" })",
                                 true);
  ASSERT_EQ(none.error, "");
  EXPECT_EQ(none.kernels, 3u);
  EXPECT_EQ(none.fusedKernels, 0u);
}

TEST(ExecutorFusion, ConstantsBetweenTheOpsMoveBeforeTheFusedKernel) {
  // (x * b) / 2 with the constant made between the two ops, as exporters
  // write attention's scaling.
  std::string kernels = R"(
    kernels { op: "nn.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "nn.constant" outputs: 8
              attributes { name: "value" tensor { type { dtype: FLOAT32 }
                                                  raw: "\000\000\000@" } } }
    kernels { op: "nn.div" inputs: 2 inputs: 8 outputs: 3 })";
  const char *results = R"(results { value: 3 role: OUTPUT key: "h" })";
  ExecutorRun plain = runFunction(kernels, results, false);
  ExecutorRun fused = runFunction(kernels, results, true);
  ASSERT_EQ(fused.error, "");
  EXPECT_EQ(fused.kernels, 2u); // the constant, then [mul, div]
  EXPECT_EQ(fused.fusedOps, 2u);
  EXPECT_EQ(fused.results, plain.results);
}

TEST(ExecutorFusion, MessagesNameTheFusedOps) {
  // log(-(x * x)) makes NaN; --detect-anomaly names the ops of the fused
  // kernel that made it.
  std::string kernels = R"(
    kernels { op: "nn.mul" inputs: 0 inputs: 0 outputs: 2 location: "m:1" }
    kernels { op: "nn.neg" inputs: 2 outputs: 3 location: "m:2" }
    kernels { op: "nn.log" inputs: 3 outputs: 4 location: "m:3" })";
  ExecutorRun run = runFunction(
      kernels, R"(results { value: 4 role: OUTPUT key: "l" })", true,
      /*detectAnomaly=*/true);
  EXPECT_NE(run.error.find("fused kernel of ops 'm:1' (nn.mul), 'm:2' "
                           "(nn.neg), 'm:3' (nn.log) made nan"),
            std::string::npos)
      << run.error;
}

} // namespace
