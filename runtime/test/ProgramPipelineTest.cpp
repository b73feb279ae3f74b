//===- ProgramPipelineTest.cpp - Loading exports of several stages --------===//
//
// The loader's checks of a pipeline: functions per chunk and virtual stage,
// boundary ports against the manifest's channels, the manifest's layout and
// ties, each stage's action list, and the lists together (pairing and the
// deadlock replay). Programs are the chains of ProgramFixture.h.
//
//===----------------------------------------------------------------------===//

#include "ProgramFixture.h"

#include "pp/Runtime/Program.h"

#include <chrono>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

/// A chain export in text: the manifest and one program per stage.
struct Chain {
  std::string manifest;
  std::vector<std::string> programs;
};

/// Two stages, two microbatches, 1F1B as the exporter lowers it (each stage
/// receives the next microbatch's activations before it sends gradients).
const char *const kStage0 = "F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 B1 W1 OPT";
const char *const kStage1 = "RF0<0 F0 RF1<0 B0 SB0>0 W0 F1 B1 SB1>0 W1 OPT";

Chain chain(const ChainSpec &spec, const std::vector<std::string> &lists) {
  Chain out{chainManifest(spec), {}};
  for (int s = 0; s < spec.stages; ++s)
    out.programs.push_back(chainProgram(spec, s, lists[size_t(s)]));
  return out;
}
Chain twoStages() { return chain(ChainSpec(), {kStage0, kStage1}); }
Chain generated(const ChainSpec &spec) {
  return chain(spec, chainSchedule(spec));
}

class ProgramPipelineTest : public ::testing::Test {
protected:
  /// Writes `c` and returns the loader's error message ("" when it loads).
  std::string loadError(const Chain &c) {
    writeChainDir(dir.path(), c.manifest, c.programs);
    ProgramDirectory loaded;
    Status s = loadProgramDirectory(dir.path(), loaded);
    return s ? s.message() : "";
  }
  /// The error of `twoStages()` with `edit` applied to stage `s`'s program.
  std::string stageError(int s, const std::string &from,
                         const std::string &to) {
    Chain c = twoStages();
    c.programs[size_t(s)] = substitute(c.programs[size_t(s)], from, to);
    return loadError(c);
  }
  /// The error of `twoStages()` with `edit` applied to the manifest.
  std::string manifestError(const std::string &from, const std::string &to) {
    Chain c = twoStages();
    c.manifest = substitute(c.manifest, from, to);
    return loadError(c);
  }
  /// The error of `twoStages()` with other action lists.
  std::string actionsError(const std::string &stage0,
                           const std::string &stage1) {
    return loadError(chain(ChainSpec(), {stage0, stage1}));
  }
  std::string stage(int s) const {
    return dir.file("stage" + std::to_string(s) + ".pb");
  }
  std::string manifestPath() const { return dir.file("manifest.pbtxt"); }

  TempDir dir;
};

//===----------------------------------------------------------------------===//
// Valid pipelines
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, LoadsTwoStages) {
  writeChainDir(dir.path(), twoStages().manifest, twoStages().programs);
  ProgramDirectory loaded;
  Status s = loadProgramDirectory(dir.path(), loaded);
  ASSERT_FALSE(s) << s.message();
  ASSERT_EQ(loaded.stages.size(), 2u);
  EXPECT_EQ(loaded.manifest.channels_size(), 1);
  EXPECT_EQ(loaded.stages[1].program.actions_size(), 11);
  EXPECT_EQ(actionText(loaded.stages[1].program.actions(0), 1), "RF0<0");
  EXPECT_EQ(loaded.stages[1].parameters[0].type().str(), "2xf32");
}

TEST_F(ProgramPipelineTest, LoadsOtherShapes) {
  ChainSpec three;
  three.stages = 3;
  three.microbatches = 3;
  three.tied = true;
  EXPECT_EQ(loadError(generated(three)), "");
  ChainSpec interleaved;
  interleaved.chunks = 2;
  interleaved.tied = true;
  EXPECT_EQ(loadError(generated(interleaved)), "");
  // The V: stage 1 hands chunk 0's output to its own chunk 1 (no transfer),
  // and stage 0 holds "t" in both chunks, with a param_grad in each.
  ChainSpec v = interleaved;
  v.placement = "v";
  EXPECT_EQ(loadError(generated(v)), "");
  ChainSpec inference;
  inference.training = false;
  EXPECT_EQ(loadError(generated(inference)), "");
}

