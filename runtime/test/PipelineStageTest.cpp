//===- PipelineStageTest.cpp - Running the stages of a pipeline -----------===//
//
// PipelineStage and LocalPipeline on the chains of ProgramFixture.h (each
// virtual stage scales its input by its own parameter; the last takes the
// mean; "t" is a parameter tied between the first and the last virtual
// stage): the numbers a pipeline gives, what must be bit-identical (run to
// run; a W run out of microbatch order; the same virtual stages on one stage
// or two), failures, memory accounting and timing. The same tests run under
// ThreadSanitizer (PPPipelineTsanTests).
//
//===----------------------------------------------------------------------===//

#include "ProgramFixture.h"
#include "TestKernels.h"

#include "pp/Runtime/FloatEnvironment.h"
#include "pp/Runtime/LocalPipeline.h"
#include "pp/Runtime/Profiler.h"

#include <algorithm>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

/// A loaded chain and its pipeline.
class PipelineStageTest : public ::testing::Test {
protected:
  void SetUp() override { registerTestKernels(registry); }

  /// Writes the chain of `spec` with `lists` (default: chainSchedule) and
  /// prepares it.
  void load(const ChainSpec &spec, std::vector<std::string> lists = {},
            const StageOptions &options = sgd()) {
    if (lists.empty())
      lists = chainSchedule(spec);
    std::vector<std::string> programs;
    for (int s = 0; s < spec.stages; ++s)
      programs.push_back(chainProgram(spec, s, lists[size_t(s)]));
    writeChainDir(dir.path(), chainManifest(spec), programs);
    loaded = ProgramDirectory();
    ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
    pipeline.reset();
    Status s = LocalPipeline::create(loaded, registry, options, pipeline);
    ASSERT_FALSE(s) << s.message();
  }

  static StageOptions sgd() {
    StageOptions options;
    options.optimizer.lr = 0.5;
    return options;
  }

  /// x = [1, 2, 3, ...]: two elements per microbatch.
  Batch batch(int microbatches) const {
    Tensor x = Tensor::zeros({DType::F32, {2 * microbatches}});
    for (int i = 0; i < 2 * microbatches; ++i)
      x.data<float>()[i] = float(i + 1);
    return {{"x", x}};
  }
  /// x = `values` (two per microbatch).
  static Batch batchOf(const std::vector<float> &values) {
    Tensor x = Tensor::zeros({DType::F32, {int64_t(values.size())}});
    std::copy(values.begin(), values.end(), x.data<float>());
    return {{"x", x}};
  }

  /// Every trainable parameter's gradient by name, over the stages (a tied
  /// one from each stage, which must agree to the bit).
  std::map<std::string, std::vector<float>> gradients() const {
    std::map<std::string, std::vector<float>> out;
    for (const auto &stage : pipeline->stages())
      for (size_t t = 0; t < stage->trainable().size(); ++t) {
        const std::string &name =
            stage->program().parameters(int(stage->trainable()[t])).name();
        const Tensor &g = stage->gradients()[t];
        std::vector<float> values(g.data<float>(), g.data<float>() + 2);
        auto [it, inserted] = out.emplace(name, values);
        EXPECT_TRUE(inserted || it->second == values)
            << "the copies of tied parameter '" << name << "' differ";
      }
    return out;
  }
  /// Every parameter's value by name.
  std::map<std::string, std::vector<float>> parameters() const {
    std::map<std::string, std::vector<float>> out;
    for (const StageProgram &stage : loaded.stages)
      for (int i = 0; i < stage.program.parameters_size(); ++i) {
        const float *p = stage.parameters[size_t(i)].data<float>();
        out[stage.program.parameters(i).name()] = {p[0], p[1]};
      }
    return out;
  }

  KernelRegistry registry;
  TempDir dir;
  ProgramDirectory loaded;
  std::unique_ptr<LocalPipeline> pipeline;
};

