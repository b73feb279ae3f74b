//===- ElementwiseKernelsTest.cpp - CUDA elementwise kernels vs the CPU ---===//
//
// Every op of ElementwiseKernels.cu against the CPU backend: each element
// type it takes, operands of the result's shape (the flat kernels) and
// broadcast ones (sizes off multiples of 32, size-1 axes, scalars, empty
// tensors), every attribute variant, special values (NaN, infinities,
// integer division by zero) and the dropout mask, which must be the CPU's
// bit for bit.
//
//===----------------------------------------------------------------------===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

namespace {

const DType kFloats[] = {DType::F32, DType::F64};
const DType kNumeric[] = {DType::F32, DType::F64, DType::I64, DType::I32,
                          DType::I16, DType::I8,  DType::U64, DType::U32,
                          DType::U16, DType::U8};
const DType kSignedInts[] = {DType::I64, DType::I32, DType::I16, DType::I8};
const DType kAll[] = {DType::F32, DType::F64, DType::I64,  DType::I32,
                      DType::I16, DType::I8,  DType::U64,  DType::U32,
                      DType::U16, DType::U8,  DType::Bool, DType::F16,
                      DType::BF16};

bool isUnsigned(DType t) {
  return t == DType::U64 || t == DType::U32 || t == DType::U16 ||
         t == DType::U8;
}

/// numpy's broadcast of two shapes (the tests only pass ones that do).
Shape broadcastOf(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    int64_t x = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    int64_t y = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    out[d] = x == 1 ? y : x;
  }
  return out;
}

/// Operand shapes: the same shape (the flat kernels, 37 * 45 not a
/// multiple of 32), both sides broadcast, scalars on either side, a bias
/// row, size-1 axes that vanish, and empty tensors.
const std::pair<Shape, Shape> kShapePairs[] = {
    {{37, 45}, {37, 45}}, {{3, 1, 70}, {5, 1}}, {{2, 3, 4}, {}}, {{}, {4, 1}},
    {{33, 40}, {40}},     {{1, 6, 1}, {6, 1}},  {{}, {}},        {{0, 5}, {5}},
    {{7}, {0, 7}}};

/// Random values of `type` in [lo, hi] (integers: whole numbers; unsigned
/// ones from max(lo, 0)).
Tensor randomOf(DType type, const Shape &shape, std::mt19937 &rng, double lo,
                double hi) {
  if (isUnsigned(type) && lo < 0)
    lo = 0;
  return randomTensor({type, shape}, rng, lo, hi);
}

/// Values from a small set of whole numbers, so that comparisons see ties.
Tensor smallIntegers(DType type, const Shape &shape, std::mt19937 &rng) {
  TensorType t{type, shape};
  std::uniform_int_distribution<int> pick(isUnsigned(type) ? 0 : -2, 2);
  Values v(size_t(t.numel()));
  for (double &x : v)
    x = type == DType::Bool ? double(pick(rng) > 0) : double(pick(rng));
  return tensorOf(t, v);
}

TEST(ElementwiseKernels, ArithmeticMatchesCpuInEveryNumericType) {
  std::mt19937 rng(1);
  for (const char *op :
       {"nn.add", "nn.sub", "nn.mul", "nn.div", "nn.max", "nn.min"})
    for (DType dtype : kNumeric)
      for (const auto &[sa, sb] : kShapePairs) {
        SCOPED_TRACE(std::string(op) + " " + dtypeName(dtype) + " " +
                     formatShape(sa) + " " + formatShape(sb));
        // Integer operands include 0 and -1 divisors (defined results)
        // and, for narrow types, wrap around.
        bool isF = dtype == DType::F32 || dtype == DType::F64;
        Tensor a = randomOf(dtype, sa, rng, isF ? -3 : -120, isF ? 3 : 120);
        Tensor b = randomOf(dtype, sb, rng, isF ? -3 : -2, isF ? 3 : 9);
        expectMatchesCpu(op, {}, {a, b}, {{dtype, broadcastOf(sa, sb)}});
      }
}

