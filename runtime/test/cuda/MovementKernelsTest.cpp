//===- MovementKernelsTest.cpp - CUDA Movement kernels against the CPU's --===//
//
// Every movement op on the device target against the CPU backend: element
// sizes 1, 2, 4 and 8 bytes for the ops that only move data (bool,
// f16/bf16, f32/i32, f64/i64), f32 and f64 for the gradients, odd sizes, size-1
// and empty axes, 0-d tensors, and every attribute variant (negative and i32
// indices, padding_index, negative slice steps, every pad mode and
// negative pads, trilu's k beyond the matrix).
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

using Ints = std::vector<int64_t>;

/// One dtype of each element size, and the two float types.
const DType kMoved[] = {DType::Bool, DType::F16, DType::BF16, DType::F32,
                        DType::I32,  DType::F64, DType::I64};
const DType kFloats[] = {DType::F32, DType::F64};

Tensor random(const TensorType &t, std::mt19937 &rng) {
  return randomTensor(t, rng, -9, 9);
}

TEST(MovementKernels, BufferCopiesMatchCpu) {
  std::mt19937 rng(7);
  for (DType dtype : kMoved) {
    TensorType in{dtype, {2, 3, 5}};
    Tensor x = random(in, rng);
    expectMatchesCpu("nn.reshape", {}, {x}, {TensorType{dtype, {6, 5}}});
    expectMatchesCpu("nn.flatten", attrs({{"axis", int64_t(1)}}), {x},
                     {TensorType{dtype, {2, 15}}});
    expectMatchesCpu("nn.flatten", attrs({{"axis", int64_t(0)}}), {x},
                     {TensorType{dtype, {1, 30}}});
    expectMatchesCpu("nn.unsqueeze", attrs({{"axes", Ints{0, 3}}}), {x},
                     {TensorType{dtype, {1, 2, 3, 1, 5}}});
    TensorType ones{dtype, {1, 4, 1}};
    expectMatchesCpu("nn.squeeze", attrs({{"axes", Ints{0, 2}}}),
                     {random(ones, rng)}, {TensorType{dtype, {4}}});
    TensorType empty{dtype, {0, 3}};
    expectMatchesCpu("nn.reshape", {}, {random(empty, rng)},
                     {TensorType{dtype, {3, 0}}});
  }
}

TEST(MovementKernels, TransposeMatchesCpu) {
  std::mt19937 rng(8);
  const std::pair<Shape, Ints> cases[] = {
      {{3, 5}, {1, 0}},
      {{33, 65}, {1, 0}},
      {{2, 3, 4}, {2, 0, 1}},
      {{2, 3, 4}, {0, 2, 1}},
      {{2, 3, 4}, {1, 0, 2}},
      {{2, 3, 4, 5}, {3, 1, 0, 2}},
      {{1, 7, 1}, {2, 1, 0}},
      {{0, 4}, {1, 0}},
      {{}, {}},
      // Swaps of the last two axes (shared-memory tiles on a GPU).
      {{3, 70, 45}, {0, 2, 1}},
      {{2, 3, 40, 33}, {0, 1, 3, 2}},
      // Nine axes, of which two merge: eight remain.
      {{2, 3, 2, 3, 2, 3, 2, 3, 2}, {7, 8, 6, 5, 4, 3, 2, 1, 0}},
  };
  for (DType dtype : kMoved)
    for (const auto &[shape, perm] : cases) {
      TensorType in{dtype, shape};
      Shape out;
      for (int64_t p : perm)
        out.push_back(shape[size_t(p)]);
      SCOPED_TRACE(in.str());
      expectMatchesCpu("nn.transpose", attrs({{"perm", perm}}),
                       {random(in, rng)}, {TensorType{dtype, out}});
    }
}

TEST(MovementKernels, TransposeOfMoreThanEightAxesIsAnError) {
  TensorType t{DType::F32, {2, 3, 2, 3, 2, 3, 2, 3, 2}};
  EXPECT_NE(devicePrepareError(
                "nn.transpose",
                attrs({{"perm", Ints{8, 7, 6, 5, 4, 3, 2, 1, 0}}}), {t},
                {TensorType{DType::F32, {2, 3, 2, 3, 2, 3, 2, 3, 2}}})
                .find("at most 8"),
            std::string::npos);
}

