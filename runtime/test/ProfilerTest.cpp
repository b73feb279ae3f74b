//===- ProfilerTest.cpp - Kernel timing, its table and its trace ----------===//
//
// Operation counts of products, the aggregation of hand-made timelines
// (known times, so known totals, shares and GFLOP/s), the trace JSON parsed
// back by a small parser here, and a profiled training step of the linear
// program of ProgramFixture.h (F, B, W per microbatch with their kernels
// inside them).
//
//===----------------------------------------------------------------------===//

#include "ProgramFixture.h"
#include "TestKernels.h"

#include "pp/Runtime/ProfileReplay.h"
#include "pp/Runtime/ProfileReport.h"
#include "pp/Runtime/ProfileTrace.h"
#include "pp/Runtime/Trainer.h"

#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

KernelSpec specOf(const std::string &op, std::vector<Shape> inputs,
                  Shape output) {
  KernelSpec spec;
  spec.op = op;
  for (Shape &s : inputs)
    spec.inputs.push_back({DType::F32, s});
  spec.outputs.push_back({DType::F32, output});
  return spec;
}

TEST(ProductFlopsTest, CountsTwoPerMultiplyAdd) {
  // Batched matmul: 2 x 3 x 5 outputs, each a dot product of length 4.
  EXPECT_EQ(productFlops(specOf("nn.matmul", {{2, 3, 4}, {4, 5}}, {2, 3, 5})),
            2.0 * 30 * 4);
  KernelSpec gemm = specOf("nn.gemm", {{4, 3}, {4, 5}}, {3, 5});
  gemm.attrs.set("transA", int64_t(1));
  EXPECT_EQ(productFlops(gemm), 2.0 * 15 * 4); // K = 4 with A transposed
  gemm.attrs.set("transA", int64_t(0));
  gemm.inputs[0].shape = {3, 4};
  EXPECT_EQ(productFlops(gemm), 2.0 * 15 * 4);
  // Grouped convolution: 2 groups, 1 input channel each, 3x3 kernel.
  double conv = 2.0 * (4 * 3 * 3) * (1 * 3 * 3);
  EXPECT_EQ(productFlops(
                specOf("nn.conv", {{1, 2, 5, 5}, {4, 1, 3, 3}}, {1, 4, 3, 3})),
            conv);
  EXPECT_EQ(productFlops(specOf("nn.conv_grad_input",
                                {{1, 4, 3, 3}, {4, 1, 3, 3}}, {1, 2, 5, 5})),
            conv);
  EXPECT_EQ(productFlops(specOf("nn.conv_grad_weight",
                                {{1, 4, 3, 3}, {1, 2, 5, 5}}, {4, 1, 3, 3})),
            conv);
  EXPECT_EQ(productFlops(specOf("nn.add", {{3}, {3}}, {3})), 0);
}

/// A timeline of `steps` steps of 10 ms each: F (4 ms: nn.gemm 3 ms of
/// 6e6 operations), B (3 ms: nn.relu_grad 1 ms), W (2 ms: nn.gemm 2 ms of
/// 6e6 operations), the optimizer (1 ms). Times in ms from the step start.
Profiler timeline(int64_t steps) {
  Profiler p;
  uint32_t gemm = p.addKernel(ProfiledKernel{"nn.gemm", "fc", 6e6});
  uint32_t relu = p.addKernel(ProfiledKernel{"nn.relu_grad", "", 0});
  using Kind = ProfileEvent::Kind;
  auto ms = [](double t) { return int64_t(t * 1e6); };
  for (int64_t s = 1; s <= steps; ++s) {
    double t0 = double(s - 1) * 10;
    // The first step is slower: it must not count when there are others.
    double slow = s == 1 ? 5 : 0;
    auto add = [&](Kind kind, program::FunctionRole role, uint32_t kernel,
                   int32_t mb, double start, double end) {
      p.addEvent(
          {kind, role, kernel, mb, s, ms(t0 + start), ms(t0 + end + slow)});
    };
    add(Kind::Kernel, program::FORWARD, gemm, 0, 0.5, 3.5);
    add(Kind::Function, program::FORWARD, 0, 0, 0, 4);
    add(Kind::Kernel, program::BACKWARD_INPUT, relu, 0, 4.5, 5.5);
    add(Kind::Function, program::BACKWARD_INPUT, 0, 0, 4, 7);
    add(Kind::Kernel, program::BACKWARD_WEIGHT, gemm, 0, 7, 9);
    add(Kind::Function, program::BACKWARD_WEIGHT, 0, 0, 7, 9);
    add(Kind::Optimizer, program::FUNCTION_ROLE_UNSPECIFIED, 0, -1, 9, 10);
    add(Kind::Step, program::FUNCTION_ROLE_UNSPECIFIED, 0, -1, 0, 10);
  }
  return p;
}

