//===- ElementwiseKernelsTest.cpp - Tests of the elementwise kernels ------===//
//
// Binary ops and comparisons against a naive broadcasting loop over many
// shape pairs and every dtype; unary ops against the C library in double;
// casts between every pair of types; where; dropout's statistics, scaling
// and its counter-based masks; constant; and preparation errors.
//
//===----------------------------------------------------------------------===//

#include "KernelHarness.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

using namespace pp::rt;
using namespace pp::rt::cputest;

namespace {

/// Types whose arithmetic the random tests below keep in range (small
/// signed values); unsigned types have tests of their own.
const DType kNumeric[] = {DType::F32, DType::F64, DType::I64,
                          DType::I32, DType::I16, DType::I8};
const DType kUnsigned[] = {DType::U64, DType::U32, DType::U16, DType::U8};
const DType kFloats[] = {DType::F32, DType::F64};

/// Shape pairs that broadcast: same shape, scalars, rows, columns, both
/// sides broadcasting, rank differences, and size-1 axes everywhere.
const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{2, 3}, {2, 3}},
    {{}, {}},
    {{}, {2, 3}},
    {{2, 3}, {}},
    {{3}, {2, 3}},
    {{2, 3}, {3}},
    {{2, 1}, {2, 3}},
    {{2, 3}, {2, 1}},
    {{2, 1, 4}, {3, 1}},
    {{1, 3, 1}, {2, 1, 5}},
    {{4, 1, 3}, {1}},
    {{2, 3, 4, 5}, {3, 1, 5}},
    {{1}, {}},
    {{5, 1, 1}, {1, 1}},
    {{2, 0, 3}, {3}},
    {{33, 17}, {17}},
    {{2, 3, 40}, {2, 3, 1}}};

