//===- StepRunnerTest.cpp - Microbatched steps, training, gradient checks -===//
//
// On the linear program of ProgramFixture.h with w = [0.5, -1], two
// microbatches of two elements and x = [1, 2, 3, 4]:
//   loss = (mean(w * [1, 2]) + mean(w * [3, 4])) / 2 = (-0.75 - 1.25) / 2
//   dloss/dw = ([1, 2] + [3, 4]) / 4 = [1, 1.5]
//   dloss/dx = w / 4 per microbatch = [0.125, -0.25, 0.125, -0.25]
//
//===----------------------------------------------------------------------===//

#include "ProgramFixture.h"
#include "TestKernels.h"

#include "pp/Runtime/GradCheck.h"
#include "pp/Runtime/StepRunner.h"
#include "pp/Runtime/Trainer.h"

#include <cmath>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

class StepRunnerTest : public ::testing::Test {
protected:
  void SetUp() override { registerTestKernels(registry); }

  void load(
      const std::string &dtype = "FLOAT32", int microbatches = 2,
      const std::string &weightKernel = R"(op: "test.mul" inputs: 1 inputs: 0)",
      bool training = true) {
    loadText(linearProgram(dtype, microbatches, weightKernel), dtype,
             microbatches, training);
  }

  void loadText(const std::string &program, const std::string &dtype,
                int microbatches, bool training) {
    writeProgramDir(dir.path(), linearManifest(dtype, microbatches), program,
                    linearWeights(dtype));
    ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
    Status s = StepRunner::create(loaded, registry, 0, training, runner);
    ASSERT_FALSE(s) << s.message();
  }

  Batch batchOf(std::vector<float> x) {
    return {{"x", makeTensor<float>(DType::F32, {int64_t(x.size())}, x)}};
  }

  TempDir dir;
  KernelRegistry registry;
  ProgramDirectory loaded;
  std::unique_ptr<StepRunner> runner;
};

TEST_F(StepRunnerTest, AccumulatesGradientsOverMicrobatches) {
  load();
  double loss = 0;
  Gradients grads;
  ASSERT_FALSE(runner->forwardBackward(batchOf({1, 2, 3, 4}), loss, grads,
                                       /*inputGradients=*/true));
  EXPECT_DOUBLE_EQ(loss, -1.0);
  ASSERT_EQ(grads.parameters.size(), 1u);
  EXPECT_EQ(values<float>(grads.parameters[0]), (std::vector<float>{1, 1.5f}));
  EXPECT_EQ(values<float>(grads.inputs.at("x")),
            (std::vector<float>{0.125f, -0.25f, 0.125f, -0.25f}));
  EXPECT_EQ(runner->batchSize(), 4);
}

TEST_F(StepRunnerTest, OneMicrobatchGivesTheSameGradient) {
  // With m = 1 and x = [1, 2] + [3, 4] averaged: the same mean loss needs
  // x = [2, 3]: loss = mean(0.5 * 2, -1 * 3) = -1, dloss/dw = [1, 1.5].
  load("FLOAT32", 1);
  double loss = 0;
  Gradients grads;
  ASSERT_FALSE(runner->forwardBackward(batchOf({2, 3}), loss, grads));
  EXPECT_DOUBLE_EQ(loss, -1.0);
  EXPECT_EQ(values<float>(grads.parameters[0]), (std::vector<float>{1, 1.5f}));
}

TEST_F(StepRunnerTest, TrainerStepsTheOptimizer) {
  load();
  OptimizerOptions sgd;
  sgd.lr = 0.1;
  std::unique_ptr<Trainer> trainer;
  ASSERT_FALSE(Trainer::create(*runner, registry, sgd, trainer));
  double loss = 0;
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  EXPECT_DOUBLE_EQ(loss, -1.0);
  EXPECT_EQ(values<float>(runner->parameters()[0]),
            (std::vector<float>{0.4f, -1.15f}));
  // The second step sees the updated weights: mean loss of
  // 0.4 * [1, 3] and -1.15 * [2, 4] averaged = (0.4 * 2 - 1.15 * 3) / 2.
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  EXPECT_NEAR(loss, (0.4 * 2 - 1.15 * 3) / 2, 1e-6);
  EXPECT_EQ(trainer->steps(), 2);
}

TEST_F(StepRunnerTest, NonFiniteLossStopsBeforeTheUpdate) {
  load();
  std::unique_ptr<Trainer> trainer;
  ASSERT_FALSE(Trainer::create(*runner, registry, OptimizerOptions(), trainer));
  double loss = 0;
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  std::vector<float> before = values<float>(runner->parameters()[0]);
  Status s = trainer->step(batchOf({1, NAN, 3, 4}), loss);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "step 2: loss is nan");
  EXPECT_EQ(values<float>(runner->parameters()[0]), before);
  s = trainer->step(batchOf({1, INFINITY, 3, 4}), loss);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "step 3: loss is -inf");
}

