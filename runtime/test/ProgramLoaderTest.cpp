//===- ProgramLoaderTest.cpp - Loading and checking export directories ----===//

#include "ProgramFixture.h"

#include "pp/Runtime/Program.h"

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

class ProgramLoaderTest : public ::testing::Test {
protected:
  /// Writes the linear program with `edit` applied to its text and returns
  /// the loader's error message ("" when it loads).
  std::string loadError(const std::string &manifest, const std::string &program,
                        const std::string &weights = linearWeights()) {
    writeProgramDir(dir.path(), manifest, program, weights);
    ProgramDirectory loaded;
    Status s = loadProgramDirectory(dir.path(), loaded);
    return s ? s.message() : "";
  }
  std::string stage0() const { return dir.file("stage0.pb"); }
  std::string manifestPath() const { return dir.file("manifest.pbtxt"); }

  TempDir dir;
};

TEST_F(ProgramLoaderTest, LoadsAndBindsParametersToTheWeightsFile) {
  writeProgramDir(dir.path(), linearManifest(), linearProgram(),
                  linearWeights());
  ProgramDirectory loaded;
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  EXPECT_EQ(loaded.manifest.microbatches(), 2u);
  ASSERT_EQ(loaded.stages.size(), 1u);
  const StageProgram &stage = loaded.stages[0];
  EXPECT_EQ(stage.program.functions_size(), 3);
  ASSERT_EQ(stage.parameters.size(), 1u);
  EXPECT_EQ(stage.parameters[0].type().str(), "2xf32");
  EXPECT_EQ(values<float>(stage.parameters[0]), (std::vector<float>{0.5f, -1}));
  EXPECT_EQ(stage.parameters[0].raw(), stage.weights->data());
  // Copy-on-write: updating a parameter leaves the file as it was.
  stage.parameters[0].data<float>()[0] = 7;
  ProgramDirectory again;
  ASSERT_FALSE(loadProgramDirectory(dir.path(), again));
  EXPECT_EQ(again.stages[0].parameters[0].data<float>()[0], 0.5f);
}

TEST_F(ProgramLoaderTest, RefusesAnotherFormatVersion) {
  std::string manifest =
      substitute(linearManifest(), "format_version: 2",
                 "format_version: 3\nnew_field_of_version_3: 7");
  EXPECT_EQ(loadError(manifest, linearProgram()),
            manifestPath() +
                ": format version 3, but this runtime reads version 2: the "
                "directory was written by 'hand-written', another version of "
                "pp; export it again with this version's pp-opt");
  std::string program =
      substitute(linearProgram(), "format_version: 2", "format_version: 1");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": format version 1, but this runtime reads version "
                       "2: the directory was written by 'hand-written', "
                       "another version of pp; export it again with this "
                       "version's pp-opt");
}

TEST_F(ProgramLoaderTest, ManifestSyntaxErrorsHaveALineAndColumn) {
  std::string manifest = linearManifest() + "stages { stage: x }\n";
  std::string error = loadError(manifest, linearProgram());
  EXPECT_EQ(error.rfind(manifestPath() + ":10:", 0), 0u) << error;
}

TEST_F(ProgramLoaderTest, MissingFilesAreNamed) {
  std::string error = loadError(
      substitute(linearManifest(), "stage0.pb", "stage9.pb"), linearProgram());
  EXPECT_EQ(error.rfind(dir.file("stage9.pb") + ": cannot open the file", 0),
            0u)
      << error;
  ProgramDirectory loaded;
  Status s = loadProgramDirectory(dir.file("nowhere"), loaded);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), dir.file("nowhere") +
                             ": not a directory (expected the output of "
                             "pp-opt --pp-export=DIR)");
}

TEST_F(ProgramLoaderTest, ValuesMustBeDefinedBeforeUse) {
  std::string program =
      substitute(linearProgram(), R"(inputs: 1 inputs: 0 outputs: 2 location)",
                 R"(inputs: 1 inputs: 3 outputs: 2 location)");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": function 'forward': kernel 0 (test.mul at f:1): "
                       "input value 3 ('loss') is used before it is defined");
}

TEST_F(ProgramLoaderTest, ValueIdsAreUnique) {
  std::string program =
      substitute(linearProgram(), R"(values { id: 3 name: "loss")",
                 R"(values { id: 2 name: "loss")");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": function 'forward': value 2 is declared twice");
}

TEST_F(ProgramLoaderTest, ParametersLieInsideTheWeightsFile) {
  EXPECT_EQ(loadError(linearManifest(), linearProgram(), "1234"),
            stage0() + ": parameter 'w': bytes [0, 8) lie outside the "
                       "weights file (4 bytes)");
  std::string program =
      substitute(linearProgram(), "offset: 0 length: 8", "offset: 8 length: 8");
  EXPECT_EQ(loadError(linearManifest(), program, std::string(16, '\0')),
            stage0() + ": parameter 'w': offset 8 is not 64-byte aligned");
  program = substitute(linearProgram(), "length: 8", "length: 4");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": parameter 'w': length 4 bytes, but 2xf32 needs 8");
}

