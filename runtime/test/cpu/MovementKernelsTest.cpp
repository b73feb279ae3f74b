//===- MovementKernelsTest.cpp - Tests of the data movement kernels -------===//
//
// Buffer copies (reshape, flatten, squeeze, unsqueeze), transpose over every
// permutation and through the blocked path, gather with negative indices,
// slice with negative steps, concat, split and expand against index-mapping
// references in several element sizes; gather_grad and slice_grad against
// finite differences of their forward kernels; pad in every mode (against
// ONNX's examples and an iterative numpy-style reference), pad_grad against
// finite differences, tile and trilu; and errors.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

/// Element types of every size a movement kernel copies: 1, 4 and 8 bytes.
const DType kSizes[] = {DType::Bool, DType::I32, DType::F32, DType::F64,
                        DType::I64};

/// A tensor whose elements differ (modulo 2 for bool).
Tensor iota(const TensorType &type) {
  Values v(size_t(type.numel()));
  std::iota(v.begin(), v.end(), 0.0);
  if (type.dtype == DType::Bool)
    for (double &x : v)
      x = double(int64_t(x) % 3 == 0);
  return tensorOf(type, v);
}

int64_t flat(const Shape &shape, const std::vector<int64_t> &index) {
  int64_t offset = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    offset = offset * shape[d] + index[d];
  return offset;
}

TEST(MovementKernels, ReshapesCopyTheBuffer) {
  for (DType dtype : kSizes) {
    Tensor x = iota({dtype, {2, 3, 1, 4}});
    Values v = valuesOf(x);
    expectClose(run1("nn.reshape", {}, {x}, {dtype, {6, 4}}), v, 0, 0,
                "reshape");
    expectClose(
        run1("nn.flatten", attrs({{"axis", int64_t(2)}}), {x}, {dtype, {6, 4}}),
        v, 0, 0, "flatten");
    expectClose(run1("nn.flatten", attrs({{"axis", int64_t(0)}}), {x},
                     {dtype, {1, 24}}),
                v, 0, 0, "flatten axis 0");
    expectClose(run1("nn.squeeze", attrs({{"axes", std::vector<int64_t>{2}}}),
                     {x}, {dtype, {2, 3, 4}}),
                v, 0, 0, "squeeze");
    expectClose(run1("nn.unsqueeze",
                     attrs({{"axes", std::vector<int64_t>{0, 5}}}), {x},
                     {dtype, {1, 2, 3, 1, 4, 1}}),
                v, 0, 0, "unsqueeze");
  }
}

TEST(MovementKernels, ReshapeErrorsNameTheShapes) {
  TensorType x{DType::F32, {2, 3, 1}};
  std::string error = prepareError("nn.reshape", {}, {x}, {{DType::F32, {7}}});
  EXPECT_NE(error.find("cannot reinterpret 2x3x1xf32 as 7xf32"),
            std::string::npos)
      << error;
  error = prepareError("nn.squeeze", attrs({{"axes", std::vector<int64_t>{1}}}),
                       {x}, {{DType::F32, {2, 1}}});
  EXPECT_NE(error.find("cannot squeeze axis 1 of size 3"), std::string::npos)
      << error;
  error =
      prepareError("nn.unsqueeze", attrs({{"axes", std::vector<int64_t>{0}}}),
                   {x}, {{DType::F32, {2, 1, 3, 1}}});
  EXPECT_NE(error.find("result has type 2x1x3x1xf32, expected 1x2x3x1xf32"),
            std::string::npos)
      << error;
  error = prepareError("nn.flatten", attrs({{"axis", int64_t(4)}}), {x},
                       {{DType::F32, {6, 1}}});
  EXPECT_NE(error.find("axis 4 is out of range for rank 3"), std::string::npos)
      << error;
}

/// The transpose of x by `perm`, by index mapping.
Values referenceTranspose(const Tensor &x, const std::vector<int64_t> &perm,
                          Shape &shape) {
  shape.clear();
  for (int64_t p : perm)
    shape.push_back(x.shape()[size_t(p)]);
  Values v = valuesOf(x), out;
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(index.size());
    for (size_t d = 0; d < perm.size(); ++d)
      source[size_t(perm[d])] = index[d];
    out.push_back(v[size_t(flat(x.shape(), source))]);
  });
  return out;
}