TEST_F(ProgramPipelineTest, InferenceSkipsTheBackwardActions) {
  // Without a loss the exported schedule still has B, W, SB, RB and OPT:
  // they are skipped, and neither their order nor their pairing matters.
  ChainSpec spec;
  spec.training = false;
  EXPECT_EQ(loadError(chain(spec, {"F0 SF0>1 RB0<1 B0 OPT F1 SF1>1 W0",
                                   "RF0<0 F0 SB1>0 RF1<0 F1 OPT BW1"})),
            "");
  program::Action sb;
  program::Manifest manifest;
  sb.set_kind(program::Action::SEND_BACKWARD);
  EXPECT_FALSE(actionRuns(sb, manifest));
  manifest.set_loss("output");
  EXPECT_TRUE(actionRuns(sb, manifest));
}

TEST_F(ProgramPipelineTest, ActionText) {
  auto text = [](const std::string &schedule, uint32_t chunks) {
    program::Program prog = parseProgram(actionsText(schedule));
    return actionText(prog.actions(0), chunks);
  };
  EXPECT_EQ(text("F3", 1), "F3");
  EXPECT_EQ(text("F3", 2), "F3.0");
  EXPECT_EQ(text("F3.1", 2), "F3.1");
  EXPECT_EQ(text("SF3.1>2", 2), "SF3.1>2");
  EXPECT_EQ(text("RB0.1<1", 2), "RB0.1<1");
  EXPECT_EQ(text("BW2", 1), "BW2");
  EXPECT_EQ(text("TR~3", 2), "TR~3");
  EXPECT_EQ(text("OPT", 2), "OPT");
  program::Action unknown;
  unknown.set_kind(program::Action::Kind(12));
  EXPECT_EQ(actionText(unknown, 1), "?12");
}

//===----------------------------------------------------------------------===//
// 1. Functions per chunk and virtual stage
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, BoundaryRolesFitTheFunction) {
  EXPECT_EQ(stageError(1, R"(arguments { value: 1 role: COTANGENT key: "c0" })",
                       R"(arguments { value: 1 role: BOUNDARY_IN key: "c0" })"),
            stage(1) + ": function 'vs1_backward_weight': argument 'c0' has "
                       "role boundary_in, which a backward-weight function "
                       "cannot have as argument");
  EXPECT_EQ(stageError(0, R"(role: BOUNDARY_OUT key: "h0")",
                       R"(role: BOUNDARY_IN_GRAD key: "h0")"),
            stage(0) + ": function 'vs0': result 'h0' has role "
                       "boundary_in_grad, which a forward function cannot "
                       "have as result");
}

TEST_F(ProgramPipelineTest, EveryChunkHasItsFunctions) {
  ChainSpec spec;
  spec.chunks = 2;
  Chain c = generated(spec);
  program::Program prog = parseProgram(c.programs[1]);
  // Drop chunk 1's functions (virtual stage 3).
  auto *fns = prog.mutable_functions();
  fns->erase(fns->begin() + 3, fns->end());
  google::protobuf::TextFormat::PrintToString(prog, &c.programs[1]);
  EXPECT_EQ(loadError(c), stage(1) + ": chunk 1 has no forward function");
}

TEST_F(ProgramPipelineTest, FunctionsBelongToTheirChunksVirtualStage) {
  EXPECT_EQ(
      stageError(1, "chunk: 0 virtual_stage: 1", "chunk: 0 virtual_stage: 2"),
      stage(1) + ": function 'vs1' has virtual_stage 2, but placement "
                 "'loop' makes chunk 0 of stage 1 virtual stage 1");
  EXPECT_EQ(
      stageError(1, "chunk: 0 virtual_stage: 1", "chunk: 1 virtual_stage: 3"),
      stage(1) + ": function 'vs1' has chunk 1, but the manifest has 1 "
                 "chunk(s) per stage");
}

TEST_F(ProgramPipelineTest, OnlyTheLastVirtualStageReturnsTheLoss) {
  EXPECT_EQ(stageError(0, R"(role: SAVED key: "s0" }
}
functions {
  name: "vs0_backward_input")",
                       R"(role: SAVED key: "s0" }
  results { value: 2 role: OUTPUT key: "loss" }
}
functions {
  name: "vs0_backward_input")"),
            stage(0) + ": function 'vs0': returns output 'loss', but only the "
                       "forward function of the last virtual stage (1: stage "
                       "1, chunk 0) may return the loss");
  EXPECT_EQ(stageError(1, R"(key: "loss" })", R"(key: "lost" })"),
            stage(1) + ": function 'vs1': the manifest's loss is 'output', "
                       "but the function returns no output 'loss'");
}