TEST_F(StepRunnerTest, InferStacksMicrobatchOutputs) {
  // F also returns w * x as output "wx".
  loadText(substitute(linearProgram(), R"(results { value: 0 role: SAVED)",
                      R"(results { value: 2 role: OUTPUT key: "wx" }
                         results { value: 0 role: SAVED)"),
           "FLOAT32", 2, /*training=*/false);
  std::map<std::string, Tensor> outputs;
  ASSERT_FALSE(runner->infer(batchOf({1, 2, 3, 4}), outputs));
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(values<float>(outputs.at("wx")),
            (std::vector<float>{0.5f, -2, 1.5f, -4}));
  // The 0-d loss is the mean over the microbatches.
  EXPECT_EQ(*outputs.at("loss").data<float>(), -1.0f);
}

TEST_F(StepRunnerTest, ChecksTheBatch) {
  load();
  Status s = runner->checkBatch(batchOf({1, 2}));
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "input 'x': expected 4xf32, found 2xf32");
  s = runner->checkBatch({});
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "no data for input 'x'");
}

TEST_F(StepRunnerTest, InferenceOnlyRunnersRefuseTraining) {
  load("FLOAT32", 2, R"(op: "test.mul" inputs: 1 inputs: 0)",
       /*training=*/false);
  double loss = 0;
  Gradients grads;
  EXPECT_TRUE(
      bool(runner->forwardBackward(batchOf({1, 2, 3, 4}), loss, grads)));
  EXPECT_FALSE(runner->forwardLoss(batchOf({1, 2, 3, 4}), loss));
  EXPECT_DOUBLE_EQ(loss, -1.0);
}

TEST_F(StepRunnerTest, GradCheckPassesForRightGradients) {
  load("FLOAT64");
  Batch batch;
  ASSERT_FALSE(
      makeRandomBatch(runner->manifest(), runner->program(), 7, batch));
  randomizeParameters(*runner, 7);
  std::vector<double> x = {batch["x"].data<double>(),
                           batch["x"].data<double>() + 4};
  std::vector<TensorGradCheck> checks;
  ASSERT_FALSE(gradCheck(*runner, batch, checks));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].name, "x");
  EXPECT_TRUE(checks[0].input);
  EXPECT_EQ(checks[1].name, "W"); // the source name
  for (const TensorGradCheck &c : checks)
    EXPECT_LT(c.worstError, 1e-8) << c.name;
  // Perturbations are undone exactly.
  EXPECT_EQ(std::vector<double>(batch["x"].data<double>(),
                                batch["x"].data<double>() + 4),
            x);
}

TEST_F(StepRunnerTest, GradCheckFindsWrongGradients) {
  // W returns 2 * c0 instead of c0 * x.
  load("FLOAT64", 2,
       R"(op: "test.scale" inputs: 1 attributes { name: "factor" f: 2 })");
  Batch batch;
  ASSERT_FALSE(
      makeRandomBatch(runner->manifest(), runner->program(), 7, batch));
  std::vector<TensorGradCheck> checks;
  ASSERT_FALSE(gradCheck(*runner, batch, checks));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_LT(checks[0].worstError, 1e-8); // B is right
  EXPECT_GT(checks[1].worstError, 0.1);  // W is not
  EXPECT_GE(checks[1].worstIndex, 0);
}