void checkTranspose(const Tensor &x, const std::vector<int64_t> &perm) {
  Shape shape;
  Values expected = referenceTranspose(x, perm, shape);
  std::string what = "transpose " + x.type().str() + " perm";
  for (int64_t p : perm)
    what += " " + std::to_string(p);
  expectClose(
      run1("nn.transpose", attrs({{"perm", perm}}), {x}, {x.dtype(), shape}),
      expected, 0, 0, what);
}

TEST(MovementKernels, TransposeEveryPermutationOfRankFour) {
  std::vector<int64_t> perm = {0, 1, 2, 3};
  for (DType dtype : kSizes) {
    Tensor x = iota({dtype, {2, 3, 4, 5}});
    do
      checkTranspose(x, perm);
    while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(MovementKernels, TransposeThroughTilesWithRaggedEdges) {
  // Sizes that are not multiples of the tile, size-1 axes, and attention's
  // [B, H, T, D] -> [B, H, D, T] and [B, T, H, D] -> [B, H, T, D].
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{37, 45}, {1, 0}},
      {{3, 33, 70}, {0, 2, 1}},
      {{3, 33, 70}, {2, 1, 0}},
      {{3, 33, 70}, {1, 0, 2}},
      {{2, 3, 35, 8}, {0, 1, 3, 2}},
      {{2, 35, 3, 8}, {0, 2, 1, 3}},
      {{1, 40, 1, 65}, {3, 2, 1, 0}},
      {{64, 3}, {1, 0}},
      {{3, 64}, {1, 0}}};
  for (DType dtype : {DType::Bool, DType::F32, DType::F64})
    for (const auto &[shape, perm] : cases)
      checkTranspose(iota({dtype, shape}), perm);
}

TEST(MovementKernels, TransposeRejectsBadPermutations) {
  TensorType x{DType::F32, {2, 3}};
  std::string error = prepareError(
      "nn.transpose", attrs({{"perm", std::vector<int64_t>{0, 0}}}), {x}, {x});
  EXPECT_NE(error.find("perm is not a permutation of [0, 2)"),
            std::string::npos)
      << error;
}

/// Gathers along `axis` by index mapping (indices already resolved).
Values referenceGather(const Tensor &data, const Values &indices,
                       const Shape &indexShape, int64_t axis, Shape &shape) {
  const Shape &ds = data.shape();
  shape.assign(ds.begin(), ds.begin() + axis);
  shape.insert(shape.end(), indexShape.begin(), indexShape.end());
  shape.insert(shape.end(), ds.begin() + axis + 1, ds.end());
  Values v = valuesOf(data), out;
  size_t q = indexShape.size();
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(index.begin(), index.begin() + axis);
    std::vector<int64_t> at(index.begin() + axis, index.begin() + axis + q);
    int64_t i = int64_t(indices[size_t(flat(indexShape, at))]);
    source.push_back(i < 0 ? i + ds[size_t(axis)] : i);
    source.insert(source.end(), index.begin() + axis + q, index.end());
    out.push_back(v[size_t(flat(ds, source))]);
  });
  return out;
}

struct GatherCase {
  Shape data;
  int64_t axis;
  Shape indexShape;
  Values indices;
};

const std::vector<GatherCase> kGatherCases = {
    {{5, 4}, 0, {2, 3}, {0, 4, -1, 2, 2, -5}}, // embeddings, repeats
    {{5, 4}, 1, {3}, {3, -4, 1}},
    {{2, 3, 4}, 2, {}, {-2}},
    {{2, 3, 4}, 1, {2, 2}, {2, 0, 0, 1}},
    {{6}, 0, {4}, {5, 0, 0, -6}}};

TEST(MovementKernels, GatherWithNegativeIndices) {
  for (DType dtype : kSizes)
    for (DType indexType : {DType::I64, DType::I32})
      for (const GatherCase &c : kGatherCases) {
        Tensor data = iota({dtype, c.data});
        Tensor indices = tensorOf({indexType, c.indexShape}, c.indices);
        Shape shape;
        Values expected =
            referenceGather(data, c.indices, c.indexShape, c.axis, shape);
        expectClose(run1("nn.gather", attrs({{"axis", c.axis}}),
                         {data, indices}, {dtype, shape}),
                    expected, 0, 0,
                    "gather " + data.type().str() + " axis " +
                        std::to_string(c.axis));
      }
}