TEST_F(ProgramPipelineTest, DataPortsAgreeWithTheManifestOnEveryStage) {
  EXPECT_EQ(stageError(1, R"(role: BOUNDARY_IN key: "h0" })",
                       R"(role: BOUNDARY_IN key: "h0" }
  values { id: 9 type { dtype: FLOAT32 shape: 2 } }
  arguments { value: 9 role: INPUT key: "labels" })"),
            stage(1) +
                ": function 'vs1': input 'labels' is not among the "
                "manifest's inputs (" +
                manifestPath() + ")");
  // A listed output returned by the first stage has the listed type too.
  Chain c = twoStages();
  c.manifest += R"(outputs { name: "early" type { dtype: FLOAT32 shape: 6 } })";
  c.programs[0] = substitute(c.programs[0], R"(role: BOUNDARY_OUT key: "h0" })",
                             R"(role: BOUNDARY_OUT key: "h0" }
  results { value: 2 role: OUTPUT key: "early" })");
  EXPECT_EQ(loadError(c), stage(0) +
                              ": function 'vs0': output 'early' is "
                              "2xf32, but the manifest's 6xf32 in 2 "
                              "microbatches gives 3xf32 (" +
                              manifestPath() + ")");
}

//===----------------------------------------------------------------------===//
// 2. Parameters
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, ParameterGradients) {
  EXPECT_EQ(stageError(1, R"(role: PARAM_GRAD key: "w1")",
                       R"(role: SAVED key: "s9")"),
            stage(1) + ": function 'vs1_backward_weight': result 's9' has "
                       "role saved, which a backward-weight function cannot "
                       "have as result");
  Chain c = twoStages();
  c.programs[1] = substitute(
      c.programs[1], R"(results { value: 2 role: PARAM_GRAD key: "w1" })", "");
  EXPECT_EQ(loadError(c), stage(1) + ": trainable parameter 'w1' has 0 "
                                     "param_grad results, expected at least "
                                     "1 (one per chunk that uses it)");
  EXPECT_EQ(stageError(1, "trainable: true", "trainable: false"),
            stage(1) + ": parameter 'w1' has a param_grad result but is not "
                       "trainable");
}

//===----------------------------------------------------------------------===//
// 3. Boundary ports against the channels
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, ForwardBoundariesMatchTheChannels) {
  EXPECT_EQ(manifestError(R"(name: "h0")", R"(name: "g0")"),
            stage(0) +
                ": function 'vs0': boundary_out result 0 is 'h0' "
                "2xf32, but activation 0 of channel 0 is 'g0' 2xf32 (" +
                manifestPath() + ")");
  EXPECT_EQ(manifestError("shape: 2 } }", "shape: 3 } }"),
            stage(0) +
                ": function 'vs0': boundary_out result 0 is 'h0' "
                "2xf32, but activation 0 of channel 0 is 'h0' 3xf32 (" +
                manifestPath() + ")");
  EXPECT_EQ(stageError(0, R"(role: INPUT key: "x" })",
                       R"(role: INPUT key: "x" }
  arguments { value: 3 role: BOUNDARY_IN key: "z" })"),
            stage(0) + ": function 'vs0': boundary_in argument 'z' is not "
                       "expected: virtual stage 0 is the first and receives "
                       "nothing");
  EXPECT_EQ(stageError(1, R"(role: BOUNDARY_IN key: "h0" })",
                       R"(role: BOUNDARY_IN key: "h0" }
  values { id: 9 type { dtype: FLOAT32 shape: 2 } }
  arguments { value: 9 role: BOUNDARY_IN key: "h9" })"),
            stage(1) +
                ": function 'vs1': 2 boundary_in arguments, but "
                "channel 0 carries 1 activation (" +
                manifestPath() + ")");
  EXPECT_EQ(stageError(1, R"(results { value: 3 role: OUTPUT key: "loss" })",
                       R"(results { value: 3 role: OUTPUT key: "loss" }
  results { value: 2 role: BOUNDARY_OUT key: "h1" })"),
            stage(1) + ": function 'vs1': boundary_out result 'h1' is not "
                       "expected: virtual stage 1 is the last and sends "
                       "nothing");
}

TEST_F(ProgramPipelineTest, BackwardBoundariesMatchTheChannels) {
  EXPECT_EQ(stageError(0, R"(role: BOUNDARY_OUT_GRAD key: "h0")",
                       R"(role: BOUNDARY_OUT_GRAD key: "hx")"),
            stage(0) +
                ": function 'vs0_backward_input': boundary_out_grad "
                "argument 0 is 'hx' 2xf32, but gradient 0 of channel "
                "0 is 'h0' 2xf32 (" +
                manifestPath() + ")");
  EXPECT_EQ(stageError(1, R"(role: BOUNDARY_IN_GRAD key: "h0")",
                       R"(role: INPUT_GRAD key: "h0")"),
            stage(1) +
                ": function 'vs1_backward_input': 0 boundary_in_grad "
                "results, but channel 0 carries 1 gradient (" +
                manifestPath() + ")");
}