Shape broadcastOf(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// The reference of a broadcast binary op: f applied through
/// broadcastOffset at every index of the result.
Values referenceBinary(const Tensor &a, const Tensor &b,
                       const std::function<double(double, double)> &f) {
  Shape shape = broadcastOf(a.shape(), b.shape());
  Values va = valuesOf(a), vb = valuesOf(b), out;
  forEachIndex(shape, [&](const std::vector<int64_t> &index) {
    out.push_back(f(va[size_t(broadcastOffset(a.shape(), index))],
                    vb[size_t(broadcastOffset(b.shape(), index))]));
  });
  return out;
}

/// Rounds a double reference to what computing in `dtype` gives for exact
/// integer arithmetic (C++ truncating division).
double inType(DType dtype, double v) {
  if (dtype == DType::F32)
    return double(float(v));
  if (!isFloat(dtype))
    return std::trunc(v);
  return v;
}

struct BinaryCase {
  const char *op;
  std::function<double(double, double)> f;
};

TEST(ElementwiseKernels, ArithmeticBroadcastsInEveryNumericType) {
  std::mt19937 rng(1);
  const BinaryCase cases[] = {
      {"nn.add", [](double a, double b) { return a + b; }},
      {"nn.sub", [](double a, double b) { return a - b; }},
      {"nn.mul", [](double a, double b) { return a * b; }},
      {"nn.div", [](double a, double b) { return a / b; }}};
  for (const BinaryCase &c : cases)
    for (DType dtype : kNumeric)
      for (const auto &[sa, sb] : kBroadcastPairs) {
        Tensor a = randomTensor({dtype, sa}, rng, -9, 9);
        // Divisors away from zero.
        Values bv = valuesOf(randomTensor({dtype, sb}, rng, 1, 9));
        for (size_t i = 0; i < bv.size(); i += 2)
          bv[i] = -bv[i];
        Tensor b = tensorOf({dtype, sb}, bv);
        TensorType result{dtype, broadcastOf(sa, sb)};
        Tensor out = run1(c.op, {}, {a, b}, result);
        Values expected = referenceBinary(
            a, b, [&](double x, double y) { return inType(dtype, c.f(x, y)); });
        std::string what =
            std::string(c.op) + " " + a.type().str() + ", " + b.type().str();
        expectClose(out, expected, dtype == DType::F32 ? 1e-6 : 1e-15, 0, what);
      }
}

TEST(ElementwiseKernels, IntegerDivisionIsDefinedEverywhere) {
  TensorType t{DType::I32, {4}};
  Tensor a =
      tensorOf(t, {7, -7, double(std::numeric_limits<int32_t>::min()), 5});
  Tensor b = tensorOf(t, {2, 2, -1, 0});
  // Truncation towards zero; INT_MIN / -1 wraps; division by zero gives 0.
  expectClose(run1("nn.div", {}, {a, b}, t),
              {3, -3, double(std::numeric_limits<int32_t>::min()), 0}, 0, 0,
              "i32 div");
}

TEST(ElementwiseKernels, NarrowIntegerArithmeticWrapsAround) {
  TensorType u8{DType::U8, {4}}, i8{DType::I8, {4}};
  Tensor a = tensorOf(u8, {200, 5, 20, 7}), b = tensorOf(u8, {100, 10, 0, 2});
  expectClose(run1("nn.add", {}, {a, b}, u8), {44, 15, 20, 9}, 0, 0, "u8 add");
  expectClose(run1("nn.sub", {}, {a, b}, u8), {100, 251, 20, 5}, 0, 0,
              "u8 sub");
  expectClose(run1("nn.mul", {}, {a, b}, u8), {32, 50, 0, 14}, 0, 0, "u8 mul");
  expectClose(run1("nn.div", {}, {a, b}, u8), {2, 0, 0, 3}, 0, 0, "u8 div");
  Tensor c = tensorOf(i8, {120, -128, -7, 9}), d = tensorOf(i8, {10, -1, 2, 0});
  expectClose(run1("nn.add", {}, {c, d}, i8), {-126, 127, -5, 9}, 0, 0,
              "i8 add");
  expectClose(run1("nn.div", {}, {c, d}, i8), {12, -128, -3, 0}, 0, 0,
              "i8 div");
  expectClose(run1("nn.neg", {}, {c}, i8), {-120, -128, 7, -9}, 0, 0, "i8 neg");
}

TEST(ElementwiseKernels, UnsignedArithmeticWrapsAround) {
  // Each type's maximum plus one is 0, 0 - 1 is the maximum, and products
  // wrap modulo 2^bits (u16 * u16 without overflowing the int C++ promotes
  // to).
  const std::pair<DType, double> types[] = {{DType::U16, 65535.0},
                                            {DType::U32, 4294967295.0}};
  for (const auto &[dtype, max] : types) {
    TensorType t{dtype, {3}};
    Tensor a = tensorOf(t, {max, 0, max}), b = tensorOf(t, {1, 1, max});
    std::string name = dtypeName(dtype);
    expectClose(run1("nn.add", {}, {a, b}, t), {0, 1, max - 1}, 0, 0,
                name + " add");
    expectClose(run1("nn.sub", {}, {a, b}, t), {max - 1, max, 0}, 0, 0,
                name + " sub");
    // max * max = (2^bits - 1)^2 = 1 modulo 2^bits.
    expectClose(run1("nn.mul", {}, {a, b}, t), {max, 0, 1}, 0, 0,
                name + " mul");
    expectClose(run1("nn.div", {}, {a, b}, t), {max, 0, 1}, 0, 0,
                name + " div");
  }
  TensorType u64{DType::U64, {2}};
  Tensor big = Tensor::empty(u64), one = Tensor::empty(u64);
  big.data<uint64_t>()[0] = ~uint64_t(0);
  big.data<uint64_t>()[1] = uint64_t(1) << 63;
  one.data<uint64_t>()[0] = one.data<uint64_t>()[1] = 1;
  Tensor sum = run1("nn.add", {}, {big, one}, u64);
  EXPECT_EQ(sum.data<uint64_t>()[0], 0u);
  EXPECT_EQ(sum.data<uint64_t>()[1], (uint64_t(1) << 63) + 1);
  Tensor less = run1("nn.less", {}, {one, big}, {DType::Bool, {2}});
  expectClose(less, {1, 1}, 0, 0, "u64 less: 2^63 is above 1, not negative");
}

TEST(ElementwiseKernels, UnsignedArithmeticBroadcasts) {
  std::mt19937 rng(7);
  for (DType dtype : kUnsigned)
    for (const auto &[sa, sb] : kBroadcastPairs) {
      Tensor a = randomTensor({dtype, sa}, rng, 0, 200);
      Tensor b = randomTensor({dtype, sb}, rng, 1, 50);
      TensorType result{dtype, broadcastOf(sa, sb)};
      std::string what = std::string(dtypeName(dtype)) + " " + a.type().str() +
                         ", " + b.type().str();
      // Sums and quotients stay within u8; products of u8 wrap (mod 256).
      double mod = dtype == DType::U8 ? 256 : 1e300;
      expectClose(
          run1("nn.add", {}, {a, b}, result),
          referenceBinary(
              a, b, [&](double x, double y) { return std::fmod(x + y, mod); }),
          0, 0, "add " + what);
      expectClose(
          run1("nn.mul", {}, {a, b}, result),
          referenceBinary(
              a, b, [&](double x, double y) { return std::fmod(x * y, mod); }),
          0, 0, "mul " + what);
      expectClose(
          run1("nn.div", {}, {a, b}, result),
          referenceBinary(a, b,
                          [](double x, double y) { return std::trunc(x / y); }),
          0, 0, "div " + what);
    }
}

TEST(ElementwiseKernels, PowOfFloatsToUnsignedExponents) {
  std::mt19937 rng(8);
  for (DType base : kFloats)
    for (DType exponent : kUnsigned)
      for (const auto &[sa, sb] : kBroadcastPairs) {
        Tensor a = randomTensor({base, sa}, rng, -3, 3);
        Tensor b = randomTensor({exponent, sb}, rng, 0, 5);
        Tensor out = run1("nn.pow", {}, {a, b}, {base, broadcastOf(sa, sb)});
        Values expected = referenceBinary(a, b, [&](double x, double y) {
          double v = std::pow(x, y);
          return base == DType::F32 ? double(float(v)) : v;
        });
        expectClose(out, expected, base == DType::F32 ? 1e-6 : 1e-14, 0,
                    "pow " + a.type().str() + ", " + b.type().str());
      }
}

TEST(ElementwiseKernels, PowMatchesStdPowForMixedTypes) {
  std::mt19937 rng(2);
  for (DType base : kNumeric)
    for (DType exponent : kNumeric)
      for (const auto &[sa, sb] : kBroadcastPairs) {
        Tensor a = randomTensor({base, sa}, rng, 1, 4);
        Tensor b = randomTensor({exponent, sb}, rng, -2, 3);
        Tensor out = run1("nn.pow", {}, {a, b}, {base, broadcastOf(sa, sb)});
        Values expected = referenceBinary(a, b, [&](double x, double y) {
          double v = std::pow(x, y);
          return base == DType::F32 ? double(float(v)) : inType(base, v);
        });
        expectClose(out, expected, base == DType::F32 ? 1e-6 : 1e-14, 0,
                    "pow " + a.type().str() + ", " + b.type().str());
      }
}

/// x ** e in T as PyTorch's pow(tensor, scalar) computes it: products and
/// quotients for the exponents it special-cases, pow for the others.
template <typename T> T torchPowScalar(T x, T e) {
  if (e == T(2))
    return x * x;
  if (e == T(3))
    return x * x * x;
  if (e == T(0.5))
    return std::sqrt(x);
  if (e == T(-1))
    return T(1) / x;
  if (e == T(-2))
    return T(1) / (x * x);
  return std::pow(x, e);
}

TEST(ElementwiseKernels, PowWithOneExponentMatchesPyTorchExactly) {
  std::mt19937 rng(3);
  for (DType dtype : kFloats)
    for (double e : {2.0, 3.0, 0.5, 1.0, -1.0, -2.0, 1.7, 0.0}) {
      // Enough elements that std::pow and the products differ somewhere.
      Tensor x = randomTensor({dtype, {20, 25}}, rng, 0.1, 3);
      Tensor exponent = tensorOf({dtype, {}}, {e});
      Tensor out = run1("nn.pow", {}, {x, exponent}, x.type());
      Values expected;
      for (double v : valuesOf(x))
        expected.push_back(dtype == DType::F32
                               ? double(torchPowScalar(float(v), float(e)))
                               : torchPowScalar(v, e));
      expectClose(out, expected, 0, 0, "pow exponent " + std::to_string(e));
    }
}

TEST(ElementwiseKernels, ComparisonsBroadcastInEveryType) {
  std::mt19937 rng(4);
  const BinaryCase cases[] = {
      {"nn.equal", [](double a, double b) { return double(a == b); }},
      {"nn.less", [](double a, double b) { return double(a < b); }},
      {"nn.greater", [](double a, double b) { return double(a > b); }},
      {"nn.less_equal", [](double a, double b) { return double(a <= b); }},
      {"nn.greater_equal", [](double a, double b) { return double(a >= b); }}};
  const DType types[] = {DType::F32, DType::F64, DType::I64, DType::I32,
                         DType::I16, DType::I8,  DType::U64, DType::U32,
                         DType::U16, DType::U8,  DType::Bool};
  for (const BinaryCase &c : cases)
    for (DType dtype : types)
      for (const auto &[sa, sb] : kBroadcastPairs) {
        // Few distinct values, so that equal elements occur.
        auto smallIntegers = [&](const Shape &shape) {
          Tensor ints = randomTensor({DType::I64, shape}, rng, 0, 2);
          return tensorOf({dtype, shape}, valuesOf(ints));
        };
        Tensor a = smallIntegers(sa), b = smallIntegers(sb);
        Tensor out = run1(c.op, {}, {a, b}, {DType::Bool, broadcastOf(sa, sb)});
        expectClose(out, referenceBinary(a, b, c.f), 0, 0,
                    std::string(c.op) + " " + a.type().str() + ", " +
                        b.type().str());
      }
}

struct UnaryCase {
  const char *op;
  std::function<double(double)> f;
  double lo, hi;
};

TEST(ElementwiseKernels, UnaryFloatOpsMatchTheCLibrary) {
  const UnaryCase cases[] = {
      {"nn.sqrt", [](double x) { return std::sqrt(x); }, 0, 9},
      {"nn.erf", [](double x) { return std::erf(x); }, -3, 3},
      {"nn.tanh", [](double x) { return std::tanh(x); }, -5, 5},
      {"nn.sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); }, -30, 30},
      {"nn.exp", [](double x) { return std::exp(x); }, -20, 20},
      {"nn.log", [](double x) { return std::log(x); }, 1e-3, 50},
      {"nn.relu", [](double x) { return x < 0 ? 0 : x; }, -3, 3},
      {"nn.neg", [](double x) { return -x; }, -3, 3}};
  std::mt19937 rng(5);
  for (const UnaryCase &c : cases)
    for (DType dtype : kFloats) {
      Tensor x = randomTensor({dtype, {3, 41}}, rng, c.lo, c.hi);
      Values expected;
      for (double v : valuesOf(x))
        expected.push_back(c.f(v));
      expectClose(run1(c.op, {}, {x}, x.type()), expected,
                  dtype == DType::F32 ? 2e-6 : 1e-14, 1e-30,
                  std::string(c.op) + " " + dtypeName(dtype));
    }
}

TEST(ElementwiseKernels, SpecialValuesOfUnaryOps) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::nan("");
  TensorType t{DType::F32, {4}};
  Tensor x = tensorOf(t, {nan, -inf, inf, -0.0});
  expectClose(run1("nn.relu", {}, {x}, t), {nan, 0, inf, 0}, 0, 0, "relu");
  expectClose(run1("nn.sigmoid", {}, {x}, t), {nan, 0, 1, 0.5}, 0, 0,
              "sigmoid");
  expectClose(run1("nn.tanh", {}, {x}, t), {nan, -1, 1, 0}, 0, 0, "tanh");
  expectClose(run1("nn.exp", {}, {x}, t), {nan, 0, inf, 1}, 0, 0, "exp");
}

TEST(ElementwiseKernels, IntegerAndBoolUnaryOps) {
  for (DType dtype : {DType::I64, DType::I32, DType::I16}) {
    TensorType t{dtype, {5}};
    Tensor x = tensorOf(t, {-3, -1, 0, 2, 7});
    expectClose(run1("nn.relu", {}, {x}, t), {0, 0, 0, 2, 7}, 0, 0, "relu");
    expectClose(run1("nn.neg", {}, {x}, t), {3, 1, 0, -2, -7}, 0, 0, "neg");
  }
  TensorType b{DType::Bool, {3}};
  expectClose(run1("nn.not", {}, {tensorOf(b, {1, 0, 1})}, b), {0, 1, 0}, 0, 0,
              "not");
}

TEST(ElementwiseKernels, GeluMatchesItsDefinitions) {
  std::mt19937 rng(6);
  for (DType dtype : kFloats) {
    Tensor x = randomTensor({dtype, {2, 50}}, rng, -6, 6);
    Values exact, approx;
    for (double v : valuesOf(x)) {
      exact.push_back(0.5 * v * (1 + std::erf(v / std::sqrt(2.0))));
      double k = std::sqrt(2 / M_PI);
      approx.push_back(0.5 * v *
                       (1 + std::tanh(k * (v + 0.044715 * v * v * v))));
    }
    // PyTorch's formulas lose relative accuracy where 1 + erf (or tanh)
    // cancels, for x << 0: the error is relative to |x| there.
    double rtol = dtype == DType::F32 ? 1e-5 : 1e-13;
    double atol = dtype == DType::F32 ? 1e-6 : 1e-14;
    expectClose(run1("nn.gelu", attrs({{"approximate", std::string("none")}}),
                     {x}, x.type()),
                exact, rtol, atol, "gelu none");
    expectClose(run1("nn.gelu", attrs({{"approximate", std::string("tanh")}}),
                     {x}, x.type()),
                approx, rtol, atol, "gelu tanh");
  }
  EXPECT_NE(prepareError("nn.gelu", attrs({{"approximate", std::string("x")}}),
                         {{DType::F32, {2}}}, {{DType::F32, {2}}})
                .find("approximate must be"),
            std::string::npos);
}

const DType kAllTypes[] = {DType::F32, DType::F64, DType::I64,  DType::I32,
                           DType::I16, DType::I8,  DType::U64,  DType::U32,
                           DType::U16, DType::U8,  DType::Bool, DType::F16,
                           DType::BF16};

/// `v` as `dtype` holds it: truncated for integers, rounded for floats.
double castTo(DType dtype, double v) {
  switch (dtype) {
  case DType::Bool:
    return v != 0;
  case DType::F32:
    return double(float(v));
  case DType::F64:
    return v;
  case DType::F16:
    return float16Value(float16Bits(v));
  case DType::BF16:
    return bfloat16Value(bfloat16Bits(v));
  default:
    return std::trunc(v);
  }
}

TEST(ElementwiseKernels, CastBetweenEveryPairOfTypes) {
  // Values every type holds (after rounding): non-negative, within int8.
  const Values source = {0, 0.5, 1, 2.75, 3.9, 100};
  for (DType from : kAllTypes)
    for (DType to : kAllTypes) {
      Tensor x = tensorOf({from, {6}}, source);
      Values expected;
      for (double v : valuesOf(x))
        expected.push_back(castTo(to, v));
      expectClose(run1("nn.cast", {}, {x}, {to, {6}}), expected, 0, 0,
                  std::string("cast ") + dtypeName(from) + " -> " +
                      dtypeName(to));
    }
  // Negative values between the signed types.
  for (DType from : {DType::F32, DType::F64, DType::I64, DType::I8})
    for (DType to : {DType::F64, DType::I32, DType::I8, DType::F16}) {
      Tensor x = tensorOf({from, {3}}, {-2.75, -1, -100});
      Values expected;
      for (double v : valuesOf(x))
        expected.push_back(castTo(to, v));
      expectClose(run1("nn.cast", {}, {x}, {to, {3}}), expected, 0, 0,
                  std::string("cast negative ") + dtypeName(from) + " -> " +
                      dtypeName(to));
    }
}

TEST(ElementwiseKernels, CastToAndFromWideUnsignedTypes) {
  // Floats saturate into the unsigned range (negatives and NaN become 0);
  // integers wrap modulo 2^bits, as C++ converts them.
  const double nan = std::nan("");
  Tensor f = tensorOf({DType::F64, {4}}, {-3.5, nan, 7.9, 1e30});
  expectClose(run1("nn.cast", {}, {f}, {DType::U32, {4}}),
              {0, 0, 7, 4294967295.0}, 0, 0, "cast f64 -> u32");
  expectClose(run1("nn.cast", {}, {f}, {DType::U16, {4}}), {0, 0, 7, 65535}, 0,
              0, "cast f64 -> u16");
  Tensor i = tensorOf({DType::I64, {3}}, {-1, 70000, 5});
  expectClose(run1("nn.cast", {}, {i}, {DType::U32, {3}}),
              {4294967295.0, 70000, 5}, 0, 0, "cast i64 -> u32");
  expectClose(run1("nn.cast", {}, {i}, {DType::I16, {3}}), {-1, 4464, 5}, 0, 0,
              "cast i64 -> i16");
  Tensor u64 = run1("nn.cast", {}, {i}, {DType::U64, {3}});
  EXPECT_EQ(u64.data<uint64_t>()[0], ~uint64_t(0));
  // 2^63 and above are positive, not negative, on the way to a float.
  Tensor big = Tensor::empty({DType::U64, {1}});
  big.data<uint64_t>()[0] = uint64_t(1) << 63;
  expectClose(run1("nn.cast", {}, {big}, {DType::F64, {1}}), {0x1.0p63}, 0, 0,
              "cast u64 -> f64");
}

/// The bits of the single element of `t`, a 16-bit float.
uint16_t bitsOf(const Tensor &t) { return t.data<uint16_t>()[0]; }

TEST(ElementwiseKernels, CastToSixteenBitFloatsRoundsOnceToNearestEven) {
  auto f16 = [](double v) {
    return bitsOf(run1("nn.cast", {}, {tensorOf({DType::F64, {}}, {v})},
                       {DType::F16, {}}));
  };
  const double e = std::ldexp(1.0, -11); // half an ULP of 1 in binary16
  EXPECT_EQ(f16(1.0), 0x3C00);
  EXPECT_EQ(f16(1 + e), 0x3C00);     // tie: to even
  EXPECT_EQ(f16(1 + 3 * e), 0x3C02); // tie: to even, upwards
  // Rounding to float first would land on the tie and go down.
  EXPECT_EQ(f16(1 + e + std::ldexp(1.0, -40)), 0x3C01);
  EXPECT_EQ(f16(65504), 0x7BFF);
  EXPECT_EQ(f16(65519.99), 0x7BFF);
  EXPECT_EQ(f16(65520), 0x7C00); // rounds past the largest finite: inf
  EXPECT_EQ(f16(1e6), 0x7C00);
  EXPECT_EQ(f16(-1e300), 0xFC00);
  EXPECT_EQ(f16(-INFINITY), 0xFC00);
  EXPECT_EQ(f16(std::ldexp(1.0, -14)), 0x0400);    // smallest normal
  EXPECT_EQ(f16(std::ldexp(1.0, -24)), 0x0001);    // smallest subnormal
  EXPECT_EQ(f16(std::ldexp(1.0, -25)), 0x0000);    // tie: to even (zero)
  EXPECT_EQ(f16(std::ldexp(3.0, -25)), 0x0002);    // tie: to even
  EXPECT_EQ(f16(std::ldexp(1023.5, -24)), 0x0400); // carries into normal
  EXPECT_EQ(f16(-0.0), 0x8000);
  EXPECT_EQ(f16(std::nan("")) & 0x7C00, 0x7C00);
  EXPECT_NE(f16(std::nan("")) & 0x03FF, 0);

  auto bf16 = [](double v) {
    return bitsOf(run1("nn.cast", {}, {tensorOf({DType::F64, {}}, {v})},
                       {DType::BF16, {}}));
  };
  const double b = std::ldexp(1.0, -8); // half an ULP of 1 in bfloat16
  EXPECT_EQ(bf16(1.0), 0x3F80);
  EXPECT_EQ(bf16(1 + b), 0x3F80);
  EXPECT_EQ(bf16(1 + 3 * b), 0x3F82);
  EXPECT_EQ(bf16(1 + b + std::ldexp(1.0, -30)), 0x3F81);
  EXPECT_EQ(bf16(-2.0), 0xC000);
  EXPECT_EQ(bf16(3.4e38), 0x7F80); // past the largest finite: inf
  EXPECT_EQ(bf16(std::ldexp(255.0, 120)), 0x7F7F);
  EXPECT_EQ(bf16(std::ldexp(1.0, -133)), 0x0001); // smallest subnormal

  // Widening is exact.
  Tensor h = Tensor::empty({DType::F16, {4}});
  uint16_t halfBits[] = {0x0001, 0x7BFF, 0xFC00, 0x3555};
  std::memcpy(h.raw(), halfBits, sizeof halfBits);
  expectClose(run1("nn.cast", {}, {h}, {DType::F64, {4}}),
              {std::ldexp(1.0, -24), 65504, -INFINITY, 0.333251953125}, 0, 0,
              "f16 -> f64");
}

TEST(ElementwiseKernels, CastOfNonFiniteFloatsToIntegersIsDefined) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = tensorOf({DType::F64, {4}}, {std::nan(""), inf, -inf, 3e10});
  expectClose(run1("nn.cast", {}, {x}, {DType::I32, {4}}),
              {0, double(std::numeric_limits<int32_t>::max()),
               double(std::numeric_limits<int32_t>::min()),
               double(std::numeric_limits<int32_t>::max())},
              0, 0, "cast f64 -> i32");
}