TEST(MovementKernels, GatherIndexOutOfRangeThrows) {
  TensorType data{DType::F32, {5, 4}}, indices{DType::I64, {2}};
  for (const char *op : {"nn.gather", "nn.gather_grad"}) {
    bool grad = std::string(op) == "nn.gather_grad";
    TensorType gathered{DType::F32, {2, 4}};
    KernelFn fn;
    ASSERT_FALSE(prepare(op, attrs({{"axis", int64_t(0)}}),
                         {grad ? gathered : data, indices},
                         {grad ? data : gathered}, fn));
    for (double bad : {5.0, -6.0}) {
      Tensor operand =
          tensorOf(grad ? gathered : data, Values(size_t(grad ? 8 : 20), 1.0));
      try {
        call(fn, {operand, tensorOf(indices, {0, bad})},
             {grad ? data : gathered});
        ADD_FAILURE() << op << ": index " << bad << " did not throw";
      } catch (const std::out_of_range &e) {
        EXPECT_NE(std::string(e.what()).find(
                      "at position 1 is out of range for an axis of size 5"),
                  std::string::npos)
            << e.what();
      }
    }
  }
}

/// With padding_index, the lookups of that row pass no gradient (PyTorch's
/// nn.Embedding padding_idx); the other rows accumulate as usual.
TEST(MovementKernels, GatherGradSkipsThePaddingRow) {
  TensorType dy{DType::F32, {4, 2}}, indices{DType::I64, {4}};
  Tensor grads = tensorOf(dy, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor rows = tensorOf(indices, {1, 0, 1, -2});
  expectClose(run1("nn.gather_grad",
                   attrs({{"axis", int64_t(0)}, {"padding_index", int64_t(1)}}),
                   {grads, rows}, {DType::F32, {3, 2}}),
              {3, 4, 0, 0, 0, 0}, 0, 0, "padding row 1");
  expectClose(run1("nn.gather_grad", attrs({{"axis", int64_t(0)}}),
                   {grads, rows}, {DType::F32, {3, 2}}),
              {3, 4, 13, 16, 0, 0}, 0, 0, "no padding row");
  KernelFn fn;
  Status s =
      prepare("nn.gather_grad",
              attrs({{"axis", int64_t(0)}, {"padding_index", int64_t(3)}}),
              {dy, indices}, {{DType::F32, {3, 2}}}, fn);
  ASSERT_TRUE(s);
  EXPECT_NE(s.message().find("padding_index 3 is outside the axis of size 3"),
            std::string::npos)
      << s.message();
}

TEST(MovementKernels, GatherGradMatchesFiniteDifferencesOfGather) {
  std::mt19937 rng(51);
  for (const GatherCase &c : kGatherCases) {
    TensorType dataType{DType::F64, c.data};
    Tensor data = randomTensor(dataType, rng, -2, 2);
    Tensor indices = tensorOf({DType::I64, c.indexShape}, c.indices);
    Attributes a = attrs({{"axis", c.axis}});
    Shape shape;
    referenceGather(data, c.indices, c.indexShape, c.axis, shape);
    TensorType gathered{DType::F64, shape};
    Tensor dy = randomTensor(gathered, rng, -2, 2);
    Values expected = numericGradient(
        [&](const Values &at) {
          return valuesOf(run1("nn.gather", a,
                               {tensorOf(dataType, at), indices}, gathered));
        },
        valuesOf(data), valuesOf(dy), kLinearStep);
    expectClose(run1("nn.gather_grad", a, {dy, indices}, dataType), expected,
                1e-8, 1e-9, "gather_grad " + dataType.str());
  }
}

struct SliceCase {
  Shape shape;
  std::vector<int64_t> starts, ends, steps;
};

const std::vector<SliceCase> kSliceCases = {
    {{4, 6}, {1, 0}, {3, 6}, {1, 2}},
    {{4, 6}, {3, 5}, {-1, -1}, {-1, -2}}, // backwards to the start
    {{4, 6}, {3, 4}, {0, 1}, {-2, -1}},
    {{2, 3, 5}, {0, 1, 4}, {2, 3, 0}, {1, 1, -3}},
    {{2, 3, 5}, {1, 0, 0}, {2, 3, 5}, {1, 1, 1}}, // whole trailing rows
    {{2, 3, 5}, {0, 2, 0}, {2, 2, 5}, {1, 1, 1}}, // empty
    {{7}, {6}, {-1}, {-3}},
    {{5, 1, 4}, {4, 0, 1}, {0, 1, 4}, {-1, 1, 2}}};

/// The slice of x by index mapping, and its shape.
Values referenceSlice(const Tensor &x, const SliceCase &c, Shape &shape) {
  shape.clear();
  for (size_t d = 0; d < c.shape.size(); ++d) {
    int64_t s = c.starts[d], e = c.ends[d], st = c.steps[d];
    int64_t n = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    shape.push_back(std::max<int64_t>(n, 0));
  }
  Values v = valuesOf(x), out;
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(index.size());
    for (size_t d = 0; d < index.size(); ++d)
      source[d] = c.starts[d] + index[d] * c.steps[d];
    out.push_back(v[size_t(flat(c.shape, source))]);
  });
  return out;
}