TEST(ElementwiseKernels, ModMatchesCpuWithAndWithoutFmod) {
  std::mt19937 rng(2);
  for (DType dtype : kNumeric)
    for (const auto &[sa, sb] : kShapePairs) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + formatShape(sa) + " " +
                   formatShape(sb));
      bool isF = dtype == DType::F32 || dtype == DType::F64;
      Tensor a = randomOf(dtype, sa, rng, -50, 50);
      Tensor b = randomOf(dtype, sb, rng, isF ? -7 : -3, 7);
      Shape shape = broadcastOf(sa, sb);
      expectMatchesCpu("nn.mod", attrs({{"fmod", int64_t(1)}}), {a, b},
                       {{dtype, shape}});
      if (!isF)
        expectMatchesCpu("nn.mod", attrs({{"fmod", int64_t(0)}}), {a, b},
                         {{dtype, shape}});
    }
  EXPECT_NE(devicePrepareError("nn.mod", attrs({{"fmod", int64_t(0)}}),
                               {{DType::F32, {3}}, {DType::F32, {3}}},
                               {{DType::F32, {3}}})
                .find("fmod = 1"),
            std::string::npos);
}

TEST(ElementwiseKernels, ExtremaAndDivisionOfSpecialValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dtype : kFloats) {
    TensorType t{dtype, {6}};
    Tensor a = tensorOf(t, {nan, 1, nan, -inf, 0, 2});
    Tensor b = tensorOf(t, {1, nan, nan, 3, 0, inf});
    for (const char *op : {"nn.max", "nn.min", "nn.div", "nn.add", "nn.sub"})
      expectMatchesCpu(op, {}, {a, b}, {t});
    expectMatchesCpu("nn.mod", attrs({{"fmod", int64_t(1)}}), {a, b}, {t});
  }
  // The most negative integer over -1, and remainders by 0 and -1.
  TensorType i32{DType::I32, {4}};
  Tensor a =
      tensorOf(i32, {double(std::numeric_limits<int32_t>::min()), 7, -7, 5});
  Tensor b = tensorOf(i32, {-1, 0, -1, 0});
  for (const char *op : {"nn.div", "nn.mul", "nn.sub"})
    expectMatchesCpu(op, {}, {a, b}, {i32});
  for (int64_t fmod : {0, 1})
    expectMatchesCpu("nn.mod", attrs({{"fmod", fmod}}), {a, b}, {i32});
}