TEST(ProfileReportTest, LeavesOutTheWarmUpStep) {
  ProfileSummary s = summarizeProfile(timeline(3));
  EXPECT_TRUE(s.warmUpExcluded);
  EXPECT_EQ(s.firstStep, 2);
  EXPECT_EQ(s.lastStep, 3);
  EXPECT_NEAR(s.stepSeconds, 0.020, 1e-9);
  ASSERT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(s.ops[0].name, "nn.gemm"); // by decreasing time
  EXPECT_EQ(s.ops[0].calls, 4);
  EXPECT_NEAR(s.ops[0].seconds, 0.010, 1e-9);
  EXPECT_EQ(s.ops[0].flops, 4 * 6e6);
  EXPECT_EQ(s.ops[1].name, "nn.relu_grad");
  EXPECT_EQ(s.ops[1].calls, 2);
  EXPECT_EQ(s.optimizer.calls, 2);
  EXPECT_NEAR(s.optimizer.seconds, 0.002, 1e-9);
  // 20 ms of steps: 12 in kernels, 2 in the optimizer.
  EXPECT_NEAR(s.otherSeconds, 0.006, 1e-9);
  ASSERT_EQ(s.roles.size(), 3u);
  EXPECT_EQ(s.roles[0].name, "F");
  EXPECT_NEAR(s.roles[0].seconds, 0.008, 1e-9);
  EXPECT_EQ(s.roles[2].name, "W");
  EXPECT_EQ(s.roles[2].calls, 2);

  std::string table = formatProfile(s);
  EXPECT_NE(table.find("steps 2-3 (2 steps; step 1 left out as warm-up): "
                       "10.000 ms per step"),
            std::string::npos)
      << table;
  // 2.4e7 operations in 10 ms: 2.40 GFLOP/s; half of the step.
  EXPECT_NE(table.find("10.000   50.0%    2500.00      2.40"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("optimizer step"), std::string::npos) << table;
  EXPECT_NE(table.find("other (allocation, views, ports)"), std::string::npos)
      << table;
  for (const char *role : {"\nF ", "\nB ", "\nW "})
    EXPECT_NE(table.find(role), std::string::npos) << table;
}

TEST(ProfileReportTest, OneStepIsCountedWithItsWarmUp) {
  ProfileSummary s = summarizeProfile(timeline(1));
  EXPECT_FALSE(s.warmUpExcluded);
  EXPECT_EQ(s.steps(), 1);
  EXPECT_NE(formatProfile(s).find("step 1 (the only step, so warm-up "
                                  "included)"),
            std::string::npos);
}

TEST(ProfileReportTest, PrintsThePeakMemoryOfEveryKindUsed) {
  MemoryStats stats;
  stats.peak[size_t(MemoryKind::Workspace)] = 512;
  stats.peak[size_t(MemoryKind::Activations)] = 3 * 1024 * 1024 / 2;
  stats.peak[size_t(MemoryKind::Parameters)] = 1536;
  stats.peakTotal = 3 * 1024 * 1024 / 2 + 1536 + 256;
  EXPECT_EQ(formatMemoryPeaks(stats), "peak memory\n"
                                      "workspace               512 B\n"
                                      "activations           1.5 MiB\n"
                                      "parameters            1.5 KiB\n"
                                      "total                 1.5 MiB\n");
  EXPECT_EQ(formatBytes(1023), "1023 B");
  EXPECT_EQ(formatBytes(int64_t(5) << 30), "5.00 GiB");
}

TEST(ProfilerTest, ProfilersWithOneOriginLineUp) {
  ProfileClock::time_point origin = ProfileClock::now();
  Profiler stage0(origin), stage1(origin);
  EXPECT_EQ(stage0.origin(), origin);
  ProfileClock::time_point start = origin + std::chrono::microseconds(250);
  ProfileClock::time_point end = start + std::chrono::microseconds(100);
  stage0.stepDone(start, end);
  stage1.stepDone(start, end);
  ASSERT_EQ(stage0.events().size(), 1u);
  EXPECT_EQ(stage0.events()[0].startNs, 250000);
  EXPECT_EQ(stage0.events()[0].endNs, 350000);
  EXPECT_EQ(stage1.events()[0].startNs, stage0.events()[0].startNs);
  // Another origin shifts the times.
  Profiler late(origin + std::chrono::microseconds(200));
  late.stepDone(start, end);
  EXPECT_EQ(late.events()[0].startNs, 50000);
}

TEST(ProfilerTest, ExtendsTheLastFunctionRun) {
  // W's run ends after its gradients are added to the step's sums; kernel
  // events after the function (none here) and earlier runs stay as they
  // were.
  ProfileClock::time_point origin = ProfileClock::now();
  Profiler p(origin);
  auto at = [&](int us) { return origin + std::chrono::microseconds(us); };
  p.extendLastFunction(at(5)); // nothing to extend yet
  EXPECT_TRUE(p.events().empty());
  p.functionDone(program::BACKWARD_INPUT, at(0), at(10));
  p.functionDone(program::BACKWARD_WEIGHT, at(10), at(20));
  p.stepDone(at(0), at(40));
  p.extendLastFunction(at(30));
  ASSERT_EQ(p.events().size(), 3u);
  EXPECT_EQ(p.events()[0].endNs, 10000);
  EXPECT_EQ(p.events()[1].endNs, 30000);
  EXPECT_EQ(p.events()[2].endNs, 40000);
}

/// Two stages' events on one clock, in milliseconds.
struct ReplayFixture {
  Profiler stages[2];
  void step(int stage, int64_t step, int begin, int end) {
    stages[stage].addEvent(event(ProfileEvent::Kind::Step, step, begin, end));
  }
  void run(int stage, program::FunctionRole role, int mb, int begin, int end) {
    ProfileEvent e = event(ProfileEvent::Kind::Function, 1, begin, end);
    e.role = role;
    e.microbatch = mb;
    stages[stage].addEvent(e);
  }
  void action(int stage, program::Action::Kind kind, int mb, int peer,
              int begin, int end) {
    ProfileEvent e = event(ProfileEvent::Kind::Action, 1, begin, end);
    e.action = kind;
    e.microbatch = mb;
    e.peer = peer;
    stages[stage].addEvent(e);
  }
  void optimizer(int stage, int begin, int end) {
    stages[stage].addEvent(event(ProfileEvent::Kind::Optimizer, 1, begin, end));
  }
  std::vector<ReplayedStep> replay() {
    return replaySteps({&stages[0], &stages[1]});
  }

private:
  static ProfileEvent event(ProfileEvent::Kind kind, int64_t step, int begin,
                            int end) {
    return {kind,
            program::FUNCTION_ROLE_UNSPECIFIED,
            0,
            -1,
            step,
            int64_t(begin) * 1000000,
            int64_t(end) * 1000000};
  }
};

TEST(ProfileReplayTest, ReplaysTheActionsWithoutTheWaitsBetweenThem) {
  // Stage 0: F0 0-10, SF0>1 10-11, RB0<1 11-25, B0 25-28, W0 28-30.
  // Stage 1: RF0<0 0-14 (woken 3 ms after the send ended), BW0 14-23 with
  // B0 14-18 and W0 18-23 inside, SB0>0 23-24.
  // Replayed: stage 1 receives at 11, its BW ends at 20, its send at 21;
  // stage 0 receives at 21, B ends at 24, W at 26.
  ReplayFixture f;
  using A = program::Action;
  f.run(0, program::FORWARD, 0, 0, 10);
  f.action(0, A::SEND_FORWARD, 0, 1, 10, 11);
  f.action(0, A::RECV_BACKWARD, 0, 1, 11, 25);
  f.run(0, program::BACKWARD_INPUT, 0, 25, 28);
  f.run(0, program::BACKWARD_WEIGHT, 0, 28, 30);
  f.step(0, 1, 0, 30);
  f.action(1, A::RECV_FORWARD, 0, 0, 0, 14);
  f.run(1, program::BACKWARD_INPUT, 0, 14, 18);
  f.run(1, program::BACKWARD_WEIGHT, 0, 18, 23);
  f.action(1, A::BACKWARD, 0, -1, 14, 23);
  f.action(1, A::SEND_BACKWARD, 0, 0, 23, 24);
  f.step(1, 1, 0, 24);
  auto steps = f.replay();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].step, 1);
  EXPECT_NEAR(steps[0].measured, 0.030, 1e-12);
  EXPECT_NEAR(steps[0].replayed, 0.026, 1e-12);
}