Attributes sliceAttrs(const SliceCase &c) {
  return attrs({{"starts", c.starts}, {"ends", c.ends}, {"steps", c.steps}});
}

TEST(MovementKernels, SliceWithNegativeSteps) {
  for (DType dtype : kSizes)
    for (const SliceCase &c : kSliceCases) {
      Tensor x = iota({dtype, c.shape});
      Shape shape;
      Values expected = referenceSlice(x, c, shape);
      expectClose(run1("nn.slice", sliceAttrs(c), {x}, {dtype, shape}),
                  expected, 0, 0, "slice " + x.type().str());
    }
}

TEST(MovementKernels, SliceGradMatchesFiniteDifferencesOfSlice) {
  std::mt19937 rng(52);
  for (const SliceCase &c : kSliceCases) {
    TensorType t{DType::F64, c.shape};
    Tensor x = randomTensor(t, rng, -2, 2);
    Shape shape;
    referenceSlice(x, c, shape);
    TensorType sliced{DType::F64, shape};
    Tensor dy = randomTensor(sliced, rng, -2, 2);
    Values expected = numericGradient(
        [&](const Values &at) {
          return valuesOf(
              run1("nn.slice", sliceAttrs(c), {tensorOf(t, at)}, sliced));
        },
        valuesOf(x), valuesOf(dy), kLinearStep);
    expectClose(run1("nn.slice_grad", sliceAttrs(c), {dy}, t), expected, 1e-8,
                1e-9, "slice_grad " + t.str());
  }
}

TEST(MovementKernels, SliceRejectsUnclampedRanges) {
  SliceCase c{{4}, {0}, {5}, {1}};
  std::string error = prepareError("nn.slice", sliceAttrs(c),
                                   {{DType::F32, {4}}}, {{DType::F32, {4}}});
  EXPECT_NE(error.find("slice 0:5:1 of axis 0 is not clamped to its size 4"),
            std::string::npos)
      << error;
}

TEST(MovementKernels, ConcatAndSplitAreInverse) {
  for (DType dtype : kSizes)
    for (int64_t axis = 0; axis < 3; ++axis) {
      Shape whole{2, 3, 4};
      std::vector<int64_t> sizes = {1, 0, whole[size_t(axis)] - 1};
      std::vector<Tensor> parts;
      std::vector<TensorType> partTypes;
      Values expected(size_t(numElements(whole)));
      int64_t offset = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        Shape s = whole;
        s[size_t(axis)] = sizes[i];
        Values v(size_t(numElements(s)));
        std::iota(v.begin(), v.end(), 100.0 * double(i + 1));
        if (dtype == DType::Bool)
          for (double &x : v)
            x = double(int64_t(x) % 2);
        parts.push_back(tensorOf({dtype, s}, v));
        partTypes.push_back({dtype, s});
        size_t k = 0;
        forEachIndex(s, [&](const std::vector<int64_t> &index) {
          std::vector<int64_t> at = index;
          at[size_t(axis)] += offset;
          expected[size_t(flat(whole, at))] = v[k++];
        });
        offset += sizes[i];
      }
      Attributes a = attrs({{"axis", axis}});
      Tensor joined = run1("nn.concat", a, parts, {dtype, whole});
      expectClose(joined, expected, 0, 0,
                  "concat " + std::string(dtypeName(dtype)) + " axis " +
                      std::to_string(axis));
      a.set("sizes", sizes);
      std::vector<Tensor> split = run("nn.split", a, {joined}, partTypes);
      ASSERT_EQ(split.size(), parts.size());
      for (size_t i = 0; i < parts.size(); ++i)
        expectClose(split[i], valuesOf(parts[i]), 0, 0,
                    "split part " + std::to_string(i));
    }
}