TEST(ElementwiseKernels, ComparisonsMatchCpuInEveryType) {
  std::mt19937 rng(3);
  std::vector<DType> types(std::begin(kNumeric), std::end(kNumeric));
  types.push_back(DType::Bool);
  for (const char *op : {"nn.equal", "nn.less", "nn.greater", "nn.less_equal",
                         "nn.greater_equal"})
    for (DType dtype : types)
      for (const auto &[sa, sb] : kShapePairs) {
        SCOPED_TRACE(std::string(op) + " " + dtypeName(dtype) + " " +
                     formatShape(sa) + " " + formatShape(sb));
        expectMatchesCpu(
            op, {},
            {smallIntegers(dtype, sa, rng), smallIntegers(dtype, sb, rng)},
            {{DType::Bool, broadcastOf(sa, sb)}});
      }
  // NaN compares false, and unequal to itself.
  TensorType t{DType::F32, {3}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor a = tensorOf(t, {nan, 1, nan}), b = tensorOf(t, {nan, nan, 2});
  for (const char *op : {"nn.equal", "nn.less", "nn.greater_equal"})
    expectMatchesCpu(op, {}, {a, b}, {{DType::Bool, {3}}});
}

TEST(ElementwiseKernels, PowMatchesCpuForEveryPairOfTypes) {
  std::mt19937 rng(4);
  const std::pair<Shape, Shape> shapes[] = {
      {{5, 7}, {5, 7}}, {{3, 1, 35}, {4, 1}}, {{34}, {}}};
  for (DType base : kNumeric)
    for (DType exponent : kNumeric)
      for (const auto &[sa, sb] : shapes) {
        SCOPED_TRACE(std::string(dtypeName(base)) + "^" + dtypeName(exponent) +
                     " " + formatShape(sa) + " " + formatShape(sb));
        bool floatBase = base == DType::F32 || base == DType::F64;
        bool floatExponent = exponent == DType::F32 || exponent == DType::F64;
        // Positive float bases for fractional exponents; small integer
        // powers, exact in double, for integer bases.
        Tensor a = floatBase ? randomOf(base, sa, rng, 0.1, 3)
                             : randomOf(base, sa, rng, -5, 5);
        Tensor b = floatExponent ? randomOf(exponent, sb, rng, -2, 3)
                                 : randomOf(exponent, sb, rng, 0, 4);
        expectMatchesCpu("nn.pow", {}, {a, b}, {{base, broadcastOf(sa, sb)}});
      }
}

TEST(ElementwiseKernels, PowWithOneExponentTakesTheCpusSpecialCases) {
  std::mt19937 rng(5);
  for (DType dtype : kFloats)
    for (double e : {2.0, 3.0, 0.5, 1.0, -1.0, -2.0, 2.5, 0.0}) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " ^ " + std::to_string(e));
      Tensor x = randomOf(dtype, {3, 41}, rng, 0.2, 4);
      for (Shape es : {Shape{}, Shape{1}, Shape{1, 1}})
        expectMatchesCpu("nn.pow", {}, {x, tensorOf({dtype, es}, {e})},
                         {x.type()});
      // An integer exponent tensor takes the same path.
      expectMatchesCpu("nn.pow", {}, {x, tensorOf({DType::I64, {}}, {e})},
                       {x.type()});
    }
}

struct UnaryCase {
  const char *op;
  double lo, hi;
};

TEST(ElementwiseKernels, UnaryFloatOpsMatchCpu) {
  std::mt19937 rng(6);
  const UnaryCase cases[] = {
      {"nn.sqrt", 0, 9},         {"nn.erf", -3, 3},       {"nn.tanh", -5, 5},
      {"nn.sigmoid", -30, 30},   {"nn.exp", -20, 20},     {"nn.log", 1e-3, 50},
      {"nn.relu", -3, 3},        {"nn.neg", -3, 3},       {"nn.abs", -3, 3},
      {"nn.sign", -3, 3},        {"nn.sin", -7, 7},       {"nn.cos", -7, 7},
      {"nn.reciprocal", 0.1, 5}, {"nn.floor", -5, 5},     {"nn.ceil", -5, 5},
      {"nn.softplus", -30, 30},  {"nn.hard_swish", -5, 5}};
  for (const UnaryCase &c : cases)
    for (DType dtype : kFloats)
      for (Shape shape : {Shape{0}, Shape{}, Shape{37}, Shape{3, 33, 5}}) {
        SCOPED_TRACE(std::string(c.op) + " " + dtypeName(dtype) + " " +
                     formatShape(shape));
        Tensor x = randomOf(dtype, shape, rng, c.lo, c.hi);
        expectMatchesCpu(c.op, {}, {x}, {x.type()});
      }
}

TEST(ElementwiseKernels, UnaryOpsOfSpecialValues) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dtype : kFloats) {
    TensorType t{dtype, {7}};
    Tensor x = tensorOf(t, {nan, -inf, inf, 0, -0.0, 3, -3});
    for (const char *op :
         {"nn.relu", "nn.sigmoid", "nn.tanh", "nn.exp", "nn.abs", "nn.sign",
          "nn.softplus", "nn.hard_swish", "nn.floor", "nn.neg"})
      expectMatchesCpu(op, {}, {x}, {t});
    for (const char *approximate : {"none", "tanh"})
      expectMatchesCpu("nn.gelu",
                       attrs({{"approximate", std::string(approximate)}}), {x},
                       {t});
    expectMatchesCpu("nn.hard_sigmoid", {}, {x}, {t});
    expectMatchesCpu("nn.clip", attrs({{"min", -1.0}, {"max", 2.0}}), {x}, {t});
  }
}