TEST(ElementwiseKernels, WhereBroadcastsAllThreeOperands) {
  std::mt19937 rng(7);
  const std::vector<std::array<Shape, 3>> shapes = {
      {Shape{2, 3}, Shape{2, 3}, Shape{2, 3}},
      {Shape{3, 3}, Shape{}, Shape{2, 3, 3}}, // causal mask, fill value
      {Shape{3, 3}, Shape{2, 3, 3}, Shape{}},
      {Shape{2, 1}, Shape{3}, Shape{2, 3}},
      {Shape{}, Shape{2, 3}, Shape{3}},
      {Shape{1, 4}, Shape{}, Shape{}},
      {Shape{2, 1, 5}, Shape{1, 3, 1}, Shape{5}}};
  for (DType dtype : {DType::F32, DType::F64, DType::I32, DType::Bool})
    for (const auto &s : shapes) {
      Tensor c = randomTensor({DType::Bool, s[0]}, rng, 0, 1);
      Tensor x = randomTensor({dtype, s[1]}, rng, -5, 5);
      Tensor y = randomTensor({dtype, s[2]}, rng, -5, 5);
      Shape shape = broadcastOf(broadcastOf(s[0], s[1]), s[2]);
      Values vc = valuesOf(c), vx = valuesOf(x), vy = valuesOf(y), expected;
      forEachIndex(shape, [&](const std::vector<int64_t> &i) {
        expected.push_back(vc[size_t(broadcastOffset(s[0], i))]
                               ? vx[size_t(broadcastOffset(s[1], i))]
                               : vy[size_t(broadcastOffset(s[2], i))]);
      });
      expectClose(run1("nn.where", {}, {c, x, y}, {dtype, shape}), expected, 0,
                  0, "where " + c.type().str() + ", " + x.type().str());
    }
}