//===----------------------------------------------------------------------===//
// 4. The manifest's layout and ties
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, ChannelsFollowThePlacement) {
  EXPECT_EQ(manifestError("channels {", "channels {} channels {"),
            manifestPath() + ": 2 channels, but 2 virtual stages need 1 (one "
                             "per boundary)");
  EXPECT_EQ(manifestError("virtual_stage: 0 from_stage", "virtual_stage: 1 "
                                                         "from_stage"),
            manifestPath() + ": channels[0] has virtual_stage 1; channels "
                             "must be listed in order from 0");
  EXPECT_EQ(manifestError("to_stage: 1", "to_stage: 0"),
            manifestPath() + ": channel 0 runs from stage 0 to stage 0, but "
                             "placement 'loop' puts virtual stage 0 on stage "
                             "0 and virtual stage 1 on stage 1");
  EXPECT_EQ(manifestError(R"(placement: "loop")", R"(placement: "zigzag")"),
            manifestPath() +
                ": placement 'zigzag' is unknown (expected 'loop' or 'v')");
  EXPECT_EQ(manifestError(R"(placement: "loop")", R"(placement: "v")"),
            manifestPath() + ": placement 'v' needs 2 chunks per stage, but "
                             "virtual_stages is 1");
}

TEST_F(ProgramPipelineTest, ChannelGradientsFollowTheActivations) {
  EXPECT_EQ(
      manifestError(R"(gradients { name: "h0")", R"(gradients { name: "g0")"),
      manifestPath() + ": channel 0: gradient 'g0' is not among the "
                       "channel's activations");
  EXPECT_EQ(manifestError(R"(gradients { name: "h0" type { dtype: FLOAT32)",
                          R"(gradients { name: "h0" type { dtype: FLOAT64)"),
            manifestPath() + ": channel 0: gradient 'h0' is 2xf64, but its "
                             "activation is 2xf32");
  Chain c = twoStages();
  c.manifest = substitute(
      c.manifest,
      R"(  gradients { name: "h0" type { dtype: FLOAT32 shape: 2 } })",
      R"(  activations { name: "h1" type { dtype: FLOAT32 shape: 2 } }
  gradients { name: "h1" type { dtype: FLOAT32 shape: 2 } }
  gradients { name: "h0" type { dtype: FLOAT32 shape: 2 } })");
  EXPECT_EQ(loadError(c), manifestPath() +
                              ": channel 0: gradient 'h0' is out of the "
                              "activations' order (gradients keep the order "
                              "of their activations)");
  EXPECT_EQ(manifestError(R"(gradients { name: "h0")",
                          R"(activations { name: "h0" type { dtype: FLOAT32 } }
  gradients { name: "h0")"),
            manifestPath() + ": channel 0: activation 'h0' is listed twice");
}

TEST_F(ProgramPipelineTest, TiesListStagesThatHoldTheParameter) {
  ChainSpec spec;
  spec.tied = true;
  Chain tied = generated(spec);
  auto tieError = [&](const std::string &from, const std::string &to) {
    Chain c = tied;
    c.manifest = substitute(c.manifest, from, to);
    return loadError(c);
  };
  EXPECT_EQ(loadError(tied), "");
  EXPECT_EQ(tieError("stages: 0 stages: 1", "stages: 1"),
            manifestPath() +
                ": tied 't' lists 1 stage(s); a tie needs at least 2");
  EXPECT_EQ(tieError("stages: 0 stages: 1", "stages: 1 stages: 0"),
            manifestPath() + ": tied 't': stages must be ascending and "
                             "distinct, but 0 follows 1");
  EXPECT_EQ(tieError("stages: 0 stages: 1", "stages: 0 stages: 2"),
            manifestPath() + ": tied 't' names stage 2, but there are 2 "
                             "stages");
  EXPECT_EQ(tieError(R"(tied { name: "t")", R"(tied { name: "w0")"),
            stage(1) + ": tied parameter 'w0' (" + manifestPath() +
                ") is not a parameter of stage 1");
  // "t" on both stages without a tie (and without reductions).
  std::vector<std::string> lists = chainSchedule(spec);
  for (std::string &list : lists)
    list = substitute(substitute(list, " TR~1", ""), " TR~0", "");
  Chain untied = chain(spec, lists);
  untied.manifest = substitute(untied.manifest,
                               R"(tied { name: "t" stages: 0 stages: 1 })", "");
  EXPECT_EQ(loadError(untied),
            manifestPath() + ": trainable parameter 't' is held by stages 0, "
                             "1, but the manifest does not list it as tied");
  // Stage 1 holds "t" as 3xf32 (consistently: its uses and its gradient).
  program::Program prog = parseProgram(tied.programs[1]);
  auto reshape = [](program::TensorType *type) { type->set_shape(0, 3); };
  reshape(prog.mutable_parameters(1)->mutable_type());
  prog.mutable_parameters(1)->set_length(12);
  reshape(prog.mutable_functions(0)->mutable_values(4)->mutable_type());
  reshape(prog.mutable_functions(2)->mutable_values(3)->mutable_type());
  Chain retyped = tied;
  google::protobuf::TextFormat::PrintToString(prog, &retyped.programs[1]);
  EXPECT_EQ(loadError(retyped),
            stage(1) + ": tied parameter 't' (" + manifestPath() +
                ") is 3xf32, but stage 0 holds it as 2xf32 (" + stage(0) + ")");
  // Not trainable on stage 1 (and so without a gradient there).
  prog = parseProgram(tied.programs[1]);
  prog.mutable_parameters(1)->set_trainable(false);
  prog.mutable_functions(2)->mutable_results()->RemoveLast();
  Chain frozen = tied;
  google::protobuf::TextFormat::PrintToString(prog, &frozen.programs[1]);
  EXPECT_EQ(loadError(frozen), stage(1) + ": tied parameter 't' (" +
                                   manifestPath() + ") is not trainable");
}

//===----------------------------------------------------------------------===//
// 5. One stage's action list
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, ActionRanges) {
  EXPECT_EQ(
      actionsError("F0 SF0>1 F2 SF1>1 RB0<1 B0 W0 RB1<1 B1 W1 OPT", kStage1),
      stage(0) + ": action 2 'F2': microbatch 2 is out of range (the "
                 "manifest has 2 microbatches)");
  EXPECT_EQ(actionsError("F0.1 SF0>1", kStage1),
            stage(0) + ": action 0 'F0.1': chunk 1 is out of range (the "
                       "manifest has 1 chunk(s) per stage)");
  EXPECT_EQ(actionsError("F0 SF0>0", kStage1),
            stage(0) + ": action 1 'SF0>0': peer stage 0 is not another stage "
                       "of the 2");
  EXPECT_EQ(actionsError("F0 SF0>1 TR~5", kStage1),
            stage(0) + ": action 2 'TR~5': peer stage 5 is not another stage "
                       "of the 2");
  Chain c = twoStages();
  program::Program prog = parseProgram(c.programs[0]);
  prog.mutable_actions(3)->set_kind(program::Action::Kind(12));
  google::protobuf::TextFormat::PrintToString(prog, &c.programs[0]);
  EXPECT_EQ(loadError(c), stage(0) + ": action 3 has unknown kind 12");
}