TEST(MovementKernels, ConcatAndSplitErrors) {
  TensorType a{DType::F32, {2, 3}}, b{DType::F32, {3, 3}};
  std::string error = prepareError("nn.concat", attrs({{"axis", int64_t(1)}}),
                                   {a, b}, {{DType::F32, {2, 6}}});
  EXPECT_NE(error.find("operand 1 3x3xf32 does not match 2x6xf32 outside "
                       "axis 1"),
            std::string::npos)
      << error;
  error = prepareError(
      "nn.split",
      attrs({{"axis", int64_t(0)}, {"sizes", std::vector<int64_t>{1, 1}}}), {b},
      {a, a});
  EXPECT_NE(error.find("results add up to 4 along axis 0, expected 3"),
            std::string::npos)
      << error;
}

TEST(MovementKernels, ExpandBroadcasts) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{3}, {2, 3}},          {{2, 1}, {2, 5}}, {{}, {4}},
      {{1, 3, 1}, {2, 3, 4}}, {{2, 3}, {2, 3}}, {{1}, {3, 1, 2}}};
  for (DType dtype : kSizes)
    for (const auto &[from, to] : cases) {
      Tensor x = iota({dtype, from});
      Values v = valuesOf(x), expected;
      forEachIndex(to, [&](const std::vector<int64_t> &index) {
        expected.push_back(v[size_t(broadcastOffset(from, index))]);
      });
      expectClose(run1("nn.expand", {}, {x}, {dtype, to}), expected, 0, 0,
                  "expand " + x.type().str());
    }
  std::string error = prepareError("nn.expand", {}, {{DType::F32, {3}}},
                                   {{DType::F32, {2, 4}}});
  EXPECT_NE(error.find("cannot expand 3xf32 to 2x4xf32"), std::string::npos)
      << error;
}

struct PadCase {
  Shape shape;
  std::vector<int64_t> pads;
  std::string mode;
};

const std::vector<PadCase> kPadCases = {
    {{2, 3}, {0, 1, 1, 2}, "constant"},
    {{2, 3}, {-1, 0, 0, -2}, "constant"}, // crops only
    {{3, 4}, {1, -1, -2, 2}, "constant"}, // crops and pads one axis
    {{2, 3, 4}, {0, 2, 3, 1, 0, 2}, "reflect"},
    {{2, 3, 4}, {0, 1, 9, 0, 7, 2}, "reflect"}, // further than the axis
    {{4, 1}, {0, 3, 0, 2}, "reflect"},          // a single element
    {{2, 5}, {0, -1, 0, 4}, "reflect"},         // crop, then reflect
    {{2, 3}, {2, 3, 1, 4}, "edge"},
    {{3, 4}, {0, -2, 0, 3}, "edge"},
    {{2, 3}, {1, 4, 2, 7}, "wrap"},
    {{2, 6}, {0, -2, 0, 5}, "wrap"},
    {{0, 3}, {1, 0, 1, 0}, "constant"}, // an empty axis takes constants
    {{}, {}, "reflect"},                // 0-d: a copy
};