TEST(ElementwiseKernels, DropoutKeepsScaledElementsAtTheRatio) {
  const double ratio = 0.3;
  const int64_t n = 100003; // not a multiple of 4: the last block is partial
  std::mt19937 rng(8);
  for (DType dtype : kFloats) {
    Tensor x = randomTensor({dtype, {n}}, rng, 0.5, 2);
    TensorType maskType{DType::Bool, {n}};
    KernelFn fn;
    ASSERT_FALSE(prepare("nn.dropout", attrs({{"ratio", ratio}}), {x.type()},
                         {x.type(), maskType}, fn, /*randomId=*/42));
    KernelContext ctx(defaultBufferPool());
    ctx.seed = 5;
    ctx.step = 3;
    ctx.microbatch = 1;
    std::vector<Tensor> first = call(ctx, fn, {x}, {x.type(), maskType});
    Values xv = valuesOf(x), y = valuesOf(first[0]), mask = valuesOf(first[1]);
    double scale =
        dtype == DType::F32 ? double(float(1 / (1 - ratio))) : 1 / (1 - ratio);
    // Element i is kept exactly when the counter-based draw of the key
    // (seed, step, microbatch, random id) at i is at least the ratio.
    CounterRandom random(RandomKey{5, 3, 1, 42});
    double kept = 0;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(mask[i], random.uniform(uint64_t(i)) >= ratio ? 1 : 0)
          << "element " << i;
      kept += mask[i];
      double expected = mask[i] ? xv[i] * scale : 0;
      if (dtype == DType::F32)
        expected = double(float(xv[i]) * float(scale)) * mask[i];
      ASSERT_EQ(y[i], expected) << "element " << i;
    }
    // 1 - ratio within five standard deviations.
    EXPECT_NEAR(kept / n, 1 - ratio, 5 * std::sqrt(ratio * (1 - ratio) / n));
    // Neighbours are independent (within a Philox block and across two):
    // both kept with probability (1 - ratio)^2.
    double q = (1 - ratio) * (1 - ratio);
    for (int64_t offset : {0, 3}) {
      double bothKept = 0, pairs = 0;
      for (int64_t i = offset; i + 1 < n; i += 4, ++pairs)
        bothKept += mask[i] * mask[i + 1];
      EXPECT_NEAR(bothKept / pairs, q, 5 * std::sqrt(q * (1 - q) / pairs))
          << "pairs from " << offset;
    }
  }
}

