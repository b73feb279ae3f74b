//===- ExecutorTest.cpp - Preparing and running one function --------------===//

#include "ProgramFixture.h"
#include "TestKernels.h"

#include "pp/Runtime/Executor.h"

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

class ExecutorTest : public ::testing::Test {
protected:
  void SetUp() override {
    registerTestKernels(registry);
    params = {Tensor::zeros({DType::F32, {2}})};
  }

  /// Prepares function `index` of the program in `text`, whose parameter
  /// storage is `params`, for `backend`.
  Status prepare(const std::string &text, FunctionExecutor &ex,
                 uint32_t index = 0, Backend backend = Backend::CPU) {
    prog = parseProgram(text);
    return FunctionExecutor::prepare(prog, index, params, registry, backend,
                                     "p.pb", ex);
  }

  KernelRegistry registry;
  program::Program prog;
  std::vector<Tensor> params;
  BufferPool pool;
  KernelContext ctx{pool};
};

/// One function over a 2xf32 parameter and an input; {KERNELS} and
/// {RESULTS} are filled in by each test.
const char *kOneFunction = R"(
format_version: 2
parameters { name: "s" type { dtype: FLOAT32 shape: 2 } state: true
             offset: 0 length: 8 }
functions {
  name: "f" role: FORWARD
  values { id: 0 name: "x" type { dtype: FLOAT32 shape: 2 } }
  values { id: 1 name: "s" type { dtype: FLOAT32 shape: 2 } }
  values { id: 2 type { dtype: FLOAT32 shape: 2 } }
  values { id: 3 type { dtype: FLOAT32 shape: 2 } }
  values { id: 4 type { dtype: INT64 } }
  values { id: 5 type { dtype: INT64 } }
  arguments { value: 0 role: INPUT key: "x" }
  parameters { value: 1 parameter: 0 }
  {KERNELS}
  {RESULTS}
}
)";

std::string oneFunction(const std::string &kernels,
                        const std::string &results) {
  return substitute(substitute(kOneFunction, "{KERNELS}", kernels), "{RESULTS}",
                    results);
}

TEST_F(ExecutorTest, RunsKernelsInOrder) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {2, 3})};
  ASSERT_FALSE(prepare(oneFunction(R"(
    kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "test.scale" inputs: 2 outputs: 3
              attributes { name: "factor" f: 0.5 } })",
                                   R"(results { value: 3 role: OUTPUT
                                                key: "y" })"),
                       ex));
  std::vector<Tensor> results;
  ASSERT_FALSE(
      ex.run(ctx, {makeTensor<float>(DType::F32, {2}, {4, 5})}, results));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(values<float>(results[0]), (std::vector<float>{4, 7.5f}));
  EXPECT_EQ(ex.results()[0].key, "y");
  EXPECT_EQ(ex.arguments()[0].type.str(), "2xf32");
}

TEST_F(ExecutorTest, BindsParametersWithoutCopying) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {2, 3})};
  ASSERT_FALSE(prepare(oneFunction(R"(
    kernels { op: "test.address" inputs: 1 outputs: 4 })",
                                   R"(results { value: 4 role: OUTPUT
                                                key: "a" })"),
                       ex));
  std::vector<Tensor> results;
  ASSERT_FALSE(ex.run(ctx, {Tensor::zeros({DType::F32, {2}})}, results));
  EXPECT_EQ(*results[0].data<int64_t>(),
            int64_t(reinterpret_cast<intptr_t>(params[0].raw())));
}

TEST_F(ExecutorTest, StateKernelsUpdateParametersInPlace) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {0, 10})};
  ASSERT_FALSE(prepare(oneFunction(R"(
    kernels { op: "test.bump" inputs: 1 outputs: 2 })",
                                   R"(results { value: 2 role: OUTPUT
                                                key: "old" })"),
                       ex));
  std::vector<Tensor> results;
  ASSERT_FALSE(ex.run(ctx, {Tensor::zeros({DType::F32, {2}})}, results));
  ASSERT_FALSE(ex.run(ctx, {Tensor::zeros({DType::F32, {2}})}, results));
  EXPECT_EQ(values<float>(results[0]), (std::vector<float>{1, 11}));
  EXPECT_EQ(values<float>(params[0]), (std::vector<float>{2, 12}));
}

TEST_F(ExecutorTest, ReleasesBuffersAfterTheirLastUse) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {1, 1})};
  // 2 = x * s is read by kernels 1 and 2; 3 is never read; 4 is a result.
  ASSERT_FALSE(prepare(oneFunction(R"(
    kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "test.mul" inputs: 2 inputs: 2 outputs: 3 }
    kernels { op: "test.address" inputs: 2 outputs: 4 })",
                                   R"(results { value: 4 role: OUTPUT
                                                key: "a" })"),
                       ex));
  EXPECT_EQ(ex.releasedAfter(0), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(ex.releasedAfter(1), (std::vector<uint32_t>{3}));
  EXPECT_EQ(ex.releasedAfter(2), (std::vector<uint32_t>{2}));
}