TEST(ElementwiseKernels, GeluMatchesCpuInBothApproximations) {
  std::mt19937 rng(7);
  for (const char *approximate : {"none", "tanh"})
    for (DType dtype : kFloats)
      for (Shape shape : {Shape{0}, Shape{65}, Shape{4, 3, 37}}) {
        Tensor x = randomOf(dtype, shape, rng, -6, 6);
        expectMatchesCpu("nn.gelu",
                         attrs({{"approximate", std::string(approximate)}}),
                         {x}, {x.type()});
      }
  // The default is the exact form.
  Tensor x = randomOf(DType::F32, {50}, rng, -4, 4);
  expectMatchesCpu("nn.gelu", {}, {x}, {x.type()});
  EXPECT_NE(devicePrepareError("nn.gelu",
                               attrs({{"approximate", std::string("x")}}),
                               {x.type()}, {x.type()})
                .find("approximate must be"),
            std::string::npos);
}

TEST(ElementwiseKernels, IntegerAndBoolUnaryOpsMatchCpu) {
  std::mt19937 rng(8);
  for (DType dtype : kSignedInts)
    for (const char *op : {"nn.relu", "nn.neg", "nn.abs", "nn.sign"}) {
      Tensor x = randomOf(dtype, {3, 45}, rng, -100, 100);
      expectMatchesCpu(op, {}, {x}, {x.type()});
    }
  // The most negative integer negates and abs-es to itself.
  TensorType i8{DType::I8, {3}};
  Tensor edge = tensorOf(i8, {-128, 127, 0});
  expectMatchesCpu("nn.neg", {}, {edge}, {i8});
  expectMatchesCpu("nn.abs", {}, {edge}, {i8});
  for (DType dtype : {DType::U64, DType::U32, DType::U16, DType::U8})
    for (const char *op : {"nn.abs", "nn.sign"}) {
      Tensor x = randomOf(dtype, {70}, rng, 0, 3);
      expectMatchesCpu(op, {}, {x}, {x.type()});
    }
  for (Shape shape : {Shape{0}, Shape{1}, Shape{100}}) {
    Tensor b = smallIntegers(DType::Bool, shape, rng);
    expectMatchesCpu("nn.not", {}, {b}, {b.type()});
  }
}

TEST(ElementwiseKernels, HardSigmoidMatchesCpuWithEveryAttribute) {
  std::mt19937 rng(9);
  for (DType dtype : kFloats) {
    Tensor x = randomOf(dtype, {5, 39}, rng, -8, 8);
    expectMatchesCpu("nn.hard_sigmoid", {}, {x}, {x.type()});
    expectMatchesCpu("nn.hard_sigmoid",
                     attrs({{"alpha", 1.0 / 6}, {"beta", 0.5}}), {x},
                     {x.type()});
    expectMatchesCpu("nn.hard_sigmoid", attrs({{"alpha", 0.3}}), {x},
                     {x.type()});
  }
}

TEST(ElementwiseKernels, ClipMatchesCpuWithEitherBound) {
  std::mt19937 rng(10);
  for (DType dtype : kNumeric) {
    bool isF = dtype == DType::F32 || dtype == DType::F64;
    Tensor x = randomOf(dtype, {4, 41}, rng, -20, 20);
    std::vector<Attributes> variants;
    if (isF)
      variants = {{},
                  attrs({{"min", -1.5}}),
                  attrs({{"max", 2.5}}),
                  attrs({{"min", -1.5}, {"max", 2.5}}),
                  attrs({{"min", 3.0}, {"max", -3.0}})};
    else
      variants = {{},
                  attrs({{"min", int64_t(3)}}),
                  attrs({{"max", int64_t(10)}}),
                  attrs({{"min", int64_t(2)}, {"max", int64_t(12)}})};
    for (const Attributes &a : variants)
      expectMatchesCpu("nn.clip", a, {x}, {x.type()});
  }
}

