//===- TensorIOTest.cpp - ONNX TensorProto files --------------------------===//

#include "TestUtil.h"

#include "pp/Runtime/TensorIO.h"

#include <onnx/onnx_pb.h>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

TEST(TensorIO, RoundTripKeepsTypeValuesAndName) {
  TempDir dir;
  Tensor t = makeTensor<float>(DType::F32, {2, 3}, {1, -2, 3.5f, 0, 1e-7f, 6});
  ASSERT_FALSE(writeTensorFile(dir.file("t.pb"), t, "fc1.weight"));
  Tensor back;
  std::string name;
  ASSERT_FALSE(readTensorFile(dir.file("t.pb"), back, &name));
  EXPECT_EQ(name, "fc1.weight");
  EXPECT_EQ(back.type(), t.type());
  EXPECT_EQ(values<float>(back), values<float>(t));
}

TEST(TensorIO, RoundTripOfEveryDType) {
  TempDir dir;
  for (DType dtype :
       {DType::F32, DType::F64, DType::I64, DType::I32, DType::Bool, DType::F16,
        DType::BF16, DType::I8, DType::U8, DType::U32, DType::U64, DType::I16,
        DType::U16}) {
    Tensor t = Tensor::empty({dtype, {3}});
    for (size_t i = 0; i < t.bytes(); ++i)
      static_cast<uint8_t *>(t.raw())[i] = uint8_t(i * 7 % 2);
    ASSERT_FALSE(writeTensorFile(dir.file("t.pb"), t, "x"));
    Tensor back;
    ASSERT_FALSE(readTensorFile(dir.file("t.pb"), back));
    EXPECT_EQ(back.type(), t.type()) << dtypeName(dtype);
    EXPECT_EQ(0, std::memcmp(back.raw(), t.raw(), t.bytes()))
        << dtypeName(dtype);
  }
}

TEST(TensorIO, ZeroDimensionalTensor) {
  TempDir dir;
  Tensor t = makeTensor<float>(DType::F32, {}, {2.5f});
  ASSERT_FALSE(writeTensorFile(dir.file("loss.pb"), t, "loss"));
  Tensor back;
  ASSERT_FALSE(readTensorFile(dir.file("loss.pb"), back));
  EXPECT_EQ(back.type().str(), "f32");
  EXPECT_EQ(*back.data<float>(), 2.5f);
}

TEST(TensorIO, ReadsTypedFields) {
  onnx::TensorProto proto;
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.add_dims(2);
  proto.add_float_data(1.5f);
  proto.add_float_data(-3);
  Tensor t;
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(values<float>(t), (std::vector<float>{1.5f, -3}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::INT64);
  proto.add_dims(3);
  for (int64_t v : {int64_t(7), int64_t(-1), int64_t(1) << 40})
    proto.add_int64_data(v);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(values<int64_t>(t),
            (std::vector<int64_t>{7, -1, int64_t(1) << 40}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::BOOL);
  proto.add_dims(2);
  proto.add_int32_data(1);
  proto.add_int32_data(0);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.dtype(), DType::Bool);
  EXPECT_EQ(values<uint8_t>(t), (std::vector<uint8_t>{1, 0}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::DOUBLE);
  proto.add_double_data(0.25);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.type().str(), "f64");
  EXPECT_EQ(*t.data<double>(), 0.25);
}

TEST(TensorIO, WritesAndReadsTheOnnxCodesOfUnsignedAndI16Types) {
  // ONNX's codes: UINT32 12, UINT64 13, INT16 5, UINT16 4; the raw bytes
  // are the values, little-endian.
  TempDir dir;
  Tensor u64 = makeTensor<uint64_t>(DType::U64, {2}, {~uint64_t(0), 3});
  onnx::TensorProto proto;
  tensorToProto(u64, "u", proto);
  EXPECT_EQ(proto.data_type(), onnx::TensorProto::UINT64);
  ASSERT_FALSE(writeTensorFile(dir.file("u.pb"), u64, "u"));
  Tensor back;
  ASSERT_FALSE(readTensorFile(dir.file("u.pb"), back));
  EXPECT_EQ(back.type().str(), "2xu64");
  EXPECT_EQ(values<uint64_t>(back), values<uint64_t>(u64));

  Tensor i16 = makeTensor<int16_t>(DType::I16, {3}, {-32768, -1, 32767});
  tensorToProto(i16, "i", proto);
  EXPECT_EQ(proto.data_type(), onnx::TensorProto::INT16);
  ASSERT_FALSE(tensorFromProto(proto, back, "i"));
  EXPECT_EQ(back.type().str(), "3xi16");
  EXPECT_EQ(values<int16_t>(back), values<int16_t>(i16));

  tensorToProto(makeTensor<uint32_t>(DType::U32, {1}, {7}), "", proto);
  EXPECT_EQ(proto.data_type(), onnx::TensorProto::UINT32);
  tensorToProto(makeTensor<uint16_t>(DType::U16, {1}, {7}), "", proto);
  EXPECT_EQ(proto.data_type(), onnx::TensorProto::UINT16);
}

TEST(TensorIO, ReadsTheTypedFieldsOfUnsignedAndI16Types) {
  // ONNX keeps UINT32 and UINT64 in uint64_data, INT16 and UINT16 in
  // int32_data.
  onnx::TensorProto proto;
  Tensor t;
  proto.set_data_type(onnx::TensorProto::UINT32);
  proto.add_dims(2);
  proto.add_uint64_data(4294967295u);
  proto.add_uint64_data(5);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.type().str(), "2xu32");
  EXPECT_EQ(values<uint32_t>(t), (std::vector<uint32_t>{4294967295u, 5}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::UINT64);
  proto.add_dims(2);
  proto.add_uint64_data(~uint64_t(0));
  proto.add_uint64_data(uint64_t(1) << 40);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.type().str(), "2xu64");
  EXPECT_EQ(values<uint64_t>(t),
            (std::vector<uint64_t>{~uint64_t(0), uint64_t(1) << 40}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::INT16);
  proto.add_dims(2);
  proto.add_int32_data(-300);
  proto.add_int32_data(32767);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.type().str(), "2xi16");
  EXPECT_EQ(values<int16_t>(t), (std::vector<int16_t>{-300, 32767}));

  proto.Clear();
  proto.set_data_type(onnx::TensorProto::UINT16);
  proto.add_dims(2);
  proto.add_int32_data(65535);
  proto.add_int32_data(9);
  ASSERT_FALSE(tensorFromProto(proto, t, "p"));
  EXPECT_EQ(t.type().str(), "2xu16");
  EXPECT_EQ(values<uint16_t>(t), (std::vector<uint16_t>{65535, 9}));

  // A count that does not match names the field ONNX uses.
  proto.add_int32_data(1);
  Status s = tensorFromProto(proto, t, "p");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "p: int32_data holds 3 values, but the shape 2 has 2 "
                         "elements");
}

