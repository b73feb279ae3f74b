//===- DataLoaderTest.cpp - Batches from directories of tensor files ------===//

#include "ProgramFixture.h"

#include "pp/Runtime/DataLoader.h"
#include "pp/Runtime/TensorIO.h"

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

class DataLoaderTest : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"(inputs { name: "x" type { dtype: FLOAT32 shape: 2 shape: 3 } }
           inputs { name: "labels" type { dtype: INT64 shape: 2 } })",
        &manifest));
  }
  void write(const std::string &file, const Tensor &t,
             const std::string &name) {
    ASSERT_FALSE(writeTensorFile(dir.file(file), t, name));
  }
  std::string error() {
    Batch batch;
    Status s = loadBatch(manifest, dir.path(), batch);
    return s ? s.message() : "";
  }

  TempDir dir;
  program::Manifest manifest;
  Tensor x = Tensor::zeros({DType::F32, {2, 3}});
  Tensor labels = makeTensor<int64_t>(DType::I64, {2}, {1, 0});
};

TEST_F(DataLoaderTest, ReadsOneFilePerInputName) {
  write("x.pb", x, "x");
  write("labels.pb", labels, "");
  Batch batch;
  ASSERT_FALSE(loadBatch(manifest, dir.path(), batch));
  EXPECT_EQ(batch.size(), 2u);
  EXPECT_EQ(values<int64_t>(batch.at("labels")), (std::vector<int64_t>{1, 0}));
}

TEST_F(DataLoaderTest, ReadsTheBackendTestLayoutByNameThenPosition) {
  write("input_0.pb", labels, "labels"); // by name, though at position 0
  write("input_1.pb", x, "x");
  Batch batch;
  ASSERT_FALSE(loadBatch(manifest, dir.path(), batch));
  EXPECT_EQ(batch.at("x").type().str(), "2x3xf32");

  TempDir other;
  ASSERT_FALSE(writeTensorFile(other.file("input_0.pb"), x, "input"));
  ASSERT_FALSE(writeTensorFile(other.file("input_1.pb"), labels, ""));
  ASSERT_FALSE(loadBatch(manifest, other.path(), batch));
  EXPECT_EQ(values<int64_t>(batch.at("labels")), (std::vector<int64_t>{1, 0}));
}

TEST_F(DataLoaderTest, FileSafeNames) {
  EXPECT_EQ(fileSafeName("onnx::MatMul_260"), "onnx__MatMul_260");
  EXPECT_EQ(fileSafeName("blocks/0/w.weight"), "blocks_0_w.weight");
  EXPECT_EQ(fileSafeName(".."), "_..");
  manifest.mutable_inputs(0)->set_name("in/put:0");
  write("in_put_0.pb", x, "in/put:0");
  write("labels.pb", labels, "labels");
  EXPECT_EQ(error(), "");
}

TEST_F(DataLoaderTest, MissingFileNamesTheInput) {
  write("x.pb", x, "x");
  EXPECT_EQ(error(), dir.path() + ": no data for input 'labels' (expected " +
                         dir.path() +
                         "/labels.pb, or input_1.pb / an input_<N>.pb named "
                         "'labels')");
}

TEST_F(DataLoaderTest, WrongTypeOrShapeNamesFileInputAndBothTypes) {
  write("x.pb", Tensor::zeros({DType::F32, {2, 4}}), "x");
  write("labels.pb", labels, "labels");
  EXPECT_EQ(error(),
            dir.file("x.pb") + ": input 'x': expected 2x3xf32, found 2x4xf32");
  write("x.pb", x, "x");
  write("labels.pb", Tensor::zeros({DType::I32, {2}}), "labels");
  EXPECT_EQ(error(), dir.file("labels.pb") +
                         ": input 'labels': expected 2xi64, found 2xi32");
}

TEST_F(DataLoaderTest, NotADirectory) {
  Batch batch;
  Status s = loadBatch(manifest, dir.file("none"), batch);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), dir.file("none") + ": not a directory (--data "
                                            "expects a directory of "
                                            "TensorProto files)");
}

} // namespace