TEST_F(ProgramPipelineTest, TransfersFollowTheChannels) {
  ChainSpec spec;
  spec.stages = 3;
  Chain c = generated(spec);
  // Stage 1 sends microbatch 0's activations to stage 0 instead of 2.
  c.programs[1] = chainProgram(
      spec, 1, substitute(chainSchedule(spec)[1], "SF0>2", "SF0>0"));
  EXPECT_EQ(loadError(c), stage(1) + ": action 2 'SF0>0': sends to stage 0, "
                                     "but virtual stage 2, which receives "
                                     "the activations, is on stage 2");
  EXPECT_EQ(actionsError("RF0<1 F0", kStage1),
            stage(0) + ": action 0 'RF0<1': virtual stage 0 is the first: it "
                       "receives no activations");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 F0 SF0>0"),
            stage(1) + ": action 2 'SF0>0': virtual stage 1 is the last: it "
                       "sends no activations");
  EXPECT_EQ(actionsError("F0 SF0>1 SB0>1", kStage1),
            stage(0) + ": action 2 'SB0>1': virtual stage 0 is the first: it "
                       "sends no gradients");
  c.programs[1] = chainProgram(spec, 1, chainSchedule(spec)[1]);
  c.programs[2] = chainProgram(
      spec, 2, substitute(chainSchedule(spec)[2], "RF0<1", "RF0<0"));
  EXPECT_EQ(loadError(c), stage(2) + ": action 0 'RF0<0': receives from "
                                     "stage 0, but virtual stage 1, which "
                                     "sends the activations, is on stage 1");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 F0 RB0<0"),
            stage(1) + ": action 2 'RB0<0': virtual stage 1 is the last: it "
                       "receives no gradients");
  // The V's turn stays on stage 2: no transfer between its chunks.
  ChainSpec v3;
  v3.stages = 3;
  v3.chunks = 2;
  v3.placement = "v";
  Chain turn3 = generated(v3);
  std::string list2 = chainSchedule(v3)[2];
  turn3.programs[2] =
      chainProgram(v3, 2, substitute(list2, "F0.0 F0.1", "F0.0 SF0.0>1 F0.1"));
  EXPECT_EQ(loadError(turn3),
            stage(2) + ": action 2 'SF0.0>1': virtual stage 3, which "
                       "receives the activations, is on this stage too: they "
                       "stay on the stage and are not sent");
}