TEST(ElementwiseKernels, DropoutMasksDependOnlyOnTheRandomKey) {
  const int64_t n = 4099;
  TensorType t{DType::F32, {n}}, maskType{DType::Bool, {n}};
  Tensor x = tensorOf(t, Values(size_t(n), 1.0));
  KernelFn fn, other;
  ASSERT_FALSE(prepare("nn.dropout", attrs({{"ratio", 0.5}}), {t},
                       {t, maskType}, fn, /*randomId=*/7));
  ASSERT_FALSE(prepare("nn.dropout", attrs({{"ratio", 0.5}}), {t},
                       {t, maskType}, other, /*randomId=*/8));
  KernelContext ctx(defaultBufferPool());
  ctx.seed = 1;
  ctx.step = 2;
  ctx.microbatch = 0;
  auto maskOf = [&](const KernelFn &kernel) {
    return valuesOf(call(ctx, kernel, {x}, {t, maskType})[1]);
  };
  Values mask = maskOf(fn);
  // Calls keep no state: the same context draws the same mask, also after
  // other calls and from another context with the same key.
  EXPECT_EQ(maskOf(fn), mask);
  ctx.microbatch = 1;
  Values microbatch1 = maskOf(fn);
  ctx.microbatch = 0;
  EXPECT_EQ(maskOf(fn), mask);
  KernelContext twin(defaultBufferPool());
  twin.seed = 1;
  twin.step = 2;
  EXPECT_EQ(valuesOf(call(twin, fn, {x}, {t, maskType})[1]), mask);
  // Every part of the key changes the mask.
  EXPECT_NE(microbatch1, mask);
  ctx.step = 3;
  EXPECT_NE(maskOf(fn), mask);
  ctx.step = 2;
  ctx.seed = 2;
  EXPECT_NE(maskOf(fn), mask);
  ctx.seed = 1;
  EXPECT_NE(maskOf(other), mask);
  EXPECT_EQ(maskOf(fn), mask);
}