TEST_F(ExecutorTest, ResultsNeverAliasParametersOrEachOther) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {1, 2})};
  ASSERT_FALSE(prepare(oneFunction("", R"(
    results { value: 0 role: SAVED key: "s0" }
    results { value: 1 role: SAVED key: "s1" }
    results { value: 1 role: SAVED key: "s2" })"),
                       ex));
  Tensor x = makeTensor<float>(DType::F32, {2}, {5, 6});
  std::vector<Tensor> results;
  ASSERT_FALSE(ex.run(ctx, {x}, results));
  ASSERT_EQ(results.size(), 3u);
  // A saved argument keeps its buffer: nobody writes to it (a recomputing
  // backward keeps its function's inputs this way, without a copy).
  EXPECT_EQ(results[0].raw(), x.raw());
  EXPECT_NE(results[1].raw(), params[0].raw());
  EXPECT_NE(results[2].raw(), results[1].raw());
  EXPECT_EQ(values<float>(results[0]), (std::vector<float>{5, 6}));
  EXPECT_EQ(values<float>(results[2]), (std::vector<float>{1, 2}));
}

/// Two test.key kernels with random ids 5 and 9.
const char *kRandomKeys = R"(
format_version: 2
functions {
  name: "f" role: FORWARD
  values { id: 0 name: "x" type { dtype: FLOAT32 shape: 2 } }
  values { id: 1 type { dtype: INT64 shape: 4 } }
  values { id: 2 type { dtype: INT64 shape: 4 } }
  arguments { value: 0 role: INPUT key: "x" }
  kernels { op: "test.key" outputs: 1 random_id: 5 }
  kernels { op: "test.key" outputs: 2 random_id: 9 }
  results { value: 1 role: OUTPUT key: "a" }
  results { value: 2 role: OUTPUT key: "b" }
}
)";

TEST_F(ExecutorTest, KernelsDrawFromTheContextsKeyAndTheirRandomId) {
  FunctionExecutor ex;
  ASSERT_FALSE(prepare(kRandomKeys, ex));
  ctx.seed = 42;
  ctx.step = 3;
  ctx.microbatch = 1;
  std::vector<Tensor> results;
  ASSERT_FALSE(ex.run(ctx, {Tensor::zeros({DType::F32, {2}})}, results));
  EXPECT_EQ(values<int64_t>(results[0]), (std::vector<int64_t>{42, 3, 1, 5}));
  EXPECT_EQ(values<int64_t>(results[1]), (std::vector<int64_t>{42, 3, 1, 9}));
  // Nothing is kept between runs: the key is the context's as it is now.
  ctx.microbatch = 0;
  ASSERT_FALSE(ex.run(ctx, {Tensor::zeros({DType::F32, {2}})}, results));
  EXPECT_EQ(values<int64_t>(results[0]), (std::vector<int64_t>{42, 3, 0, 5}));
}

TEST_F(ExecutorTest, OutputsComeFromTheContextsPool) {
  FunctionExecutor ex;
  params = {makeTensor<float>(DType::F32, {2}, {2, 3})};
  ASSERT_FALSE(prepare(oneFunction(R"(
    kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "test.scale" inputs: 2 outputs: 3
              attributes { name: "factor" f: 0.5 } })",
                                   R"(results { value: 3 role: OUTPUT
                                                key: "y" }
                                      results { value: 1 role: OUTPUT
                                                key: "s" })"),
                       ex));
  std::vector<Tensor> results;
  ASSERT_FALSE(
      ex.run(ctx, {makeTensor<float>(DType::F32, {2}, {4, 5})}, results));
  // Two kernel outputs were live at once (64 bytes each); the results are
  // the product's scaled copy and the parameter's copy.
  MemoryStats stats = pool.stats();
  EXPECT_EQ(stats.peakOf(MemoryKind::Workspace), 128);
  EXPECT_EQ(stats.currentOf(MemoryKind::Workspace), 128);
  EXPECT_EQ(values<float>(results[0]), (std::vector<float>{4, 7.5f}));
  results.clear();
  EXPECT_EQ(pool.stats().currentTotal, 0);
  EXPECT_EQ(pool.cachedBytes(), 128u);
}

TEST_F(ExecutorTest, RunsNeedAContextOfTheirBackend) {
  FunctionExecutor ex;
  ASSERT_FALSE(prepare(oneFunction("", ""), ex));
  KernelContext cuda(pool, Backend::CUDA);
  std::vector<Tensor> results;
  Status s = ex.run(cuda, {Tensor::zeros({DType::F32, {2}})}, results);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "p.pb: function 'f': prepared for the CPU backend, "
                         "run with a CUDA context");
}

TEST_F(ExecutorTest, KernelsAreLookedUpForTheBackend) {
  FunctionExecutor ex;
  Status s = prepare(oneFunction(R"(
    kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 2 })",
                                 ""),
                     ex, 0, Backend::CUDA);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            "p.pb: function 'f': kernel 0: no CUDA kernel for test.mul");
}

