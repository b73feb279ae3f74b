//===- Random.h - Counter-based random numbers ------------------*- C++ -*-===//
//
// Random kernels (dropout) draw from Philox4x32-10 (Salmon, Moraes, Dror and
// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the
// Random123 library), a counter-based generator: a bijection of a 128-bit
// counter under a 64-bit key, with no state between draws. Element i of a
// kernel's draw is a function of its key (the run's seed, the step, the
// microbatch and the op's stream, Kernel.random_id) and of i alone, so the
// masks of a dropout do not depend on the order kernels run in, on the
// schedule, on how many stages share the model or on a recomputation.
//
// Header-only, and marked to compile for a CUDA device as well, so that a
// device backend draws the same numbers as the CPU.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_RANDOM_H
#define PP_RUNTIME_RANDOM_H

#include <cstdint>

#ifdef __CUDACC__
#define PP_HOST_DEVICE __host__ __device__
#else
#define PP_HOST_DEVICE
#endif

namespace pp::rt {

/// Four 32-bit words: a Philox counter or output.
struct Philox4x32Block {
  uint32_t v[4];
};

/// The high and low words of the 64-bit product a * b.
PP_HOST_DEVICE inline void philoxMulHiLo(uint32_t a, uint32_t b, uint32_t &hi,
                                         uint32_t &lo) {
  uint64_t product = uint64_t(a) * uint64_t(b);
  hi = uint32_t(product >> 32);
  lo = uint32_t(product);
}

/// Philox4x32 with 10 rounds: Random123's philox4x32(counter, key).
PP_HOST_DEVICE inline Philox4x32Block philox4x32(Philox4x32Block counter,
                                                 uint32_t key0, uint32_t key1) {
  constexpr uint32_t kMultiplier0 = 0xD2511F53u, kMultiplier1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  uint32_t *c = counter.v;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // the key schedule: a Weyl sequence
      key0 += kWeyl0;
      key1 += kWeyl1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    philoxMulHiLo(kMultiplier0, c[0], hi0, lo0);
    philoxMulHiLo(kMultiplier1, c[2], hi1, lo1);
    uint32_t next0 = hi1 ^ c[1] ^ key0, next2 = hi0 ^ c[3] ^ key1;
    c[0] = next0;
    c[1] = lo1;
    c[2] = next2;
    c[3] = lo0;
  }
  return counter;
}

/// SplitMix64's finaliser (Steele, Lea and Flood): a bijective mix of 64
/// bits.
PP_HOST_DEVICE inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// What a random kernel's draw is a function of (KernelContext::randomKey):
/// the run's seed (pp-run --seed), the training step, the microbatch and
/// the op's stream (Kernel.random_id).
struct RandomKey {
  uint64_t seed = 0;
  int64_t step = 0;
  int32_t microbatch = 0;
  uint64_t stream = 0;
};

/// The random numbers of one key. Stateless: the value of element i
/// depends only on the key and i. The seed and the stream make the Philox
/// key, k = splitmix64(seed ^ splitmix64(stream)); the microbatch and the
/// step are the counter's upper words, and index / 4 its lower two, so
/// every group of four elements is one Philox block.
class CounterRandom {
public:
  PP_HOST_DEVICE explicit CounterRandom(const RandomKey &key)
      : microbatch_(uint32_t(key.microbatch)), step_(uint32_t(key.step)) {
    uint64_t k = splitmix64(key.seed ^ splitmix64(key.stream));
    key0_ = uint32_t(k);
    key1_ = uint32_t(k >> 32);
  }

  /// Elements 4 * block .. 4 * block + 3, in one Philox call.
  PP_HOST_DEVICE Philox4x32Block block(uint64_t block) const {
    Philox4x32Block counter = {
        {uint32_t(block), uint32_t(block >> 32), microbatch_, step_}};
    return philox4x32(counter, key0_, key1_);
  }

  /// Word (index % 4) of block index / 4.
  PP_HOST_DEVICE uint32_t bits32(uint64_t index) const {
    return block(index / 4).v[index % 4];
  }

  /// bits32(index) / 2^32: uniform in [0, 1), in steps of 2^-32.
  static PP_HOST_DEVICE double toUniform(uint32_t bits) {
    return double(bits) * (1.0 / 4294967296.0);
  }
  PP_HOST_DEVICE double uniform(uint64_t index) const {
    return toUniform(bits32(index));
  }

private:
  uint32_t key0_, key1_;
  uint32_t microbatch_, step_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_RANDOM_H