TEST(ProfileReplayTest, TiedReductionsMeetAndTakeTheShorterTime) {
  // Stage 0 reaches TR~1 at 5 and waits for stage 1, which reaches it at 8;
  // the exchange takes 1 (stage 1's event), then OPT takes 2 on each.
  ReplayFixture f;
  using A = program::Action;
  f.run(0, program::FORWARD, 0, 0, 5);
  f.action(0, A::REDUCE_TIED, -1, 1, 5, 9);
  f.optimizer(0, 9, 11);
  f.step(0, 1, 0, 11);
  f.run(1, program::FORWARD, 0, 0, 8);
  f.action(1, A::REDUCE_TIED, -1, 0, 8, 9);
  f.optimizer(1, 9, 11);
  f.step(1, 1, 0, 11);
  auto steps = f.replay();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_NEAR(steps[0].replayed, 0.011, 1e-12);
}

TEST(ProfileReplayTest, LeavesOutStepsThatDoNotReplay) {
  // Step 1: a receive without its send (a failed step); step 2: only
  // stage 0 recorded it.
  ReplayFixture f;
  using A = program::Action;
  f.action(1, A::RECV_FORWARD, 0, 0, 0, 5);
  f.step(0, 1, 0, 5);
  f.step(1, 1, 0, 5);
  f.step(0, 2, 5, 6);
  EXPECT_TRUE(f.replay().empty());
}