TEST_F(ProgramPipelineTest, TiedReductionsNeedATie) {
  EXPECT_EQ(actionsError("F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 B1 W1 TR~1 OPT",
                         kStage1),
            stage(0) +
                ": action 10 'TR~1': stages 0 and 1 share no tied "
                "parameter (" +
                manifestPath() + ")");
  ChainSpec spec;
  spec.tied = true;
  Chain c = chain(spec, {"F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 TR~1 B1 W1 OPT",
                         "RF0<0 F0 RF1<0 B0 SB0>0 W0 F1 B1 SB1>0 W1 TR~0 OPT"});
  EXPECT_EQ(loadError(c), stage(0) + ": action 9 'B1': compute after the "
                                     "tied-gradient reduction (action 8), "
                                     "which needs every gradient done");
}

TEST_F(ProgramPipelineTest, OptimizerStepIsLast) {
  EXPECT_EQ(actionsError("F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 B1 W1 OPT OPT",
                         kStage1),
            stage(0) + ": action 11 'OPT': comes after the optimizer step "
                       "(action 10), which must be last");
  EXPECT_EQ(actionsError("F0 SF0>1 F1 OPT SF1>1", kStage1),
            stage(0) + ": action 4 'SF1>1': comes after the optimizer step "
                       "(action 3), which must be last");
}

TEST_F(ProgramPipelineTest, EachPassRunsOnceAfterItsInputs) {
  EXPECT_EQ(actionsError("F0 SF0>1 F0", kStage1),
            stage(0) + ": action 2 'F0': a second forward of this microbatch "
                       "and chunk (the first is action 0)");
  EXPECT_EQ(actionsError(kStage0, "F0 RF0<0"),
            stage(1) + ": action 0 'F0': needs the activations of virtual "
                       "stage 0 from stage 0, but 'RF0<0' does not come "
                       "before it");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 B0"),
            stage(1) + ": action 1 'B0': comes before its forward 'F0'");
  EXPECT_EQ(actionsError("F0 SF0>1 F1 SF1>1 B0", kStage1),
            stage(0) + ": action 4 'B0': needs the gradients of virtual stage "
                       "1 from stage 1, but 'RB0<1' does not come before it");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 F0 RF1<0 W0"),
            stage(1) + ": action 3 'W0': comes before its 'B0'");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 F0 RF1<0 BW0 W0"),
            stage(1) + ": action 4 'W0': the weight gradients were already "
                       "computed by action 3 'BW0'");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 SB0>0"),
            stage(1) + ": action 1 'SB0>0': sends before 'B0' produces the "
                       "gradients");
  EXPECT_EQ(actionsError("SF0>1", kStage1),
            stage(0) + ": action 0 'SF0>1': sends before 'F0' produces the "
                       "activations");
  EXPECT_EQ(actionsError("F0 SF0>1 SF0>1", kStage1),
            stage(0) + ": action 2 'SF0>1': a second send of these "
                       "activations (the first is action 1)");
  EXPECT_EQ(actionsError(kStage0, "RF0<0 RF0<0"),
            stage(1) + ": action 1 'RF0<0': a second receive of these "
                       "activations (the first is action 0)");
  // Inside a stage (the V's turn) the input comes from the earlier chunk.
  ChainSpec v;
  v.chunks = 2;
  v.placement = "v";
  Chain turn = generated(v);
  turn.programs[1] = chainProgram(
      v, 1, substitute(chainSchedule(v)[1], "F0.0 F0.1", "F0.1 F0.0"));
  EXPECT_EQ(loadError(turn),
            stage(1) + ": action 1 'F0.1': needs the activations of virtual "
                       "stage 1, but 'F0.0' does not come before it on this "
                       "stage");
  std::string list = chainSchedule(v)[1];
  list = substitute(list, "B0.1 W0.1 B0.0", "B0.0 B0.1 W0.1");
  turn.programs[1] = chainProgram(v, 1, list);
  EXPECT_EQ(loadError(turn),
            stage(1) + ": action 9 'B0.0': needs the gradients of virtual "
                       "stage 2, but 'B0.1' (or its BW) does not come before "
                       "it on this stage");
}