TEST(ElementwiseKernels, DropoutSeedAttributeReplacesTheRunSeed) {
  TensorType t{DType::F32, {64}};
  TensorType maskType{DType::Bool, {64}};
  Tensor x = tensorOf(t, Values(64, 1.0));
  auto maskOf = [&](uint64_t runSeed, bool withAttr, int32_t microbatch) {
    Attributes a = attrs({{"ratio", 0.5}});
    if (withAttr)
      a.set("seed", int64_t(7));
    KernelFn fn;
    EXPECT_FALSE(prepare("nn.dropout", a, {t}, {t, maskType}, fn, 3));
    KernelContext ctx(defaultBufferPool());
    ctx.seed = runSeed;
    ctx.microbatch = microbatch;
    return valuesOf(call(ctx, fn, {x}, {t, maskType})[1]);
  };
  EXPECT_EQ(maskOf(1, true, 0), maskOf(2, true, 0));
  EXPECT_EQ(maskOf(7, false, 0), maskOf(1, true, 0));
  EXPECT_NE(maskOf(1, false, 0), maskOf(2, false, 0));
  // Only the seed is replaced: the microbatch still counts.
  EXPECT_NE(maskOf(1, true, 0), maskOf(1, true, 1));
}

TEST(ElementwiseKernels, DropoutAtTheEndsOfItsRange) {
  TensorType t{DType::F64, {9}};
  TensorType maskType{DType::Bool, {9}};
  Tensor x = tensorOf(t, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto none = run("nn.dropout", attrs({{"ratio", 0.0}}), {x}, {t, maskType});
  expectClose(none[0], valuesOf(x), 0, 0, "ratio 0 output");
  expectClose(none[1], Values(9, 1), 0, 0, "ratio 0 mask");
  auto all = run("nn.dropout", attrs({{"ratio", 1.0}}), {x}, {t, maskType});
  expectClose(all[0], Values(9, 0), 0, 0, "ratio 1 output");
  expectClose(all[1], Values(9, 0), 0, 0, "ratio 1 mask");
  EXPECT_NE(
      prepareError("nn.dropout", attrs({{"ratio", 1.5}}), {t}, {t, maskType})
          .find("ratio"),
      std::string::npos);
}

TEST(ElementwiseKernels, ConstantWritesItsValue) {
  TensorType t{DType::I64, {2, 2}};
  Tensor value = tensorOf(t, {1, -2, 3, 40});
  expectClose(run1("nn.constant", attrs({{"value", value}}), {}, t),
              {1, -2, 3, 40}, 0, 0, "constant");
  std::string error = prepareError("nn.constant", attrs({{"value", value}}), {},
                                   {{DType::I32, {2, 2}}});
  EXPECT_NE(error.find("value has type 2x2xi64, expected 2x2xi32"),
            std::string::npos)
      << error;
}

TEST(ElementwiseKernels, PreparationErrorsNameTheOpAndTheProblem) {
  auto expectError = [](const std::string &error, const std::string &part) {
    EXPECT_NE(error.find(part), std::string::npos) << error;
    EXPECT_NE(error.find("at test.onnx:node"), std::string::npos) << error;
  };
  TensorType f23{DType::F32, {2, 3}}, f4{DType::F32, {4}},
      i23{DType::I32, {2, 3}};
  expectError(prepareError("nn.add", {}, {f23, f4}, {f23}),
              "operands 2x3xf32 and 4xf32 do not broadcast");
  expectError(prepareError("nn.add", {}, {f23, i23}, {f23}),
              "differ in element type");
  expectError(prepareError("nn.mul", {}, {f23, f23}, {{DType::F32, {3, 2}}}),
              "result has type 3x2xf32, expected 2x3xf32");
  expectError(prepareError("nn.sqrt", {}, {i23}, {i23}),
              "unsupported element type i32 of operand (expected f32 or f64)");
  expectError(prepareError("nn.add", {}, {f23}, {f23}),
              "expected 2 operand(s) and 1 result(s), got 1 and 1");
  expectError(
      prepareError("nn.dropout", {}, {f23}, {f23, {DType::Bool, {2, 3}}}),
      "attribute 'ratio' is missing");
  expectError(prepareError("nn.where", {}, {f23, f23, f23}, {f23}),
              "condition has type 2x3xf32, expected element type bool");
  expectError(
      prepareError("nn.relu", {}, {{DType::U8, {2}}}, {{DType::U8, {2}}}),
      "unsupported element type u8 of operand (expected f32, f64, i64, i32, "
      "i16 or i8)");
}

TEST(ElementwiseKernels, MaxMinAndModBroadcastInEveryNumericType) {
  std::mt19937 rng(21);
  // Python's % (the divisor's sign) and C's fmod (the dividend's).
  auto pyMod = [](double a, double b) {
    double m = std::fmod(a, b);
    return m != 0 && (m < 0) != (b < 0) ? m + b : m;
  };
  for (DType dtype : kNumeric)
    for (const auto &[sa, sb] : kBroadcastPairs) {
      Tensor a = randomTensor({dtype, sa}, rng, -9, 9);
      Values bv = valuesOf(randomTensor({dtype, sb}, rng, 1, 9));
      for (size_t i = 0; i < bv.size(); i += 2)
        bv[i] = -bv[i];
      Tensor b = tensorOf({dtype, sb}, bv);
      TensorType result{dtype, broadcastOf(sa, sb)};
      std::string what = a.type().str() + ", " + b.type().str();
      expectClose(run1("nn.max", {}, {a, b}, result),
                  referenceBinary(
                      a, b, [](double x, double y) { return std::max(x, y); }),
                  0, 0, "max " + what);
      expectClose(run1("nn.min", {}, {a, b}, result),
                  referenceBinary(
                      a, b, [](double x, double y) { return std::min(x, y); }),
                  0, 0, "min " + what);
      double tol = dtype == DType::F32 ? 1e-6 : 0;
      expectClose(run1("nn.mod", attrs({{"fmod", int64_t(1)}}), {a, b}, result),
                  referenceBinary(a, b,
                                  [&](double x, double y) {
                                    return inType(dtype, std::fmod(x, y));
                                  }),
                  tol, tol, "fmod " + what);
      if (!isFloat(dtype))
        expectClose(run1("nn.mod", {}, {a, b}, result),
                    referenceBinary(a, b, pyMod), 0, 0, "mod " + what);
    }
  for (DType dtype : kUnsigned)
    for (const auto &[sa, sb] : kBroadcastPairs) {
      Tensor a = randomTensor({dtype, sa}, rng, 0, 200);
      Tensor b = randomTensor({dtype, sb}, rng, 1, 50);
      TensorType result{dtype, broadcastOf(sa, sb)};
      std::string what = a.type().str() + ", " + b.type().str();
      expectClose(run1("nn.max", {}, {a, b}, result),
                  referenceBinary(
                      a, b, [](double x, double y) { return std::max(x, y); }),
                  0, 0, "max " + what);
      for (int64_t fmod : {0, 1})
        expectClose(
            run1("nn.mod", attrs({{"fmod", fmod}}), {a, b}, result),
            referenceBinary(a, b,
                            [](double x, double y) { return std::fmod(x, y); }),
            0, 0, "mod " + what);
    }
}

TEST(ElementwiseKernels, NaNInMaxMinAndComparisonsWithEquality) {
  const double nan = std::nan("");
  for (DType dtype : kFloats) {
    TensorType t{dtype, {4}};
    Tensor a = tensorOf(t, {nan, 1, 2, -0.0}), b = tensorOf(t, {1, nan, 3, 0});
    // torch.maximum(-0., 0.) is -0.: the first operand unless the second
    // is larger.
    Tensor max = run1("nn.max", {}, {a, b}, t);
    expectClose(max, {nan, nan, 3, 0}, 0, 0, "max");
    EXPECT_TRUE(std::signbit(valuesOf(max)[3]));
    expectClose(run1("nn.min", {}, {a, b}, t), {nan, nan, 2, 0}, 0, 0, "min");
    // NaN compares false, also with equality.
    expectClose(run1("nn.less_equal", {}, {a, a}, {DType::Bool, {4}}),
                {0, 1, 1, 1}, 0, 0, "NaN <= NaN");
  }
}

TEST(ElementwiseKernels, IntegerModIsDefinedEverywhere) {
  TensorType t{DType::I32, {6}};
  const double intMin = double(std::numeric_limits<int32_t>::min());
  Tensor a = tensorOf(t, {7, -7, 7, -7, intMin, 5});
  Tensor b = tensorOf(t, {3, 3, -3, -3, -1, 0});
  // By zero and INT_MIN by -1 (which trap on the CPU) give 0.
  expectClose(run1("nn.mod", {}, {a, b}, t), {1, 2, -2, -1, 0, 0}, 0, 0, "mod");
  expectClose(run1("nn.mod", attrs({{"fmod", int64_t(1)}}), {a, b}, t),
              {1, -1, 1, -1, 0, 0}, 0, 0, "fmod");
  TensorType i8{DType::I8, {2}};
  // -128 % 127 = 126 does not overflow on the way.
  expectClose(run1("nn.mod", {},
                   {tensorOf(i8, {-128, 127}), tensorOf(i8, {127, -128})}, i8),
              {126, -1}, 0, 0, "i8 mod");
}

/// log(1 + e^x), without overflow for large x.
double softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

TEST(ElementwiseKernels, MoreUnaryFloatOpsMatchTheCLibrary) {
  auto hardSwish = [](double x) {
    return x * std::min(std::max(x + 3, 0.0), 6.0) / 6;
  };
  auto hardSigmoid = [](double x) {
    return std::min(std::max(0.2 * x + 0.5, 0.0), 1.0);
  };
  const UnaryCase cases[] = {
      {"nn.abs", [](double x) { return std::fabs(x); }, -3, 3},
      {"nn.sign", [](double x) { return double((x > 0) - (x < 0)); }, -3, 3},
      {"nn.sin", [](double x) { return std::sin(x); }, -7, 7},
      {"nn.cos", [](double x) { return std::cos(x); }, -7, 7},
      {"nn.reciprocal", [](double x) { return 1 / x; }, 0.05, 20},
      {"nn.floor", [](double x) { return std::floor(x); }, -5, 5},
      {"nn.ceil", [](double x) { return std::ceil(x); }, -5, 5},
      {"nn.softplus", softplus, -30, 30},
      {"nn.hard_swish", hardSwish, -5, 5},
      {"nn.hard_sigmoid", hardSigmoid, -4, 4}};
  std::mt19937 rng(23);
  for (const UnaryCase &c : cases)
    for (DType dtype : kFloats) {
      Tensor x = randomTensor({dtype, {3, 41}}, rng, c.lo, c.hi);
      Values expected;
      for (double v : valuesOf(x))
        expected.push_back(c.f(v));
      // Absolute tolerance where a result cancels to near 0 (hard_swish
      // and hard_sigmoid at their kinks, x + 3 rounded in the type).
      double tol = dtype == DType::F32 ? 2e-6 : 1e-14;
      expectClose(run1(c.op, {}, {x}, x.type()), expected, tol, tol / 2,
                  std::string(c.op) + " " + dtypeName(dtype));
    }
}

TEST(ElementwiseKernels, SpecialValuesOfMoreUnaryOps) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::nan("");
  for (DType dtype : kFloats) {
    TensorType t{dtype, {6}};
    Tensor x = tensorOf(t, {nan, -inf, inf, -0.0, -1000, 1000});
    std::string name = dtypeName(dtype);
    expectClose(run1("nn.abs", {}, {x}, t), {nan, inf, inf, 0, 1000, 1000}, 0,
                0, "abs " + name);
    // Sign keeps zeros and NaN, as ONNX's (numpy's) sign.
    expectClose(run1("nn.sign", {}, {x}, t), {nan, -1, 1, 0, -1, 1}, 0, 0,
                "sign " + name);
    expectClose(run1("nn.softplus", {}, {x}, t),
                {nan, 0, inf, std::log(2.0), 0, 1000},
                dtype == DType::F32 ? 1e-7 : 1e-15, 0, "softplus " + name);
    // -inf * 0 is NaN, as in PyTorch's hardswish.
    expectClose(run1("nn.hard_swish", {}, {x}, t), {nan, nan, inf, 0, 0, 1000},
                0, 0, "hard_swish " + name);
    expectClose(run1("nn.hard_sigmoid", {}, {x}, t), {nan, 0, 1, 0.5, 0, 1}, 0,
                0, "hard_sigmoid " + name);
    expectClose(run1("nn.reciprocal", {}, {x}, t),
                {nan, 0, 0, -inf, -1e-3, 1e-3},
                dtype == DType::F32 ? 1e-7 : 1e-15, 0, "reciprocal " + name);
  }
  // softplus(-100) = e^-100 in double, not 0.
  Tensor small = tensorOf({DType::F64, {1}}, {-100});
  expectClose(run1("nn.softplus", {}, {small}, small.type()),
              {std::exp(-100.0)}, 1e-15, 0, "softplus(-100)");
}