TEST(MovementKernels, GatherMatchesCpu) {
  std::mt19937 rng(9);
  for (DType dtype : kMoved)
    for (DType indexType : {DType::I64, DType::I32}) {
      TensorType data{dtype, {5, 4, 3}};
      Tensor x = random(data, rng);
      // Negative indices count from the end.
      Tensor idx = tensorOf({indexType, {2, 3}}, {0, 4, -1, 2, -5, 3});
      expectMatchesCpu("nn.gather", attrs({{"axis", int64_t(0)}}), {x, idx},
                       {TensorType{dtype, {2, 3, 4, 3}}});
      Tensor idx1 = tensorOf({indexType, {5}}, {3, 0, -2, 1, 1});
      expectMatchesCpu("nn.gather", attrs({{"axis", int64_t(1)}}), {x, idx1},
                       {TensorType{dtype, {5, 5, 3}}});
      Tensor idx2 = tensorOf({indexType, {}}, {-1});
      expectMatchesCpu("nn.gather", attrs({{"axis", int64_t(2)}}), {x, idx2},
                       {TensorType{dtype, {5, 4}}});
      Tensor none = tensorOf({indexType, {0}}, {});
      expectMatchesCpu("nn.gather", attrs({{"axis", int64_t(0)}}), {x, none},
                       {TensorType{dtype, {0, 4, 3}}});
    }
}

TEST(MovementKernels, GatherGradMatchesCpu) {
  std::mt19937 rng(10);
  for (DType dtype : kFloats)
    for (DType indexType : {DType::I64, DType::I32}) {
      // An embedding: repeated rows add up, in the order of the indices.
      Tensor idx = tensorOf({indexType, {2, 4}}, {1, 3, 1, -1, 0, 1, 6, 3});
      TensorType dy{dtype, {2, 4, 37}};
      Tensor g = random(dy, rng);
      expectMatchesCpu("nn.gather_grad", attrs({{"axis", int64_t(0)}}),
                       {g, idx}, {TensorType{dtype, {7, 37}}});
      expectMatchesCpu(
          "nn.gather_grad",
          attrs({{"axis", int64_t(0)}, {"padding_index", int64_t(1)}}),
          {g, idx}, {TensorType{dtype, {7, 37}}});
      // Columns enough to fill a GPU alone: blocks of more than one row.
      TensorType wide{dtype, {5, 40000}};
      Tensor idx3 = tensorOf({indexType, {5}}, {2, 0, 2, -1, 1});
      expectMatchesCpu("nn.gather_grad", attrs({{"axis", int64_t(0)}}),
                       {random(wide, rng), idx3},
                       {TensorType{dtype, {3, 40000}}});
      // A middle axis.
      TensorType dy1{dtype, {3, 2, 4, 5}};
      expectMatchesCpu("nn.gather_grad", attrs({{"axis", int64_t(1)}}),
                       {random(dy1, rng), idx}, {TensorType{dtype, {3, 7, 5}}});
    }
}

TEST(MovementKernels, SliceMatchesCpu) {
  std::mt19937 rng(11);
  struct Case {
    Ints starts, ends, steps;
    Shape out;
  };
  // Of a [6, 7, 5] tensor.
  const Case cases[] = {
      {{0, 0, 0}, {6, 7, 5}, {1, 1, 1}, {6, 7, 5}},
      {{1, 2, 0}, {5, 7, 5}, {2, 3, 1}, {2, 2, 5}},
      {{5, 6, 4}, {-1, -1, -1}, {-1, -2, -1}, {6, 4, 5}},
      {{4, 0, 3}, {0, 7, 1}, {-3, 1, -1}, {2, 7, 2}},
      {{2, 3, 5}, {2, 3, 5}, {1, 1, 1}, {0, 0, 0}},
  };
  Shape full{6, 7, 5};
  for (DType dtype : kMoved)
    for (const Case &c : cases) {
      Attributes a =
          attrs({{"starts", c.starts}, {"ends", c.ends}, {"steps", c.steps}});
      TensorType in{dtype, full};
      expectMatchesCpu("nn.slice", a, {random(in, rng)},
                       {TensorType{dtype, c.out}});
      if (dtype == DType::F32 || dtype == DType::F64)
        expectMatchesCpu("nn.slice_grad", a,
                         {random(TensorType{dtype, c.out}, rng)},
                         {TensorType{dtype, full}});
    }
}

TEST(MovementKernels, ConcatAndSplitMatchCpu) {
  std::mt19937 rng(12);
  for (DType dtype : kMoved)
    for (int64_t axis : {0, 1, 2}) {
      Shape a{2, 3, 4}, b{2, 3, 4}, c{2, 3, 4}, whole{2, 3, 4};
      a[size_t(axis)] = 1;
      b[size_t(axis)] = 0;
      c[size_t(axis)] = 5;
      whole[size_t(axis)] = 6;
      TensorType ta{dtype, a}, tb{dtype, b}, tc{dtype, c}, tw{dtype, whole};
      expectMatchesCpu("nn.concat", attrs({{"axis", axis}}),
                       {random(ta, rng), random(tb, rng), random(tc, rng)},
                       {tw});
      expectMatchesCpu("nn.split",
                       attrs({{"axis", axis}, {"sizes", Ints{1, 0, 5}}}),
                       {random(tw, rng)}, {ta, tb, tc});
    }
}