TEST_F(ProgramPipelineTest, EveryMicrobatchRunsEveryPass) {
  EXPECT_EQ(actionsError("F0 SF0>1 RB0<1 B0 W0 OPT", kStage1),
            stage(0) + ": no forward of microbatch 1, chunk 0 ('F1'): every "
                       "microbatch needs one on every chunk");
  EXPECT_EQ(actionsError("F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 OPT", kStage1),
            stage(0) + ": no backward of microbatch 1, chunk 0 ('B1' or "
                       "'BW1'): the manifest has a loss, so every microbatch "
                       "needs one on every chunk");
  EXPECT_EQ(actionsError("F0 SF0>1 F1 SF1>1 RB0<1 B0 RB1<1 B1 W1 OPT", kStage1),
            stage(0) + ": action 5 'B0': no 'W0' comes after it");
  EXPECT_EQ(actionsError("", kStage1),
            stage(0) + ": the program has no actions; only a one-stage "
                       "program may leave them out (the loader then fills "
                       "them in)");
}

//===----------------------------------------------------------------------===//
// 6. The lists together
//===----------------------------------------------------------------------===//

TEST_F(ProgramPipelineTest, ReplayFindsTwoStagesReceivingFirst) {
  // Stage 0 waits for microbatch 0's gradients before it sends the
  // activations stage 1 waits for.
  EXPECT_EQ(
      actionsError("F0 RB0<1 SF0>1 F1 SF1>1 B0 W0 RB1<1 B1 W1 OPT", kStage1),
      manifestPath() + ": the stages' action lists deadlock: stage 0 (" +
          stage(0) +
          ") is stuck at action 1 'RB0<1', waiting for stage "
          "1 to reach action 4 'SB0>0'; stage 1 (" +
          stage(1) +
          ") is stuck at action 0 'RF0<0', waiting for stage "
          "0 to reach action 2 'SF0>1'");
}

TEST_F(ProgramPipelineTest, ReplayFindsASendThatBlocks) {
  // 1F1B with stage 1 sending microbatch 0's gradients before it receives
  // microbatch 1's activations, while stage 0 sends those first: with
  // blocking transfers both wait for the other.
  EXPECT_EQ(actionsError(kStage0, "RF0<0 F0 B0 SB0>0 W0 RF1<0 F1 B1 SB1>0 "
                                  "W1 OPT"),
            manifestPath() + ": the stages' action lists deadlock: stage 0 (" +
                stage(0) +
                ") is stuck at action 3 'SF1>1', waiting for stage "
                "1 to reach action 5 'RF1<0'; stage 1 (" +
                stage(1) +
                ") is stuck at action 3 'SB0>0', waiting for stage "
                "0 to reach action 4 'RB0<1'");
}

TEST_F(ProgramPipelineTest, SendsAndReceivesComeInTheSameOrder) {
  EXPECT_EQ(
      actionsError(kStage0, "RF1<0 RF0<0 F0 B0 SB0>0 W0 F1 B1 SB1>0 W1 OPT"),
      stage(0) +
          ": action 1 'SF0>1' is the 1st message from stage 0 "
          "to stage 1, but the 1st that stage 1 receives from "
          "stage 0 is action 0 'RF1<0' (" +
          stage(1) + "); receives must come in the order of the sends");
}

TEST_F(ProgramPipelineTest, TiedReductionsPairUp) {
  ChainSpec spec;
  spec.tied = true;
  std::vector<std::string> lists = chainSchedule(spec);
  lists[1] = substitute(lists[1], "TR~0", "");
  EXPECT_EQ(loadError(chain(spec, lists)),
            stage(0) +
                ": action 10 'TR~1' has no matching 'TR~0' on stage 1 "
                "(" +
                stage(1) +
                "): the 1st TR~t of stage s pairs with the 1st "
                "TR~s of stage t");
}

/// A directory in memory (no files): the chain's manifest and, per stage,
/// a program holding only `lists[s]`, named "stage<s>.pb".
ProgramDirectory inMemory(const ChainSpec &spec,
                          const std::vector<std::string> &lists) {
  ProgramDirectory dir;
  dir.manifestPath = "manifest.pbtxt";
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(chainManifest(spec),
                                                            &dir.manifest));
  for (int s = 0; s < spec.stages; ++s) {
    StageProgram stage;
    stage.programPath = "stage" + std::to_string(s) + ".pb";
    stage.program = parseProgram(actionsText(lists[size_t(s)]));
    stage.program.set_stage(uint32_t(s));
    stage.program.set_num_stages(uint32_t(spec.stages));
    stage.program.set_microbatches(uint32_t(spec.microbatches));
    dir.stages.push_back(std::move(stage));
  }
  return dir;
}

