//===- FastMathTest.cpp - Accuracy of the vectorisable exp and tanh -------===//
//
// fastExp and fastTanh against the correctly rounded results (computed in
// double) over a dense sweep of all float bit patterns, and their behaviour
// at the ends of the float range, the infinities, signed zeros and NaN.
//
//===----------------------------------------------------------------------===//

#include "FastMath.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

using namespace pp::rt::cpu;

namespace {

/// Distance from `actual` to `exact` in units of the last place of the
/// float nearest `exact` (the smaller of its two gaps, at powers of two).
double ulpError(float actual, double exact) {
  float nearest = float(exact);
  double up = double(std::nextafter(nearest, INFINITY)) - double(nearest);
  double down = double(nearest) - double(std::nextafter(nearest, -INFINITY));
  return std::fabs(double(actual) - exact) / std::min(up, down);
}

/// The largest ulpError of f against the double-precision `exact` over
/// every 613th float bit pattern (about 7 million floats: all exponents and
/// a spread of mantissas of each) for which `inRange` holds. Every pattern
/// was checked once, with the same bounds as the tests.
template <typename F, typename Exact, typename InRange>
double worstUlpError(F f, Exact exact, InRange inRange, float &worstAt) {
  double worst = 0;
  int64_t checked = 0;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 613) {
    uint32_t b = uint32_t(bits);
    float x;
    std::memcpy(&x, &b, sizeof x);
    if (std::isnan(x) || !inRange(x))
      continue;
    double error = ulpError(f(x), exact(double(x)));
    if (error > worst) {
      worst = error;
      worstAt = x;
    }
    ++checked;
  }
  EXPECT_GT(checked, 1000000);
  return worst;
}

TEST(FastMath, ExpIsWithinOneUlpWhereTheResultIsNormal) {
  const float lo = std::log(FLT_MIN), hi = std::log(FLT_MAX);
  float at = 0;
  double worst = worstUlpError([](float x) { return fastExp(x); },
                               [](double x) { return std::exp(x); },
                               [&](float x) { return x >= lo && x <= hi; }, at);
  EXPECT_LE(worst, 1.0) << "at x = " << at;
}

TEST(FastMath, TanhIsWithinOneAndAHalfUlp) {
  // Results below FLT_MIN are denormal: their ULP is not relative.
  float at = 0;
  double worst =
      worstUlpError([](float x) { return fastTanh(x); },
                    [](double x) { return std::tanh(x); },
                    [](float x) { return std::fabs(x) >= FLT_MIN; }, at);
  EXPECT_LE(worst, 1.5) << "at x = " << at;
}

TEST(FastMath, TanhKeepsSignsAndSaturates) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fastTanh(inf), 1.0f);
  EXPECT_EQ(fastTanh(-inf), -1.0f);
  EXPECT_EQ(fastTanh(100.0f), 1.0f);
  EXPECT_EQ(fastTanh(-100.0f), -1.0f);
  EXPECT_TRUE(std::isnan(fastTanh(std::nanf(""))));
  EXPECT_EQ(bitsOfFloat(fastTanh(0.0f)), bitsOfFloat(0.0f));
  EXPECT_EQ(bitsOfFloat(fastTanh(-0.0f)), bitsOfFloat(-0.0f));
  EXPECT_EQ(fastTanh(1e-30f), 1e-30f);
  EXPECT_EQ(fastTanh(-0.7f), -fastTanh(0.7f));
}

TEST(FastMath, ExpAtTheEndsOfTheRange) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fastExp(0.0f), 1.0f);
  EXPECT_EQ(fastExp(-0.0f), 1.0f);
  EXPECT_EQ(fastExp(-inf), 0.0f);
  EXPECT_EQ(fastExp(inf), inf);
  EXPECT_TRUE(std::isnan(fastExp(std::nanf(""))));
  EXPECT_EQ(fastExp(-88.0f), 0.0f); // below FLT_MIN: flushed
  EXPECT_EQ(fastExp(-1e30f), 0.0f);
  EXPECT_EQ(fastExp(89.0f), inf);
  EXPECT_EQ(fastExp(1e30f), inf);
  // Just below ln(FLT_MAX) the result is finite (the doubling past 2^127).
  float top = 88.72f;
  EXPECT_LE(ulpError(fastExp(top), std::exp(double(top))), 1.0);
  EXPECT_LT(fastExp(top), inf);
}

TEST(FastMath, SigmoidSaturates) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(sigmoidOf(-inf), 0.0f);
  EXPECT_EQ(sigmoidOf(inf), 1.0f);
  EXPECT_EQ(sigmoidOf(-200.0f), 0.0f);
  EXPECT_EQ(sigmoidOf(0.0f), 0.5f);
  EXPECT_EQ(sigmoidOf(0.0), 0.5);
  EXPECT_NEAR(sigmoidOf(2.0f), 1 / (1 + std::exp(-2.0)), 1e-7);
}

} // namespace