/// The padded shape and, per result element, the flat source index (-1:
/// the constant), computed as numpy pads: crop the negative pads, then
/// reflect, clamp or wrap step by step until the index falls inside.
std::vector<int64_t> referencePad(const PadCase &c, Shape &shape) {
  const size_t rank = c.shape.size();
  shape.clear();
  std::vector<int64_t> start(rank), kept(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t b = c.pads[d], e = c.pads[d + rank];
    shape.push_back(c.shape[d] + b + e);
    start[d] = b < 0 ? -b : 0;
    kept[d] = c.shape[d] - start[d] - (e < 0 ? -e : 0);
  }
  std::vector<int64_t> sources;
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    std::vector<int64_t> source(rank);
    bool constant = false;
    for (size_t d = 0; d < rank; ++d) {
      int64_t j = index[d] - std::max<int64_t>(c.pads[d], 0), m = kept[d];
      if (j < 0 || j >= m) {
        if (c.mode == "constant") {
          constant = true;
        } else if (c.mode == "edge") {
          j = j < 0 ? 0 : m - 1;
        } else if (c.mode == "wrap") {
          while (j < 0)
            j += m;
          while (j >= m)
            j -= m;
        } else if (m == 1) {
          j = 0;
        } else {
          while (j < 0 || j >= m)
            j = j < 0 ? -j : 2 * (m - 1) - j;
        }
      }
      source[d] = start[d] + j;
    }
    sources.push_back(constant ? -1 : flat(c.shape, source));
  });
  return sources;
}

Attributes padAttrs(const PadCase &c, double value = 0.0) {
  return attrs({{"pads", c.pads}, {"mode", c.mode}, {"value", value}});
}

TEST(MovementKernels, PadMatchesOnnxExamples) {
  // The examples of ONNX's Pad documentation.
  Tensor x = tensorOf({DType::F32, {3, 2}}, {1.0, 1.2, 2.3, 3.4, 4.5, 5.7});
  PadCase c{{3, 2}, {0, 2, 0, 0}, "constant"};
  expectClose(run1("nn.pad", padAttrs(c), {x}, {DType::F32, {3, 4}}),
              {0, 0, 1.0, 1.2, 0, 0, 2.3, 3.4, 0, 0, 4.5, 5.7}, 1e-7, 0,
              "constant");
  c.mode = "reflect";
  expectClose(run1("nn.pad", padAttrs(c), {x}, {DType::F32, {3, 4}}),
              {1.0, 1.2, 1.0, 1.2, 2.3, 3.4, 2.3, 3.4, 4.5, 5.7, 4.5, 5.7},
              1e-7, 0, "reflect");
  c.mode = "edge";
  expectClose(run1("nn.pad", padAttrs(c), {x}, {DType::F32, {3, 4}}),
              {1.0, 1.0, 1.0, 1.2, 2.3, 2.3, 2.3, 3.4, 4.5, 4.5, 4.5, 5.7},
              1e-7, 0, "edge");
  c = {{3, 2}, {0, 1, 0, 1}, "wrap"};
  expectClose(run1("nn.pad", padAttrs(c), {x}, {DType::F32, {3, 4}}),
              {1.2, 1.0, 1.2, 1.0, 3.4, 2.3, 3.4, 2.3, 5.7, 4.5, 5.7, 4.5},
              1e-7, 0, "wrap");
}

TEST(MovementKernels, PadInEveryModeAndElementSize) {
  for (DType dtype : kSizes)
    for (const PadCase &c : kPadCases) {
      Tensor x = iota({dtype, c.shape});
      Shape shape;
      std::vector<int64_t> sources = referencePad(c, shape);
      Values v = valuesOf(x), expected;
      const double value = dtype == DType::Bool ? 1.0 : 7.0;
      for (int64_t s : sources)
        expected.push_back(s < 0 ? value : v[size_t(s)]);
      expectClose(run1("nn.pad", padAttrs(c, value), {x}, {dtype, shape}),
                  expected, 0, 0, "pad " + c.mode + " " + x.type().str());
    }
}

TEST(MovementKernels, PadGradMatchesFiniteDifferencesOfPad) {
  std::mt19937 rng(53);
  for (const PadCase &c : kPadCases) {
    TensorType t{DType::F64, c.shape};
    Tensor x = randomTensor(t, rng, -2, 2);
    Shape shape;
    referencePad(c, shape);
    TensorType padded{DType::F64, shape};
    Tensor dy = randomTensor(padded, rng, -2, 2);
    Values expected = numericGradient(
        [&](const Values &at) {
          return valuesOf(
              run1("nn.pad", padAttrs(c, 0.5), {tensorOf(t, at)}, padded));
        },
        valuesOf(x), valuesOf(dy), kLinearStep);
    expectClose(run1("nn.pad_grad", padAttrs(c), {dy}, t), expected, 1e-8, 1e-9,
                "pad_grad " + c.mode + " " + t.str());
  }
}

