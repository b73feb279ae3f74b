//===- TensorTest.cpp - Tensors and kernel attributes ---------------------===//

#include "TestUtil.h"

#include "pp/Runtime/Kernel.h"

#include <algorithm>
#include <limits>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

TEST(Tensor, TypesPrintAndCount) {
  TensorType t{DType::F32, {2, 16, 64}};
  EXPECT_EQ(t.str(), "2x16x64xf32");
  EXPECT_EQ(t.numel(), 2048);
  EXPECT_EQ(t.bytes(), 8192u);
  EXPECT_EQ((TensorType{DType::I64, {}}).str(), "i64");
  EXPECT_EQ(formatShape({}), "scalar");
  EXPECT_EQ(formatShape({3, 0}), "3x0");
  EXPECT_EQ(dtypeSize(DType::BF16), 2u);
  EXPECT_TRUE(isFloat(DType::F16));
  EXPECT_FALSE(isFloat(DType::Bool));
}

TEST(Tensor, BuffersAreAlignedZeroedAndShared) {
  Tensor z = Tensor::zeros({DType::F64, {5}});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(z.raw()) % 64, 0u);
  EXPECT_EQ(values<double>(z), std::vector<double>(5, 0.0));
  Tensor shared = z;
  shared.data<double>()[2] = 4;
  EXPECT_EQ(z.data<double>()[2], 4);
  Tensor copy = z.clone();
  copy.data<double>()[2] = 1;
  EXPECT_EQ(z.data<double>()[2], 4);
  Tensor empty = Tensor::empty({DType::F32, {0, 3}});
  EXPECT_TRUE(empty.valid());
  EXPECT_FALSE(Tensor().valid());
}

TEST(Tensor, SliceViewsRowsOfAxisZero) {
  Tensor t = makeTensor<int32_t>(DType::I32, {3, 2}, {0, 1, 2, 3, 4, 5});
  Tensor rows = t.slice(1, 2);
  EXPECT_EQ(rows.type().str(), "2x2xi32");
  EXPECT_EQ(values<int32_t>(rows), (std::vector<int32_t>{2, 3, 4, 5}));
  rows.data<int32_t>()[0] = 9; // a view: writes reach the original
  EXPECT_EQ(t.data<int32_t>()[2], 9);
  t = Tensor(); // the slice keeps the buffer alive
  EXPECT_EQ(values<int32_t>(rows), (std::vector<int32_t>{9, 3, 4, 5}));
}

TEST(Attributes, TypedLookupsAndDefaults) {
  Attributes a;
  a.set("axis", int64_t(-1));
  a.set("epsilon", 1e-5);
  a.set("perm", std::vector<int64_t>{1, 0});
  a.set("mode", std::string("tanh"));
  int64_t axis = 0;
  EXPECT_FALSE(a.getInt("axis", axis));
  EXPECT_EQ(axis, -1);
  double eps = 0;
  EXPECT_FALSE(a.getFloat("epsilon", eps));
  EXPECT_EQ(eps, 1e-5);
  EXPECT_FALSE(a.getFloat("axis", eps)); // integers read as floats
  EXPECT_EQ(eps, -1);
  std::vector<int64_t> perm;
  EXPECT_FALSE(a.getInts("perm", perm));
  EXPECT_EQ(perm, (std::vector<int64_t>{1, 0}));
  std::string mode;
  EXPECT_FALSE(a.getString("mode", mode));
  EXPECT_EQ(mode, "tanh");
  int64_t group = 0;
  EXPECT_FALSE(a.getInt("group", group, 1));
  EXPECT_EQ(group, 1);
}

TEST(Attributes, ErrorsNameTheContextAndTheAttribute) {
  Attributes a;
  a.setContext("nn.softmax at model.onnx:node 'sm'");
  a.set("axis", 1.5);
  int64_t axis = 0;
  Status s = a.getInt("axis", axis);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "nn.softmax at model.onnx:node 'sm': attribute "
                         "'axis' is a float, expected an integer");
  Tensor t;
  s = a.getTensor("value", t);
  ASSERT_TRUE(bool(s));
  EXPECT_EQ(s.message(), "nn.softmax at model.onnx:node 'sm': attribute "
                         "'value' is missing");
}

TEST(Tensor, FirstNonFiniteInEveryFloatType) {
  BufferPool pool;
  auto make = [&](DType dtype, int64_t n) {
    return Tensor::empty(TensorType{dtype, {n}}, pool);
  };
  Tensor f = make(DType::F32, 4);
  std::fill(f.data<float>(), f.data<float>() + 4, 1.0f);
  EXPECT_EQ(firstNonFinite(f, true), -1);
  f.data<float>()[1] = -std::numeric_limits<float>::infinity();
  f.data<float>()[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(firstNonFinite(f, true), 1);
  EXPECT_EQ(firstNonFinite(f, false), 3);
  Tensor d = make(DType::F64, 2);
  d.data<double>()[0] = std::numeric_limits<double>::infinity();
  d.data<double>()[1] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(firstNonFinite(d, true), 0);
  EXPECT_EQ(firstNonFinite(d, false), 1);
  // f16: 0x7c00 inf, 0x7e00 NaN, 0x7bff the largest finite value.
  Tensor h = make(DType::F16, 3);
  h.data<uint16_t>()[0] = 0x7bff;
  h.data<uint16_t>()[1] = 0xfc00;
  h.data<uint16_t>()[2] = 0x7e00;
  EXPECT_EQ(firstNonFinite(h, true), 1);
  EXPECT_EQ(firstNonFinite(h, false), 2);
  // bf16: 0x7f80 inf, 0x7fc1 NaN, 0x7f7f finite.
  Tensor b = make(DType::BF16, 3);
  b.data<uint16_t>()[0] = 0x7f7f;
  b.data<uint16_t>()[1] = 0x7f80;
  b.data<uint16_t>()[2] = 0xffc1;
  EXPECT_EQ(firstNonFinite(b, true), 1);
  EXPECT_EQ(firstNonFinite(b, false), 2);
  Tensor i = make(DType::I64, 2);
  EXPECT_EQ(firstNonFinite(i, true), -1);
}

TEST(KernelSpec, ErrorNamesOpAndLocation) {
  KernelSpec spec;
  spec.op = "nn.matmul";
  spec.location = "mlp.onnx:node 'fc1'";
  EXPECT_EQ(spec.error("rank 0").message(),
            "nn.matmul at mlp.onnx:node 'fc1': rank 0");
  spec.location.clear();
  EXPECT_EQ(spec.error("rank 0").message(), "nn.matmul: rank 0");
}

} // namespace