TEST_F(ExecutorTest, OpsWithoutKernelsAreNamedAtPreparation) {
  FunctionExecutor ex;
  Status s = prepare(oneFunction(R"(
    kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 2 }
    kernels { op: "nn.frobnicate" inputs: 2 outputs: 3
              location: "model.onnx:node 'F'" }
    kernels { op: "nn.wibble" inputs: 3 outputs: 2 })",
                                 ""),
                     ex);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            "p.pb: function 'f': kernel 1: no CPU kernel for nn.frobnicate "
            "at model.onnx:node 'F' (ops without a CPU kernel: "
            "nn.frobnicate nn.wibble)");
}

TEST_F(ExecutorTest, FactoryErrorsNameTheKernel) {
  FunctionExecutor ex;
  Status s = prepare(oneFunction(R"(
    kernels { op: "test.scale" inputs: 0 outputs: 2 location: "m.onnx:3" })",
                                 ""),
                     ex);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "p.pb: function 'f': kernel 0: test.scale at "
                         "m.onnx:3: attribute 'factor' is missing");
}

TEST_F(ExecutorTest, ArgumentsMustHaveTheirTypes) {
  FunctionExecutor ex;
  ASSERT_FALSE(prepare(oneFunction("", ""), ex));
  std::vector<Tensor> results;
  Status s = ex.run(ctx, {Tensor::zeros({DType::F64, {2}})}, results);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            "p.pb: function 'f': argument 'x' is 2xf64, expected 2xf32");
  s = ex.run(ctx, {}, results);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            "p.pb: function 'f': called with 0 arguments, expected 1");
}

/// A reshape kernel that must never run: the executor runs reshape-like ops
/// as reinterpretations.
Status neverRunReshape(const KernelSpec &, KernelFn &out) {
  out = [](KernelContext &, const Tensor *const *, Tensor *const *) {
    ADD_FAILURE() << "nn.reshape ran as a kernel";
  };
  return Status::ok();
}

TEST_F(ExecutorTest, ReshapesAreViewsAndResultsNeverAliasInputs) {
  registry.add("nn.reshape", Backend::CPU, neverRunReshape);
  params = {makeTensor<float>(DType::F32, {2}, {2, 3})};
  FunctionExecutor ex;
  ASSERT_FALSE(prepare(R"(
format_version: 2
parameters { name: "s" type { dtype: FLOAT32 shape: 2 } offset: 0 length: 8 }
functions {
  name: "f" role: FORWARD
  values { id: 0 name: "x" type { dtype: FLOAT32 shape: 2 } }
  values { id: 1 name: "s" type { dtype: FLOAT32 shape: 2 } }
  values { id: 2 type { dtype: FLOAT32 shape: 1 shape: 2 } }
  values { id: 3 type { dtype: FLOAT32 shape: 2 shape: 1 } }
  values { id: 4 type { dtype: FLOAT32 shape: 2 } }
  values { id: 5 type { dtype: FLOAT32 shape: 1 shape: 2 } }
  values { id: 6 type { dtype: FLOAT32 shape: 2 shape: 1 } }
  arguments { value: 0 role: INPUT key: "x" }
  parameters { value: 1 parameter: 0 }
  kernels { op: "nn.reshape" inputs: 0 outputs: 2 }
  kernels { op: "nn.reshape" inputs: 1 outputs: 3 }
  kernels { op: "test.mul" inputs: 0 inputs: 1 outputs: 4 }
  kernels { op: "nn.reshape" inputs: 4 outputs: 5 }
  kernels { op: "nn.reshape" inputs: 4 outputs: 6 }
  results { value: 2 role: OUTPUT key: "of_argument" }
  results { value: 3 role: OUTPUT key: "of_parameter" }
  results { value: 5 role: OUTPUT key: "of_product" }
  results { value: 6 role: OUTPUT key: "of_product_again" }
}
)",
                       ex));
  Tensor x = makeTensor<float>(DType::F32, {2}, {4, 5});
  std::vector<Tensor> results;
  ASSERT_FALSE(ex.run(ctx, {x}, results));
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].type().str(), "1x2xf32");
  EXPECT_EQ(values<float>(results[0]), (std::vector<float>{4, 5}));
  EXPECT_EQ(values<float>(results[1]), (std::vector<float>{2, 3}));
  EXPECT_EQ(values<float>(results[2]), (std::vector<float>{8, 15}));
  EXPECT_EQ(values<float>(results[3]), (std::vector<float>{8, 15}));
  // Views of an argument or a parameter are copied on return, and two
  // results never share memory; the first view of an internal value is
  // returned as it is.
  EXPECT_NE(results[0].raw(), x.raw());
  EXPECT_NE(results[1].raw(), params[0].raw());
  EXPECT_NE(results[2].raw(), results[3].raw());
}

} // namespace