TEST(MovementKernels, PadErrors) {
  TensorType x{DType::F32, {2, 3}};
  std::string error = prepareError(
      "nn.pad", padAttrs({{2, 3}, {0, 0, 0, 0}, "mirror"}), {x}, {x});
  EXPECT_NE(error.find("unknown mode \"mirror\""), std::string::npos) << error;
  error =
      prepareError("nn.pad", padAttrs({{2, 3}, {0, 0}, "constant"}), {x}, {x});
  EXPECT_NE(error.find("expected 4 pads for rank 2, got 2"), std::string::npos)
      << error;
  error = prepareError("nn.pad", padAttrs({{2, 3}, {-2, 0, -1, 3}, "constant"}),
                       {x}, {{DType::F32, {-1, 6}}});
  EXPECT_NE(error.find("pads -2 and -1 of axis 0 remove more than its 2 "
                       "elements"),
            std::string::npos)
      << error;
  error = prepareError("nn.pad", padAttrs({{0, 3}, {1, 0, 0, 0}, "edge"}),
                       {{DType::F32, {0, 3}}}, {{DType::F32, {1, 3}}});
  EXPECT_NE(error.find("cannot pad axis 0 in mode edge: it has no elements"),
            std::string::npos)
      << error;
  error = prepareError("nn.pad_grad", padAttrs({{2, 3}, {0, 1, 0, 1}, "edge"}),
                       {{DType::F64, {2, 4}}}, {{DType::F64, {2, 3}}});
  EXPECT_NE(error.find("dy has type 2x4xf64, expected 2x5xf64"),
            std::string::npos)
      << error;
}

TEST(MovementKernels, TileRepeatsEveryAxis) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{2, 3}, {1, 2}}, {{2, 3}, {3, 1}}, {{2, 1, 3}, {2, 4, 1}},
      {{5}, {3}},       {{2, 3}, {0, 2}}, {{}, {}}};
  for (DType dtype : kSizes)
    for (const auto &[from, repeats] : cases) {
      Tensor x = iota({dtype, from});
      Shape to;
      for (size_t d = 0; d < from.size(); ++d)
        to.push_back(from[d] * repeats[d]);
      Values v = valuesOf(x), expected;
      forEachIndex(to, [&](const std::vector<int64_t> &index) {
        std::vector<int64_t> source(index.size());
        for (size_t d = 0; d < index.size(); ++d)
          source[d] = index[d] % from[d];
        expected.push_back(v[size_t(flat(from, source))]);
      });
      expectClose(
          run1("nn.tile", attrs({{"repeats", repeats}}), {x}, {dtype, to}),
          expected, 0, 0, "tile " + x.type().str());
    }
  std::string error =
      prepareError("nn.tile", attrs({{"repeats", std::vector<int64_t>{2}}}),
                   {{DType::F32, {2, 3}}}, {{DType::F32, {4, 3}}});
  EXPECT_NE(error.find("repeats has 1 entries for rank 2"), std::string::npos)
      << error;
}

TEST(MovementKernels, TriluKeepsTheTriangles) {
  const Shape shape{2, 3, 4};
  for (DType dtype : kSizes)
    for (bool upper : {true, false})
      for (int64_t k : {int64_t(-5), int64_t(-1), int64_t(0), int64_t(2),
                        int64_t(4), std::numeric_limits<int64_t>::max(),
                        std::numeric_limits<int64_t>::min()}) {
        Tensor x = iota({dtype, shape});
        Values v = valuesOf(x), expected;
        size_t i = 0;
        forEachIndex(shape, [&](const std::vector<int64_t> &index) {
          int64_t diagonal = index[2] - index[1];
          bool keep = upper ? diagonal >= k : diagonal <= k;
          expected.push_back(keep ? v[i] : 0.0);
          ++i;
        });
        expectClose(run1("nn.trilu",
                         attrs({{"upper", int64_t(upper)}, {"k", k}}), {x},
                         {dtype, shape}),
                    expected, 0, 0,
                    "trilu " + x.type().str() + (upper ? " upper" : " lower") +
                        " k " + std::to_string(k));
      }
  std::string error =
      prepareError("nn.trilu", {}, {{DType::F32, {4}}}, {{DType::F32, {4}}});
  EXPECT_NE(error.find("expected rank >= 2"), std::string::npos) << error;
}

} // namespace