TEST_F(PipelineStageTest, TrainsTheChainAsComputedByHand) {
  // Two stages, w0 = w1 = [1, 2], x = [1 2 | 3 4], loss = mean(w1 * w0 * x)
  // per microbatch, averaged over the two: dL/dw0 = w1 * x / 2 / 2 summed
  // over the microbatches, and likewise dL/dw1 = w0 * x / 4.
  ChainSpec spec;
  load(spec);
  double loss = 0;
  ASSERT_FALSE(pipeline->trainStep(1, batch(2), loss));
  // Microbatch losses: mean([1*1, 2*2*2]) = 4.5 and mean([3, 16]) = 9.5.
  EXPECT_DOUBLE_EQ(loss, 7.0);
  auto grads = gradients();
  // dL/dw0 = 1/4 * w1 * (x_mb0 + x_mb1) = 1/4 * [1, 2] * [4, 6].
  EXPECT_EQ(grads["w0"], (std::vector<float>{1.0f, 3.0f}));
  EXPECT_EQ(grads["w1"], (std::vector<float>{1.0f, 3.0f}));
  // SGD, lr 0.5.
  auto params = parameters();
  EXPECT_EQ(params["w0"], (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(params["w1"], (std::vector<float>{0.5f, 0.5f}));
}

TEST_F(PipelineStageTest, RunsRepeatBitForBit) {
  ChainSpec spec;
  spec.stages = 3;
  spec.microbatches = 4;
  spec.tied = true;
  auto run = [&] {
    load(spec);
    double loss = 0;
    for (int step = 1; step <= 3; ++step)
      EXPECT_FALSE(pipeline->trainStep(step, batch(4), loss));
    return std::make_pair(gradients(), parameters());
  };
  auto first = run();
  EXPECT_EQ(first, run());
}

TEST_F(PipelineStageTest, WeightGradientsAddUpInMicrobatchOrder) {
  // One stage, four microbatches: W in order, then W out of order. The sums
  // must be the same bits (a W that runs early waits for the earlier ones).
  // Element 0 of each microbatch's dL/dw0 is x / 8: 1.25e7, 0.125,
  // -1.25e7, 0.125. Added in microbatch order they give 0.125 in f32
  // (1.25e7 + 0.125 rounds to 1.25e7); in the order 3, 1, 2, 0 they give 0.
  ChainSpec spec;
  spec.stages = 1;
  spec.microbatches = 4;
  Batch x = batchOf({1e8f, 1, 1, 1, -1e8f, 1, 1, 1});
  load(spec, {"F0 F1 F2 F3 B0 W0 B1 W1 B2 W2 B3 W3 OPT"});
  double loss = 0;
  ASSERT_FALSE(pipeline->trainStep(1, x, loss));
  auto inOrder = gradients();
  ASSERT_EQ(inOrder["w0"].size(), 2u);
  EXPECT_EQ(inOrder["w0"][0], 0.125f);
  load(spec, {"F0 F1 F2 F3 B0 B1 B2 B3 W3 W1 W2 W0 OPT"});
  ASSERT_FALSE(pipeline->trainStep(1, x, loss));
  EXPECT_EQ(inOrder, gradients());
}

TEST_F(PipelineStageTest, OneStageOrTwoGiveTheSameBits) {
  // The same two virtual stages, with the tied "t", on one stage (two
  // chunks: the boundary is handed over, "t" summed over the chunks) and on
  // two (sent, "t" reduced with TR): the chunk order is the stage order.
  // Values of mixed magnitude, so that any other order of the sums shows.
  Batch x = batchOf({1e7f, 0.1f, 3.3f, -1e7f, 0.7f, 1.9f});
  ChainSpec one;
  one.stages = 1;
  one.chunks = 2;
  one.tied = true;
  one.microbatches = 3;
  load(one);
  double loss1 = 0;
  ASSERT_FALSE(pipeline->trainStep(1, x, loss1));
  auto grads1 = gradients();
  auto params1 = parameters();
  ChainSpec two = one;
  two.stages = 2;
  two.chunks = 1;
  load(two);
  double loss2 = 0;
  ASSERT_FALSE(pipeline->trainStep(1, x, loss2));
  EXPECT_EQ(loss1, loss2);
  EXPECT_EQ(grads1, gradients());
  EXPECT_EQ(params1, parameters());
}

TEST_F(PipelineStageTest, AFailureStopsEveryStage) {
  ChainSpec spec;
  spec.stages = 3;
  spec.microbatches = 2;
  StageOptions options = sgd();
  options.fault = {InjectedFault::Kind::Error, 1, "F1"};
  load(spec, {}, options);
  double loss = 0;
  Status s = pipeline->trainStep(1, batch(2), loss);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.message().rfind("stage 1, action ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find("'F1' (forward of microbatch 1): injected fault"),
            std::string::npos)
      << s.message();
  ASSERT_EQ(pipeline->notes().size(), 2u);
  for (const std::string &note : pipeline->notes())
    EXPECT_NE(note.find("stopped, stage 1 failed"), std::string::npos) << note;
  // The pipeline runs again once the fault is gone.
  load(spec);
  EXPECT_FALSE(pipeline->trainStep(1, batch(2), loss));
}

TEST_F(PipelineStageTest, ANaNSentIsCaughtWhereItIsMade) {
  ChainSpec spec;
  StageOptions options = sgd();
  options.fault = {InjectedFault::Kind::NaN, 0, "F1"};
  load(spec, {}, options);
  double loss = 0;
  Status s = pipeline->trainStep(1, batch(2), loss);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("stage 0, action 3 'SF1>1' (sending activations "
                             "of microbatch 1 to stage 1): activation 'h0' of "
                             "microbatch 1 holds NaN (element 0 of 2xf32)"),
            std::string::npos)
      << s.message();
  // Unchecked, the NaN reaches the loss.
  options.checkNaN = false;
  load(spec, {}, options);
  s = pipeline->trainStep(1, batch(2), loss);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("'F1' (forward of microbatch 1): loss is nan"),
            std::string::npos)
      << s.message();
}