/// Source values for a cast from `type`: fractions, negatives, values
/// beyond narrow types' ranges and, for floats, NaN and infinities.
Values castSources(DType type) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  switch (type) {
  case DType::F32:
  case DType::F64:
  case DType::F16:
  case DType::BF16:
    return {-3.7, -1,    0,   0.5, 1,    2.5,  100.25, 300,  70000,
            1e10, -1e10, nan, inf, -inf, 1e-6, 65519,  65520};
  case DType::Bool:
    return {0, 1, 1, 0, 1};
  case DType::U8:
  case DType::U16:
  case DType::U32:
  case DType::U64:
    return {0, 1, 7, 127, 128, 200, 255};
  default:
    return {-128, -100, -1, 0, 1, 2, 100, 127};
  }
}

TEST(ElementwiseKernels, CastMatchesCpuBetweenEveryPairOfTypes) {
  for (DType from : kAll)
    for (DType to : kAll) {
      SCOPED_TRACE(std::string(dtypeName(from)) + " -> " + dtypeName(to));
      Values v = castSources(from);
      TensorType t{from, {int64_t(v.size())}};
      expectMatchesCpu("nn.cast", {}, {tensorOf(t, v)},
                       {{to, {int64_t(v.size())}}}, 0, 0);
    }
  // Shapes: empty, scalar, and longer than a block.
  std::mt19937 rng(11);
  for (Shape shape : {Shape{0}, Shape{}, Shape{3, 300}}) {
    Tensor x = randomOf(DType::F32, shape, rng, -100, 100);
    expectMatchesCpu("nn.cast", {}, {x}, {{DType::I32, shape}}, 0, 0);
    expectMatchesCpu("nn.cast", {}, {x}, {{DType::F32, shape}}, 0, 0);
  }
}

TEST(ElementwiseKernels, WhereMatchesCpuForEveryElementWidth) {
  std::mt19937 rng(12);
  struct Shapes {
    Shape cond, x, y;
  };
  const Shapes shapes[] = {{{37, 9}, {37, 9}, {37, 9}},
                           {{37, 1}, {9}, {}},
                           {{}, {4, 35}, {4, 35}},
                           {{2, 1, 33}, {3, 1}, {2, 3, 33}},
                           {{0, 3}, {3}, {1}}};
  for (DType dtype : {DType::F32, DType::F64, DType::I64, DType::I32,
                      DType::Bool, DType::U8, DType::F16})
    for (const Shapes &s : shapes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " " + formatShape(s.cond) +
                   " " + formatShape(s.x) + " " + formatShape(s.y));
      Tensor c = smallIntegers(DType::Bool, s.cond, rng);
      Tensor x = smallIntegers(dtype, s.x, rng);
      Tensor y = smallIntegers(dtype, s.y, rng);
      expectMatchesCpu("nn.where", {}, {c, x, y},
                       {{dtype, broadcastOf(s.cond, broadcastOf(s.x, s.y))}});
    }
}

TEST(ElementwiseKernels, DropoutDrawsTheCpusMask) {
  std::mt19937 rng(13);
  for (DType dtype : kFloats)
    for (int64_t n : {int64_t(0), int64_t(1), int64_t(5), int64_t(4099)})
      for (double ratio : {0.0, 0.3, 0.5, 1.0}) {
        SCOPED_TRACE(std::string(dtypeName(dtype)) + " n " + std::to_string(n) +
                     " ratio " + std::to_string(ratio));
        Tensor x = randomOf(dtype, {n}, rng, -2, 2);
        std::vector<TensorType> outputs = {x.type(), {DType::Bool, {n}}};
        expectMatchesCpu("nn.dropout", attrs({{"ratio", ratio}}), {x}, outputs,
                         0, 0, /*randomId=*/42);
        // The op's own seed replaces the run's.
        expectMatchesCpu("nn.dropout",
                         attrs({{"ratio", ratio}, {"seed", int64_t(1234)}}),
                         {x}, outputs, 0, 0, /*randomId=*/7);
      }
  // A multi-axis operand is dropped as its flat elements.
  Tensor x = randomOf(DType::F32, {3, 5, 7}, rng, -1, 1);
  expectMatchesCpu("nn.dropout", attrs({{"ratio", 0.25}}), {x},
                   {x.type(), {DType::Bool, {3, 5, 7}}}, 0, 0, 3);
  EXPECT_NE(devicePrepareError("nn.dropout", attrs({{"ratio", 1.5}}),
                               {x.type()}, {x.type(), {DType::Bool, {3, 5, 7}}})
                .find("not in [0, 1]"),
            std::string::npos);
}