TEST(TensorIO, ErrorsNameTheFileAndTheProblem) {
  TempDir dir;
  Tensor t;
  Status s = readTensorFile(dir.file("missing.pb"), t);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), dir.file("missing.pb") + ": cannot open the file");

  writeFile(dir.file("junk.pb"), "\xff\xff\xff");
  s = readTensorFile(dir.file("junk.pb"), t);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(),
            dir.file("junk.pb") + ": not an ONNX TensorProto file");

  onnx::TensorProto proto;
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.add_dims(4);
  proto.set_raw_data(std::string(12, '\0'));
  s = tensorFromProto(proto, t, "x.pb");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "x.pb: raw_data holds 12 bytes, but 4xf32 needs 16");

  proto.clear_raw_data();
  proto.add_float_data(1);
  s = tensorFromProto(proto, t, "x.pb");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "x.pb: float_data holds 1 values, but the shape 4 "
                         "has 4 elements");

  proto.set_data_type(onnx::TensorProto::STRING);
  s = tensorFromProto(proto, t, "x.pb");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "x.pb: unsupported ONNX data type 8 (STRING)");
}

TEST(TensorIO, ReadsExternalDataRelativeToBaseDir) {
  TempDir dir;
  float data[3] = {1, 2, 3};
  writeFile(dir.file("weights.bin"),
            std::string(8, 'x') +
                std::string(reinterpret_cast<char *>(data), sizeof(data)));
  onnx::TensorProto proto;
  proto.set_name("w");
  proto.set_data_type(onnx::TensorProto::FLOAT);
  proto.add_dims(3);
  proto.set_data_location(onnx::TensorProto::EXTERNAL);
  auto *entry = proto.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  entry = proto.add_external_data();
  entry->set_key("offset");
  entry->set_value("8");
  Tensor t;
  ASSERT_FALSE(tensorFromProto(proto, t, "w", dir.path()));
  EXPECT_EQ(values<float>(t), (std::vector<float>{1, 2, 3}));

  Status s = tensorFromProto(proto, t, "w");
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "w: external data is not supported here");

  // Converting back drops the reference and inlines the data.
  tensorToProto(t, "w", proto);
  EXPECT_EQ(proto.external_data_size(), 0);
  EXPECT_EQ(proto.data_location(), onnx::TensorProto::DEFAULT);
  EXPECT_EQ(proto.raw_data().size(), 12u);
}

} // namespace