TEST_F(PipelineStageTest, MemoryIsCountedPerStage) {
  ChainSpec spec;
  spec.microbatches = 4;
  load(spec);
  double loss = 0;
  ASSERT_FALSE(pipeline->trainStep(1, batch(4), loss));
  for (const auto &stage : pipeline->stages()) {
    MemoryStats m = stage->memoryStats();
    // Saved values of several microbatches at once (the chain schedule runs
    // every forward first), messages, gradients, parameters. The chain
    // saves each function's input: on stage 0 the batch's own rows (kept,
    // not copied), after it the received activations.
    if (stage->stage() > 0) {
      EXPECT_GE(m.peakOf(MemoryKind::Activations), 4 * 64) << stage->stage();
    }
    EXPECT_GT(m.peakOf(MemoryKind::Activations), 0) << stage->stage();
    EXPECT_GT(m.peakOf(MemoryKind::Communication), 0) << stage->stage();
    EXPECT_GT(m.peakOf(MemoryKind::Gradients), 0) << stage->stage();
    EXPECT_EQ(m.currentOf(MemoryKind::Parameters), 8) << stage->stage();
    // Between steps nothing of a microbatch is held.
    EXPECT_EQ(m.currentOf(MemoryKind::Activations), 0) << stage->stage();
    EXPECT_EQ(m.currentOf(MemoryKind::Communication), 0) << stage->stage();
  }
}

TEST_F(PipelineStageTest, SubnormalsAreFlushedUnlessKept) {
  if (!ScopedFlushDenormals::supported())
    GTEST_SKIP() << "pp knows no flush-to-zero mode of this CPU architecture";
  // y = w1 * w0 * x with w = [1, 2]: x = 1e-39 (a subnormal f32) is read
  // as 0 while the stages flush, and kept with flushDenormals off. The
  // calling thread's own mode is left as it was.
  ChainSpec spec;
  spec.training = false;
  spec.microbatches = 1;
  StageOptions options = sgd();
  options.training = false;
  const float x = 1e-39f;
  ASSERT_GT(x, 0.0f);
  bool before = ScopedFlushDenormals::flushing();
  for (bool flush : {true, false}) {
    options.flushDenormals = flush;
    load(spec, {}, options);
    std::map<std::string, Tensor> outputs;
    Status s = pipeline->infer(batchOf({x, x}), outputs);
    ASSERT_FALSE(s) << s.message();
    ASSERT_EQ(outputs.count("y"), 1u);
    const float *y = outputs["y"].data<float>();
    EXPECT_EQ(y[0], flush ? 0.0f : x) << "flush " << flush;
    EXPECT_EQ(y[1], flush ? 0.0f : 4 * x) << "flush " << flush;
  }
  EXPECT_EQ(ScopedFlushDenormals::flushing(), before);
}

TEST_F(PipelineStageTest, ProfilesShareOneClock) {
  ChainSpec spec;
  load(spec);
  ProfileClock::time_point origin = ProfileClock::now();
  Profiler p0(origin), p1(origin);
  pipeline->stages()[0]->setProfiler(&p0);
  pipeline->stages()[1]->setProfiler(&p1);
  double loss = 0;
  ASSERT_FALSE(pipeline->trainStep(1, batch(2), loss));
  // Stage 1's forward of microbatch 0 starts after stage 0 sent it.
  const ProfileEvent *sent = nullptr, *forward = nullptr;
  for (const ProfileEvent &e : p0.events())
    if (e.kind == ProfileEvent::Kind::Action &&
        e.action == program::Action::SEND_FORWARD && e.microbatch == 0)
      sent = &e;
  for (const ProfileEvent &e : p1.events())
    if (e.kind == ProfileEvent::Kind::Function && e.role == program::FORWARD &&
        e.microbatch == 0)
      forward = &e;
  ASSERT_TRUE(sent && forward);
  EXPECT_GE(forward->startNs, sent->startNs);
}

} // namespace