TEST(MovementKernels, ExpandMatchesCpu) {
  std::mt19937 rng(13);
  const std::pair<Shape, Shape> cases[] = {
      {{3, 1}, {3, 40}}, {{1, 5}, {4, 5}},       {{5}, {2, 3, 5}},
      {{}, {4, 2}},      {{2, 1, 3}, {2, 7, 3}}, {{1}, {0}},
  };
  for (DType dtype : kMoved)
    for (const auto &[from, to] : cases)
      expectMatchesCpu("nn.expand", {}, {random(TensorType{dtype, from}, rng)},
                       {TensorType{dtype, to}});
}

TEST(MovementKernels, PadMatchesCpu) {
  std::mt19937 rng(14);
  struct Case {
    Shape in;
    Ints pads;
  };
  const Case cases[] = {
      {{3, 4}, {1, 2, 0, 3}},   {{5, 6}, {4, 7, 6, 9}},
      {{4, 5}, {-1, 2, 1, -2}}, {{2, 3, 4}, {0, 1, 2, 1, 0, 3}},
      {{1, 3}, {2, 0, 3, 1}},   {{3}, {0, 0}},
  };
  for (const char *mode : {"constant", "reflect", "edge", "wrap"})
    for (const Case &c : cases) {
      size_t rank = c.in.size();
      Shape out;
      for (size_t d = 0; d < rank; ++d)
        out.push_back(c.in[d] + c.pads[d] + c.pads[d + rank]);
      Attributes a = attrs(
          {{"pads", c.pads}, {"mode", std::string(mode)}, {"value", 2.5}});
      for (DType dtype : kMoved) {
        TensorType in{dtype, c.in};
        SCOPED_TRACE(std::string(mode) + " " + in.str());
        expectMatchesCpu("nn.pad", a, {random(in, rng)},
                         {TensorType{dtype, out}});
      }
      for (DType dtype : kFloats) {
        SCOPED_TRACE(std::string("pad_grad ") + mode);
        expectMatchesCpu("nn.pad_grad", a,
                         {random(TensorType{dtype, out}, rng)},
                         {TensorType{dtype, c.in}});
      }
    }
  // 0-d.
  TensorType scalar{DType::F32, {}};
  expectMatchesCpu("nn.pad", attrs({{"pads", Ints{}}}), {random(scalar, rng)},
                   {scalar});
  expectMatchesCpu("nn.pad_grad", attrs({{"pads", Ints{}}}),
                   {random(scalar, rng)}, {scalar});
}

TEST(MovementKernels, TileMatchesCpu) {
  std::mt19937 rng(15);
  const std::pair<Shape, Ints> cases[] = {
      {{2, 3}, {2, 3}}, {{5}, {7}}, {{2, 1, 3}, {1, 4, 1}},
      {{3, 2}, {0, 2}}, {{}, {}},
  };
  for (DType dtype : kMoved)
    for (const auto &[shape, repeats] : cases) {
      Shape out;
      for (size_t d = 0; d < shape.size(); ++d)
        out.push_back(shape[d] * repeats[d]);
      expectMatchesCpu("nn.tile", attrs({{"repeats", repeats}}),
                       {random(TensorType{dtype, shape}, rng)},
                       {TensorType{dtype, out}});
    }
}

TEST(MovementKernels, TriluMatchesCpu) {
  std::mt19937 rng(16);
  for (DType dtype : kMoved)
    for (int64_t upper : {0, 1})
      for (int64_t k : {int64_t(-100), int64_t(-2), int64_t(0), int64_t(1),
                        int64_t(3), int64_t(100)})
        for (const Shape &shape : {Shape{4, 5}, Shape{2, 3, 33, 7}}) {
          TensorType t{dtype, shape};
          expectMatchesCpu("nn.trilu", attrs({{"upper", upper}, {"k", k}}),
                           {random(t, rng)}, {t});
        }
}

TEST(MovementKernels, GradientsRejectOtherTypes) {
  TensorType dy{DType::I64, {2, 3}}, dx{DType::I64, {4, 3}};
  EXPECT_NE(devicePrepareError("nn.slice_grad",
                               attrs({{"starts", Ints{1, 0}},
                                      {"ends", Ints{3, 3}},
                                      {"steps", Ints{1, 1}}}),
                               {dy}, {dx})
                .find("the CUDA backend supports f32 and f64, got i64"),
            std::string::npos);
}

} // namespace