TEST(ElementwiseKernels, HardSigmoidTakesItsAlphaAndBeta) {
  TensorType t{DType::F32, {5}};
  Tensor x = tensorOf(t, {-4, -3, 0, 1.5, 3});
  // PyTorch's nn.Hardsigmoid export: alpha = 1/6 (as a float), beta 0.5.
  float alpha = 1.0f / 6;
  Values expected;
  for (double v : valuesOf(x))
    expected.push_back(std::min(std::max(alpha * float(v) + 0.5f, 0.0f), 1.0f));
  expectClose(run1("nn.hard_sigmoid",
                   attrs({{"alpha", double(alpha)}, {"beta", 0.5}}), {x}, t),
              expected, 0, 0, "alpha 1/6");
  expectClose(
      run1("nn.hard_sigmoid", attrs({{"alpha", 0.5}, {"beta", 0.6}}), {x}, t),
      {0, 0, 0.6, 1, 1}, 1e-7, 0, "alpha 0.5, beta 0.6");
}

TEST(ElementwiseKernels, ClipInEveryNumericType) {
  for (DType dtype : kNumeric) {
    TensorType t{dtype, {5}};
    Tensor x = tensorOf(t, {-4, 0, 3, 7, 9});
    std::string name = dtypeName(dtype);
    auto bounds = [&](std::optional<double> lo, std::optional<double> hi) {
      Attributes a;
      auto value = [&](double v) -> AttrValue {
        if (isFloat(dtype))
          return v;
        return int64_t(v);
      };
      if (lo)
        a.set("min", value(*lo));
      if (hi)
        a.set("max", value(*hi));
      return a;
    };
    expectClose(run1("nn.clip", bounds(0, 6), {x}, t), {0, 0, 3, 6, 6}, 0, 0,
                "clip " + name);
    expectClose(run1("nn.clip", bounds(-1, {}), {x}, t), {-1, 0, 3, 7, 9}, 0, 0,
                "clip min " + name);
    expectClose(run1("nn.clip", bounds({}, 5), {x}, t), {-4, 0, 3, 5, 5}, 0, 0,
                "clip max " + name);
    expectClose(run1("nn.clip", bounds({}, {}), {x}, t), {-4, 0, 3, 7, 9}, 0, 0,
                "clip without bounds " + name);
    // min > max: every element is max, as torch.clamp.
    expectClose(run1("nn.clip", bounds(2, 1), {x}, t), {1, 1, 1, 1, 1}, 0, 0,
                "clip min > max " + name);
  }
  TensorType f{DType::F32, {2}};
  expectClose(run1("nn.clip", attrs({{"min", 0.0}, {"max", 6.0}}),
                   {tensorOf(f, {std::nan(""), 8})}, f),
              {std::nan(""), 6}, 0, 0, "clip NaN");
  // An unsigned bound above 2^63 arrives as a negative integer attribute.
  TensorType u64{DType::U64, {2}};
  Tensor big = Tensor::empty(u64);
  big.data<uint64_t>()[0] = ~uint64_t(0);
  big.data<uint64_t>()[1] = 5;
  uint64_t bound = (uint64_t(1) << 63) + 7;
  Tensor clipped =
      run1("nn.clip", attrs({{"max", int64_t(bound)}}), {big}, u64);
  EXPECT_EQ(clipped.data<uint64_t>()[0], bound);
  EXPECT_EQ(clipped.data<uint64_t>()[1], 5u);
  TensorType u8{DType::U8, {3}};
  expectClose(run1("nn.clip", attrs({{"min", int64_t(150)}}),
                   {tensorOf(u8, {250, 100, 0})}, u8),
              {250, 150, 150}, 0, 0, "u8 clip");
}