std::string acrossStagesError(const ProgramDirectory &dir) {
  Status s = verifyAcrossStages(dir);
  return s ? s.message() : "";
}

TEST(ProgramAcrossStagesTest, EverySendHasAReceive) {
  ChainSpec spec;
  spec.training = false;
  EXPECT_EQ(
      acrossStagesError(inMemory(spec, {"F0 SF0>1 F1 SF1>1", "RF0<0 F0 F1"})),
      "stage0.pb: action 3 'SF1>1' is the 2nd message from stage 0 to "
      "stage 1, but stage 1 (stage1.pb) receives only 1");
  EXPECT_EQ(
      acrossStagesError(inMemory(spec, {"F0 SF0>1 F1", "RF0<0 F0 RF1<0 F1"})),
      "stage1.pb: action 2 'RF1<0' is the 2nd message from stage 0 to "
      "stage 1, but stage 0 (stage0.pb) sends only 1");
  EXPECT_EQ(acrossStagesError(
                inMemory(spec, {"F0 SF0>1 F1 SF1>1", "RF0<0 F0 RF1<0 F1"})),
            "");
}

TEST(ProgramAcrossStagesTest, ReplayWaitsForInputs) {
  // Not through verifyActions (which would refuse stage 1's F0 first): the
  // replay itself lets F wait for its activations.
  ChainSpec spec;
  spec.training = false;
  EXPECT_EQ(acrossStagesError(inMemory(spec, {"F0 SF0>1", "F0 RF0<0"})),
            "manifest.pbtxt: the stages' action lists deadlock: stage 0 "
            "(stage0.pb) is stuck at action 1 'SF0>1', waiting for stage 1 "
            "to reach action 1 'RF0<0'; stage 1 (stage1.pb) is stuck at "
            "action 0 'F0': its activations were neither received nor "
            "produced before it");
  EXPECT_EQ(acrossStagesError(inMemory(spec, {"F0 SF0>3", "RF0<0 F0"})),
            "stage0.pb: action 1 is out of range (the stage's actions are "
            "not verified)");
}

TEST(ProgramAcrossStagesTest, ReplayIsLinear) {
  // 16 stages, 256 microbatches, 4 chunks per stage (64 virtual stages):
  // 113,680 actions.
  ChainSpec spec;
  spec.stages = 16;
  spec.microbatches = 256;
  spec.chunks = 4;
  std::vector<std::string> lists = chainSchedule(spec);
  ProgramDirectory dir = inMemory(spec, lists);
  size_t actions = 0;
  for (const StageProgram &stage : dir.stages)
    actions += size_t(stage.program.actions_size());
  EXPECT_EQ(actions, 113680u);

  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  for (const StageProgram &stage : dir.stages) {
    Status s = verifyActions(stage.program, dir.manifest, dir.manifestPath,
                             stage.programPath);
    ASSERT_FALSE(s) << s.message();
  }
  auto middle = Clock::now();
  Status s = verifyAcrossStages(dir);
  ASSERT_FALSE(s) << s.message();
  auto end = Clock::now();
  double seconds = std::chrono::duration<double>(end - start).count();
  std::cout << "checked " << actions << " actions of 16 stages in "
            << seconds * 1e3 << " ms (the lists together: "
            << std::chrono::duration<double>(end - middle).count() * 1e3
            << " ms)\n";
  EXPECT_LT(seconds, 1.0);

  // Stage 0 waits for chunk 1's first activations (from stage 15) before
  // sending chunk 0's that they depend on: all 16 stages are stuck.
  lists[0] = substitute(lists[0], "F0.0 SF0.0>1 RF0.1<15 F0.1",
                        "RF0.1<15 F0.0 SF0.0>1 F0.1");
  dir = inMemory(spec, lists);
  start = Clock::now();
  std::string error = acrossStagesError(dir);
  seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "found the deadlock in " << seconds * 1e3 << " ms\n";
  EXPECT_LT(seconds, 1.0);
  EXPECT_EQ(error.rfind("manifest.pbtxt: the stages' action lists deadlock: "
                        "stage 0 (stage0.pb) is stuck at action 0 'RF0.1<15', "
                        "waiting for stage 15 to reach action ",
                        0),
            0u)
      << error;
  for (int st = 1; st < 16; ++st)
    EXPECT_NE(error.find("; stage " + std::to_string(st) + " (stage" +
                         std::to_string(st) + ".pb) is stuck at action "),
              std::string::npos)
        << st << ": " << error;
}

} // namespace
