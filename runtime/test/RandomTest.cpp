//===- RandomTest.cpp - The counter-based generator -----------------------===//

#include "pp/Runtime/Random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace pp::rt;

namespace {

TEST(Random, PhiloxMatchesRandom123KnownAnswers) {
  // Random123's kat_vectors for philox4x32-10: counter, key -> output.
  struct Case {
    Philox4x32Block counter;
    uint32_t key0, key1;
    Philox4x32Block expected;
  } cases[] = {
      {{{0, 0, 0, 0}},
       0,
       0,
       {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffff,
       0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0xa4093822,
       0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Case &c : cases) {
    Philox4x32Block out = philox4x32(c.counter, c.key0, c.key1);
    for (int w = 0; w < 4; ++w)
      EXPECT_EQ(out.v[w], c.expected.v[w])
          << "word " << w << " of counter " << std::hex << c.counter.v[0];
  }
}

TEST(Random, ElementsAreWordsOfPhiloxBlocks) {
  // bits32(i) is word i % 4 of philox({i / 4 (64 bits), microbatch, step},
  // key k), k = splitmix64(seed ^ splitmix64(stream)).
  RandomKey key{0x1234, 7, 3, 99};
  CounterRandom random(key);
  uint64_t k = splitmix64(key.seed ^ splitmix64(key.stream));
  for (uint64_t index :
       {uint64_t(0), uint64_t(5), uint64_t(11), (uint64_t(1) << 34) + 2}) {
    uint64_t block = index / 4;
    Philox4x32Block expected =
        philox4x32({{uint32_t(block), uint32_t(block >> 32), 3u, 7u}},
                   uint32_t(k), uint32_t(k >> 32));
    EXPECT_EQ(random.bits32(index), expected.v[index % 4]) << index;
    EXPECT_EQ(random.uniform(index),
              double(expected.v[index % 4]) / 4294967296.0);
  }
  // SplitMix64 of 0 (Vigna's reference implementation, first output).
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFull);
}

std::vector<uint32_t> stream(const RandomKey &key, size_t n = 64) {
  CounterRandom random(key);
  std::vector<uint32_t> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(random.bits32(i));
  return out;
}

TEST(Random, TheKeyAloneDecidesTheStream) {
  RandomKey key{42, 5, 2, 17};
  std::vector<uint32_t> base = stream(key);
  EXPECT_EQ(stream(key), base);
  // Element by element, in any order, gives the same values.
  CounterRandom random(key);
  for (size_t i = base.size(); i-- > 0;)
    EXPECT_EQ(random.bits32(i), base[i]);
  RandomKey other = key;
  other.step = 6;
  EXPECT_NE(stream(other), base);
  other = key;
  other.microbatch = 3;
  EXPECT_NE(stream(other), base);
  other = key;
  other.stream = 18;
  EXPECT_NE(stream(other), base);
  other = key;
  other.seed = 43;
  EXPECT_NE(stream(other), base);
}

TEST(Random, UniformIsInTheUnitIntervalWithTheRightMean) {
  CounterRandom random(RandomKey{1, 1, 0, 1});
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    double u = random.uniform(uint64_t(i));
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  // The mean of n uniforms has standard deviation sqrt(1/12/n).
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
}

} // namespace