TEST_F(StepRunnerTest, RunsSetTheRandomKeyOfTheirMicrobatch) {
  // F also returns its kernel context's random key as output "key".
  std::string program =
      substitute(substitute(linearProgram(), R"(values { id: 3 name: "loss")",
                            R"(values { id: 4 type { dtype: INT64 shape: 4 } }
                    values { id: 3 name: "loss")"),
                 R"(results { value: 0 role: SAVED)",
                 R"(kernels { op: "test.key" outputs: 4 random_id: 6 }
         results { value: 4 role: OUTPUT key: "key" }
         results { value: 0 role: SAVED)");
  writeProgramDir(dir.path(), linearManifest(), program, linearWeights());
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  ASSERT_FALSE(StepRunner::create(loaded, registry, /*seed=*/11,
                                  /*training=*/false, runner));
  runner->setStep(4);
  std::map<std::string, Tensor> outputs;
  ASSERT_FALSE(runner->infer(batchOf({1, 2, 3, 4}), outputs));
  // Microbatch 0's key, then microbatch 1's, stacked.
  EXPECT_EQ(values<int64_t>(outputs.at("key")),
            (std::vector<int64_t>{11, 4, 0, 6, 11, 4, 1, 6}));
}

TEST_F(StepRunnerTest, TheTrainerSetsTheStepOfTheRandomKey) {
  load();
  std::unique_ptr<Trainer> trainer;
  ASSERT_FALSE(Trainer::create(*runner, registry, OptimizerOptions(), trainer));
  double loss = 0;
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  EXPECT_EQ(runner->context().step, 2);
}

TEST_F(StepRunnerTest, CountsWhatTheStageHoldsByKind) {
  load();
  // Parameters are mapped, counted as external memory: w, 8 bytes.
  EXPECT_EQ(runner->memoryStats().currentOf(MemoryKind::Parameters), 8);
  double loss = 0;
  Gradients grads;
  ASSERT_FALSE(runner->forwardBackward(batchOf({1, 2, 3, 4}), loss, grads,
                                       /*inputGradients=*/true));
  MemoryStats stats = runner->memoryStats();
  // Buffers count 64 bytes each (their capacity). Between F and W a
  // microbatch holds its saved x (the batch's own rows, kept without a
  // copy) and its cotangent c0 (activations).
  EXPECT_EQ(stats.peakOf(MemoryKind::Activations), 64);
  EXPECT_EQ(stats.currentOf(MemoryKind::Activations), 0);
  // The gradient of w and the whole-batch gradient of x.
  EXPECT_EQ(stats.currentOf(MemoryKind::Gradients), 128);
  EXPECT_EQ(stats.currentOf(MemoryKind::Workspace), 0);
  EXPECT_GT(stats.peakOf(MemoryKind::Workspace), 0);
  EXPECT_EQ(stats.currentTotal, 8 + 128);
  EXPECT_GE(stats.peakTotal, 8 + 128 + 128);
  grads = Gradients();
  EXPECT_EQ(runner->memoryStats().currentOf(MemoryKind::Gradients), 0);

  // AdamW's two moments of w.
  OptimizerOptions adamw;
  adamw.kind = OptimizerKind::AdamW;
  std::unique_ptr<Trainer> trainer;
  ASSERT_FALSE(Trainer::create(*runner, registry, adamw, trainer));
  ASSERT_FALSE(trainer->step(batchOf({1, 2, 3, 4}), loss));
  EXPECT_EQ(runner->memoryStats().currentOf(MemoryKind::OptimizerState), 128);
}

TEST_F(StepRunnerTest, TrainingNeedsTheAccumulationKernel) {
  writeProgramDir(dir.path(), linearManifest(), linearProgram(),
                  linearWeights());
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  KernelRegistry bare;
  for (const std::string &op : registry.names(Backend::CPU))
    if (op != "pp.accumulate")
      bare.add(op, Backend::CPU, registry.lookup(op, Backend::CPU));
  Status s = StepRunner::create(loaded, bare, 0, true, runner);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            "no CPU kernel for pp.accumulate (gradient accumulation)");
}

TEST(RandomBatch, IntegerInputsRespectTheirReaders) {
  // Labels read by a cross-entropy over 3 classes, indices by a gather
  // from a 5-row table along axis 0.
  program::Manifest manifest;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(inputs { name: "labels" type { dtype: INT64 shape: 64 } }
         inputs { name: "ids" type { dtype: INT32 shape: 64 } }
         inputs { name: "free" type { dtype: INT64 shape: 8 } }
         inputs { name: "mask" type { dtype: BOOL shape: 8 } })",
      &manifest));
  program::Program prog = parseProgram(R"(
    functions {
      name: "forward" role: FORWARD
      values { id: 0 type { dtype: FLOAT32 shape: 64 shape: 3 } }
      values { id: 1 type { dtype: INT64 shape: 64 } }
      values { id: 2 type { dtype: FLOAT32 shape: 5 shape: 4 } }
      values { id: 3 type { dtype: INT32 shape: 64 } }
      arguments { value: 1 role: INPUT key: "labels" }
      arguments { value: 3 role: INPUT key: "ids" }
      kernels { op: "nn.softmax_cross_entropy" inputs: 0 inputs: 1 }
      kernels { op: "nn.gather" inputs: 2 inputs: 3
                attributes { name: "axis" i: 0 } }
    })");
  Batch batch;
  ASSERT_FALSE(makeRandomBatch(manifest, prog, 1, batch));
  std::vector<int64_t> labels = values<int64_t>(batch["labels"]);
  std::vector<int32_t> ids = values<int32_t>(batch["ids"]);
  EXPECT_EQ(*std::max_element(labels.begin(), labels.end()), 2);
  EXPECT_EQ(*std::min_element(labels.begin(), labels.end()), 0);
  EXPECT_EQ(*std::max_element(ids.begin(), ids.end()), 4);
  EXPECT_EQ(values<int64_t>(batch["free"]), std::vector<int64_t>(8, 0));
  for (uint8_t b : values<uint8_t>(batch["mask"]))
    EXPECT_LE(b, 1);
}

} // namespace