TEST(ProfileTraceTest, EscapesStrings) {
  EXPECT_EQ(jsonString("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\u000ad\\u0001\"");
  EXPECT_EQ(jsonString("x:1 \xc3\xa9"), "\"x:1 \xc3\xa9\"");
}

/// A parsed JSON value: enough of JSON to read traces back.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  double number = 0;
  std::string string;
  std::vector<Json> items;
  std::map<std::string, Json> members;

  const Json &operator[](const std::string &key) const {
    static const Json none;
    auto it = members.find(key);
    return it == members.end() ? none : it->second;
  }
};

/// Parses JSON text; fails the test (and returns false) on bad syntax.
class JsonParser {
public:
  explicit JsonParser(const std::string &text) : text_(text) {}

  bool parse(Json &out) {
    if (!value(out))
      return false;
    skipSpace();
    return pos_ == text_.size();
  }

private:
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace((unsigned char)text_[pos_]))
      ++pos_;
  }
  bool consume(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool string(std::string &out) {
    if (!consume('"'))
      return false;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if ((unsigned char)c < 0x20)
        return false;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size())
        return false;
      char e = text_[pos_++];
      if (e == 'u') {
        if (pos_ + 4 > text_.size())
          return false;
        out += char(std::stoi(text_.substr(pos_, 4), nullptr, 16));
        pos_ += 4;
      } else if (e == 'n') {
        out += '\n';
      } else if (e == '"' || e == '\\' || e == '/') {
        out += e;
      } else {
        return false;
      }
    }
    return consume('"');
  }
  bool value(Json &out) {
    skipSpace();
    if (pos_ >= text_.size())
      return false;
    char c = text_[pos_];
    if (c == '"') {
      out.kind = Json::String;
      return string(out.string);
    }
    if (c == '{') {
      out.kind = Json::Object;
      ++pos_;
      if (consume('}'))
        return true;
      do {
        std::string key;
        if (!string(key) || !consume(':') || !value(out.members[key]))
          return false;
      } while (consume(','));
      return consume('}');
    }
    if (c == '[') {
      out.kind = Json::Array;
      ++pos_;
      if (consume(']'))
        return true;
      do {
        out.items.emplace_back();
        if (!value(out.items.back()))
          return false;
      } while (consume(','));
      return consume(']');
    }
    for (const char *word : {"true", "false", "null"})
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        out.kind = *word == 'n' ? Json::Null : Json::Bool;
        return true;
      }
    size_t used = 0;
    out.kind = Json::Number;
    out.number = std::stod(text_.substr(pos_), &used);
    pos_ += used;
    return used > 0;
  }

  const std::string &text_;
  size_t pos_ = 0;
};

Json parseTrace(const Profiler &profiler, const std::string &process) {
  std::ostringstream os;
  writeProfileTrace(os, profiler, process);
  Json trace;
  std::string text = os.str();
  EXPECT_TRUE(JsonParser(text).parse(trace)) << text;
  return trace;
}