TEST(ElementwiseKernels, IntegerAbsAndSign) {
  TensorType i8{DType::I8, {4}};
  Tensor x = tensorOf(i8, {-128, -3, 0, 5});
  // The most negative integer wraps around to itself.
  expectClose(run1("nn.abs", {}, {x}, i8), {-128, 3, 0, 5}, 0, 0, "i8 abs");
  expectClose(run1("nn.sign", {}, {x}, i8), {-1, -1, 0, 1}, 0, 0, "i8 sign");
  for (DType dtype : kUnsigned) {
    TensorType t{dtype, {3}};
    Tensor u = tensorOf(t, {0, 1, 200});
    expectClose(run1("nn.abs", {}, {u}, t), {0, 1, 200}, 0, 0, "unsigned abs");
    expectClose(run1("nn.sign", {}, {u}, t), {0, 1, 1}, 0, 0, "unsigned sign");
  }
}

TEST(ElementwiseKernels, MoreOpsPreparationErrors) {
  TensorType f{DType::F32, {4}}, i{DType::I32, {4}};
  std::string error = prepareError("nn.mod", {}, {f, f}, {f});
  EXPECT_NE(error.find("floating-point operands need fmod = 1"),
            std::string::npos)
      << error;
  error =
      prepareError("nn.clip", attrs({{"min", std::string("zero")}}), {f}, {f});
  EXPECT_NE(error.find("attribute 'min'"), std::string::npos) << error;
  error = prepareError("nn.sin", {}, {i}, {i});
  EXPECT_NE(error.find("unsupported element type i32 of operand"),
            std::string::npos)
      << error;
  error = prepareError("nn.max", {}, {f, i}, {f});
  EXPECT_NE(error.find("differ in element type"), std::string::npos) << error;
}

} // namespace