TEST_F(ProgramLoaderTest, PortsMatchAcrossFunctions) {
  std::string program = substitute(
      linearProgram(), R"(arguments { value: 1 role: COTANGENT key: "c0" })",
      R"(arguments { value: 1 role: COTANGENT key: "c9" })");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() +
                ": function 'forward_backward_weight': argument 'c9' "
                "(cotangent) has no cotangent result of that key in " +
                stage0() + ": function 'forward_backward_input'");
}

TEST_F(ProgramLoaderTest, PortRolesFitTheFunction) {
  std::string program =
      substitute(linearProgram(), R"(results { value: 0 role: SAVED)",
                 R"(results { value: 0 role: COTANGENT)");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": function 'forward': result 's0' has role "
                       "cotangent, which a forward function cannot have as "
                       "result");
}

TEST_F(ProgramLoaderTest, InputsAgreeWithTheManifest) {
  std::string manifest = substitute(linearManifest(), "shape: 4", "shape: 6");
  EXPECT_EQ(loadError(manifest, linearProgram()),
            stage0() +
                ": function 'forward': input 'x' is 2xf32, but the "
                "manifest's 6xf32 in 2 microbatches gives 3xf32 (" +
                manifestPath() + ")");
  manifest = substitute(linearManifest(), "shape: 4", "shape: 5");
  EXPECT_EQ(loadError(manifest, linearProgram()),
            manifestPath() + ": tensor 'x' (5xf32) cannot be cut into 2 "
                             "microbatches along axis 0");
  manifest = substitute(linearManifest(), R"(name: "x")", R"(name: "y")");
  EXPECT_EQ(loadError(manifest, linearProgram()),
            stage0() +
                ": function 'forward': input 'x' is not among the "
                "manifest's inputs (" +
                manifestPath() + ")");
}

TEST_F(ProgramLoaderTest, TrainableParametersHaveOneGradient) {
  std::string program = substitute(
      linearProgram(), R"(results { value: 2 role: PARAM_GRAD key: "w" })", "");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": trainable parameter 'w' has 0 param_grad results, "
                       "expected at least 1 (one per chunk that uses it)");
}

TEST_F(ProgramLoaderTest, TrainingProgramsHaveBackwardFunctions) {
  program::Program prog = parseProgram(linearProgram());
  prog.mutable_functions()->RemoveLast();
  std::string text;
  google::protobuf::TextFormat::PrintToString(prog, &text);
  EXPECT_EQ(loadError(linearManifest(), text),
            stage0() + ": chunk 0: the manifest's loss is 'output', but the "
                       "backward-input or backward-weight function is "
                       "missing");
}

TEST_F(ProgramLoaderTest, StageHeaderAgreesWithTheManifest) {
  std::string program =
      substitute(linearProgram(), "microbatches: 2", "microbatches: 4");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": stage 0 of 1 with 4 microbatches, but the manifest "
                       "lists it as stage 0 of 1 with 2");
}

/// The actions of stage 0 of a loaded directory in text form.
std::string loadedActions(const ProgramDirectory &loaded) {
  std::string out;
  for (const program::Action &a : loaded.stages[0].program.actions())
    out += (out.empty() ? "" : " ") + actionText(a, 1);
  return out;
}

TEST_F(ProgramLoaderTest, FillsInTheActionsOfOneStage) {
  // Written without actions (pp-opt --pp-autodiff --pp-export): each
  // microbatch in turn, then the optimizer step.
  writeProgramDir(dir.path(), linearManifest(), linearProgram(),
                  linearWeights());
  ProgramDirectory loaded;
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  EXPECT_EQ(loadedActions(loaded), "F0 B0 W0 F1 B1 W1 OPT");
  // Without a loss, forwards only.
  std::string manifest = substitute(linearManifest(), R"(loss: "output")", "");
  writeProgramDir(dir.path(), manifest, linearProgram(), linearWeights());
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  EXPECT_EQ(loadedActions(loaded), "F0 F1");
}

TEST_F(ProgramLoaderTest, ChecksTheActionsOfOneStage) {
  std::string program = linearProgram() + actionsText("F0 B0 W0 F1 B1 W1 OPT");
  writeProgramDir(dir.path(), linearManifest(), program, linearWeights());
  ProgramDirectory loaded;
  ASSERT_FALSE(loadProgramDirectory(dir.path(), loaded));
  EXPECT_EQ(loadedActions(loaded), "F0 B0 W0 F1 B1 W1 OPT");
  program = linearProgram() + actionsText("F0 B0 W0 F1 W1 OPT");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": action 4 'W1': comes before its 'B1'");
  // One stage has no peers.
  program = linearProgram() + actionsText("F0 SF0>1");
  EXPECT_EQ(loadError(linearManifest(), program),
            stage0() + ": action 1 'SF0>1': peer stage 1 is not another "
                       "stage of the 1");
}

} // namespace
