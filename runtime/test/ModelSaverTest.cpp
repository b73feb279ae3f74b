//===- ModelSaverTest.cpp - Trained weights back into the ONNX model ------===//

#include "ProgramFixture.h"

#include "pp/Runtime/ModelSaver.h"
#include "pp/Runtime/TensorIO.h"

#include <onnx/onnx_pb.h>

#include <filesystem>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

class ModelSaverTest : public ::testing::Test {
protected:
  /// A model with initializers W (inline, 2xf32), B (external data in
  /// ext.bin) and C (float_data), and the linear program whose parameter w
  /// comes from W.
  void SetUp() override {
    onnx::ModelProto model;
    model.set_ir_version(8);
    onnx::GraphProto &graph = *model.mutable_graph();
    graph.set_name("g");
    tensorToProto(makeTensor<float>(DType::F32, {2}, {9, 9}), "W",
                  *graph.add_initializer());
    onnx::TensorProto &b = *graph.add_initializer();
    b.set_name("B");
    b.set_data_type(onnx::TensorProto::FLOAT);
    b.add_dims(1);
    b.set_data_location(onnx::TensorProto::EXTERNAL);
    auto *entry = b.add_external_data();
    entry->set_key("location");
    entry->set_value("ext.bin");
    float bias = 3.5f;
    writeFile(model_.file("ext.bin"),
              std::string(reinterpret_cast<char *>(&bias), 4));
    onnx::TensorProto &c = *graph.add_initializer();
    c.set_name("C");
    c.set_data_type(onnx::TensorProto::FLOAT);
    c.add_float_data(2);
    std::string bytes;
    model.SerializeToString(&bytes);
    writeFile(model_.file("m.onnx"), bytes);
    source = model_.file("m.onnx");
  }

  Status load(const std::string &programEdit = "") {
    std::string manifest = substitute(
        linearManifest(), "producer: \"hand-written\"",
        "producer: \"hand-written\"\nsource_model: \"" + source + "\"");
    std::string program = linearProgram();
    if (!programEdit.empty())
      program = substitute(program, "source_name: \"W\"", programEdit);
    writeProgramDir(dir.path(), manifest, program, linearWeights());
    return loadProgramDirectory(dir.path(), loaded);
  }

  onnx::ModelProto readBack(const std::string &path) {
    onnx::ModelProto model;
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(model.ParseFromIstream(&in));
    return model;
  }

  /// Files in `out`'s directory other than the ones expected.
  size_t fileCount() const {
    size_t n = 0;
    for (auto &entry : std::filesystem::directory_iterator(out_.path()))
      (void)entry, ++n;
    return n;
  }

  TempDir dir, model_, out_;
  std::string source;
  ProgramDirectory loaded;
};

TEST_F(ModelSaverTest, ReplacesTrainedInitializersAndInlinesEverything) {
  ASSERT_FALSE(load());
  loaded.stages[0].parameters[0].data<float>()[1] = 4; // "trained"
  std::string out = out_.file("trained.onnx");
  ASSERT_FALSE(saveTrainedModel(loaded, out));
  onnx::ModelProto model = readBack(out);
  ASSERT_EQ(model.graph().initializer_size(), 3);
  Tensor w, b, c;
  ASSERT_FALSE(tensorFromProto(model.graph().initializer(0), w, "W"));
  ASSERT_FALSE(tensorFromProto(model.graph().initializer(1), b, "B"));
  ASSERT_FALSE(tensorFromProto(model.graph().initializer(2), c, "C"));
  EXPECT_EQ(model.graph().initializer(0).name(), "W");
  EXPECT_EQ(values<float>(w), (std::vector<float>{0.5f, 4}));
  EXPECT_EQ(values<float>(b), (std::vector<float>{3.5f}));
  EXPECT_EQ(model.graph().initializer(1).external_data_size(), 0);
  EXPECT_EQ(values<float>(c), (std::vector<float>{2}));
  EXPECT_EQ(model.graph().name(), "g");
  EXPECT_EQ(fileCount(), 1u); // no temporary file left
}

TEST_F(ModelSaverTest, ErrorsLeaveTheOldFileAndNoTemporary) {
  std::string out = out_.file("trained.onnx");
  writeFile(out, "old");
  ASSERT_FALSE(load("source_name: \"V\""));
  Status s = saveTrainedModel(loaded, out);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), dir.file("stage0.pb") +
                             ": parameter 'w' comes from initializer 'V', "
                             "which " +
                             source + " does not have");
  std::ifstream in(out);
  std::string content((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "old");
  EXPECT_EQ(fileCount(), 1u);
}

TEST_F(ModelSaverTest, InitializerTypesMustMatch) {
  ASSERT_FALSE(load("source_name: \"B\""));
  Status s = saveTrainedModel(loaded, out_.file("t.onnx"));
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), dir.file("stage0.pb") +
                             ": parameter 'w' is 2xf32, but initializer 'B' "
                             "of " +
                             source + " has another type or shape");
  EXPECT_EQ(fileCount(), 0u);
}

TEST_F(ModelSaverTest, MissingSourceModel) {
  source = model_.file("gone.onnx");
  ASSERT_FALSE(load());
  Status s = saveTrainedModel(loaded, out_.file("t.onnx"));
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message().rfind(source + ": cannot open the source model", 0), 0u)
      << s.message();
  EXPECT_EQ(fileCount(), 0u);
}

TEST_F(ModelSaverTest, UnwritableDestination) {
  ASSERT_FALSE(load());
  Status s = saveTrainedModel(loaded, out_.file("no/such/dir/t.onnx"));
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), out_.file("no/such/dir/t.onnx") +
                             ": cannot write it: No such file or directory")
      << s.message();
}

} // namespace