TEST(ProfileTraceTest, WritesTheSimulatorsLayout) {
  Json trace = parseTrace(timeline(1), "pp-run \"dir\"");
  ASSERT_EQ(trace.kind, Json::Object);
  EXPECT_EQ(trace["displayTimeUnit"].string, "ms");
  const std::vector<Json> &events = trace["traceEvents"].items;
  ASSERT_EQ(events.size(), 3u + 8u);
  EXPECT_EQ(events[0]["name"].string, "process_name");
  EXPECT_EQ(events[0]["args"]["name"].string, "pp-run \"dir\"");
  EXPECT_EQ(events[1]["args"]["name"].string, "stage 0");
  // Parents first: the step, then F0 and its gemm, ...
  std::vector<std::string> names;
  for (size_t i = 3; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["ph"].string, "X");
    EXPECT_EQ(events[i]["tid"].number, 0);
    names.push_back(events[i]["name"].string);
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"step 1", "F0", "nn.gemm", "B0",
                                      "nn.relu_grad", "W0", "nn.gemm", "OPT"}));
  const Json &f0 = events[4], &gemm = events[5];
  EXPECT_EQ(f0["cat"].string, "forward");
  EXPECT_EQ(f0["args"]["microbatch"].number, 0);
  EXPECT_EQ(gemm["cat"].string, "kernel");
  EXPECT_EQ(gemm["args"]["location"].string, "fc");
  EXPECT_NEAR(gemm["args"]["gflop"].number, 6e-3, 1e-12);
  // ts and dur in microseconds; the step took 15 ms (warm-up).
  EXPECT_EQ(events[3]["ts"].number, 0);
  EXPECT_NEAR(events[3]["dur"].number, 15000, 1e-6);
  EXPECT_NEAR(gemm["ts"].number, 500, 1e-6);
  EXPECT_LE(f0["ts"].number, gemm["ts"].number);
}

class ProfiledStepTest : public ::testing::Test {
protected:
  void SetUp() override {
    registerTestKernels(registry);
    writeProgramDir(dir.path(), linearManifest(), linearProgram(),
                    linearWeights());
    ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
    ASSERT_FALSE(StepRunner::create(loaded, registry, 0, true, runner));
    ASSERT_FALSE(
        Trainer::create(*runner, registry, OptimizerOptions(), trainer));
  }

  TempDir dir;
  KernelRegistry registry;
  ProgramDirectory loaded;
  std::unique_ptr<StepRunner> runner;
  std::unique_ptr<Trainer> trainer;
};

TEST_F(ProfiledStepTest, TimesKernelsInsideTheirFunctions) {
  Batch batch{{"x", makeTensor<float>(DType::F32, {4}, {1, 2, 3, 4})}};
  double loss = 0;
  ASSERT_FALSE(trainer->step(batch, loss)); // not profiled
  Profiler profiler;
  runner->setProfiler(&profiler);
  ASSERT_FALSE(trainer->step(batch, loss));
  ASSERT_FALSE(trainer->step(batch, loss));

  // Per step: 2 microbatches x (F: 2 kernels, B: 2, W: 1), the optimizer,
  // the step.
  using Kind = ProfileEvent::Kind;
  std::map<Kind, int> count;
  for (const ProfileEvent &e : profiler.events())
    ++count[e.kind];
  EXPECT_EQ(count[Kind::Kernel], 2 * 2 * 5);
  EXPECT_EQ(count[Kind::Function], 2 * 2 * 3);
  EXPECT_EQ(count[Kind::Optimizer], 2);
  EXPECT_EQ(count[Kind::Step], 2);
  for (const ProfileEvent &k : profiler.events()) {
    if (k.kind != Kind::Kernel)
      continue;
    EXPECT_TRUE(k.step == 2 || k.step == 3); // the trainer's step numbers
    bool inside = false;
    for (const ProfileEvent &f : profiler.events())
      inside |= f.kind == Kind::Function && f.role == k.role &&
                f.microbatch == k.microbatch && f.step == k.step &&
                f.startNs <= k.startNs && k.endNs <= f.endNs;
    EXPECT_TRUE(inside) << profiler.kernels()[k.kernel].op;
  }

  ProfileSummary s = summarizeProfile(profiler);
  EXPECT_EQ(s.firstStep, 3); // step 2, the first profiled, is the warm-up
  EXPECT_EQ(s.lastStep, 3);
  ASSERT_EQ(s.roles.size(), 3u);
  EXPECT_EQ(s.roles[1].calls, 2); // B, once per microbatch

  Json trace = parseTrace(profiler, "pp-run");
  int functions = 0;
  for (const Json &e : trace["traceEvents"].items)
    functions += e["cat"].string == "backward-weight";
  EXPECT_EQ(functions, 4);

  runner->setProfiler(nullptr);
  size_t recorded = profiler.events().size();
  ASSERT_FALSE(trainer->step(batch, loss));
  EXPECT_EQ(profiler.events().size(), recorded);
}

} // namespace