TEST(ElementwiseKernels, ConstantUploadsItsValueOnce) {
  std::mt19937 rng(14);
  for (DType dtype :
       {DType::F32, DType::F64, DType::I64, DType::Bool, DType::F16})
    for (Shape shape : {Shape{}, Shape{0}, Shape{3, 37}}) {
      Tensor value = smallIntegers(dtype, shape, rng);
      expectMatchesCpu("nn.constant", attrs({{"value", value}}), {},
                       {value.type()}, 0, 0);
    }
  // A prepared constant runs again with the same result.
  Tensor value = randomOf(DType::F32, {100}, rng, -1, 1);
  for (int i = 0; i < 2; ++i)
    expectMatchesCpu("nn.constant", attrs({{"value", value}}), {},
                     {value.type()}, 0, 0);
  EXPECT_NE(devicePrepareError("nn.constant", attrs({{"value", value}}), {},
                               {{DType::F32, {99}}}),
            "");
}

TEST(ElementwiseKernels, BroadcastIndexesUpToEightUnmergeableAxes) {
  // Axes whose broadcast pattern alternates cannot merge: eight are the
  // most a device indexer holds, a ninth is an error of the CUDA backend
  // (the CPU walks any rank).
  std::mt19937 rng(15);
  Shape a, b;
  for (int d = 0; d < 8; ++d) {
    a.push_back(d % 2 ? 1 : 3);
    b.push_back(d % 2 ? 2 : 1);
  }
  Shape out = broadcastOf(a, b);
  expectMatchesCpu("nn.add", {},
                   {randomOf(DType::F32, a, rng, -1, 1),
                    randomOf(DType::F32, b, rng, -1, 1)},
                   {{DType::F32, out}});
  expectMatchesCpu("nn.where", {},
                   {smallIntegers(DType::Bool, a, rng),
                    randomOf(DType::F64, b, rng, -1, 1),
                    randomOf(DType::F64, {}, rng, -1, 1)},
                   {{DType::F64, out}});
  a.push_back(2);
  b.push_back(1);
  out.push_back(2);
  EXPECT_NE(devicePrepareError("nn.add", {}, {{DType::F32, a}, {DType::F32, b}},
                               {{DType::F32, out}})
                .find("at most 8"),
            std::string::npos);
}

TEST(ElementwiseKernels, PreparationErrorsMatchCpu) {
  // Operands that do not broadcast, and of two element types.
  EXPECT_NE(devicePrepareError("nn.add", {},
                               {{DType::F32, {3}}, {DType::F32, {4}}},
                               {{DType::F32, {4}}})
                .find("do not broadcast"),
            std::string::npos);
  EXPECT_NE(devicePrepareError("nn.add", {},
                               {{DType::F32, {3}}, {DType::F64, {3}}},
                               {{DType::F32, {3}}})
                .find("differ in element type"),
            std::string::npos);
  // Element types the op does not take (as on the CPU).
  EXPECT_NE(devicePrepareError("nn.sqrt", {}, {{DType::I32, {3}}},
                               {{DType::I32, {3}}})
                .find("unsupported element type"),
            std::string::npos);
  EXPECT_NE(devicePrepareError(
                "nn.where", {},
                {{DType::I32, {3}}, {DType::F32, {3}}, {DType::F32, {3}}},
                {{DType::F32, {3}}}),
            "");
}

} // namespace
