//===- BufferPoolTest.cpp - Buffers, their reuse and their accounting -----===//

#include "TestUtil.h"

#include "pp/Runtime/BufferPool.h"

#include <thread>

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

TEST(BufferPool, RecyclesBuffersBySize) {
  BufferPool pool;
  void *first;
  {
    Tensor t = Tensor::empty({DType::F32, {100}}, pool); // 400 -> 448 bytes
    first = t.raw();
    EXPECT_EQ(reinterpret_cast<uintptr_t>(first) % 64, 0u);
    EXPECT_EQ(pool.cachedBytes(), 0u);
  }
  EXPECT_EQ(pool.cachedBytes(), 448u);
  // Another size misses the cache; the same rounded size hits it.
  Tensor other = Tensor::empty({DType::F32, {200}}, pool);
  EXPECT_NE(other.raw(), first);
  EXPECT_EQ(pool.cachedBytes(), 448u);
  Tensor again = Tensor::empty({DType::U8, {420}}, pool);
  EXPECT_EQ(again.raw(), first);
  EXPECT_EQ(pool.cachedBytes(), 0u);
  // An empty tensor still owns a buffer, of 64 bytes.
  Tensor empty = Tensor::empty({DType::F32, {0}}, pool);
  EXPECT_NE(empty.raw(), nullptr);
  EXPECT_EQ(pool.stats().currentTotal, 448 + 832 + 64);
  other = Tensor();
  empty = Tensor();
  EXPECT_EQ(pool.releaseCached(), 832u + 64u);
  EXPECT_EQ(pool.cachedBytes(), 0u);
}

TEST(BufferPool, CountsLiveBuffersByKindWithPeaks) {
  BufferPool pool;
  Tensor a = Tensor::zeros({DType::F64, {16}}, pool); // 128 bytes
  Tensor b = Tensor::empty({DType::F32, {16}}, pool); // 64 bytes
  MemoryStats s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Workspace), 192);
  EXPECT_EQ(s.currentTotal, 192);

  // A relabel moves the buffer's bytes, for every tensor sharing it.
  Tensor view = a.reinterpret({DType::F32, {32}}).slice(8, 8);
  view.setMemoryKind(MemoryKind::Activations);
  s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Workspace), 64);
  EXPECT_EQ(s.currentOf(MemoryKind::Activations), 128);
  EXPECT_EQ(s.peakOf(MemoryKind::Workspace), 192);
  EXPECT_EQ(s.peakOf(MemoryKind::Activations), 128);
  EXPECT_EQ(s.currentTotal, 192);
  EXPECT_EQ(s.peakTotal, 192);
  a.setMemoryKind(MemoryKind::Gradients);
  s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Activations), 0);
  EXPECT_EQ(s.currentOf(MemoryKind::Gradients), 128);

  // Freed buffers leave the statistics from the kind they have then.
  a = Tensor();
  view = Tensor();
  s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Gradients), 0);
  EXPECT_EQ(s.peakOf(MemoryKind::Gradients), 128);
  EXPECT_EQ(s.currentTotal, 64);
  EXPECT_EQ(s.peakTotal, 192);

  // External memory counts without buffers.
  pool.addExternal(MemoryKind::Parameters, 1000);
  s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Parameters), 1000);
  EXPECT_EQ(s.peakTotal, 1064);
  pool.removeExternal(MemoryKind::Parameters, 1000);
  EXPECT_EQ(pool.stats().currentOf(MemoryKind::Parameters), 0);

  pool.resetPeaks();
  s = pool.stats();
  EXPECT_EQ(s.peakTotal, 64);
  EXPECT_EQ(s.peakOf(MemoryKind::Workspace), 64);
  EXPECT_EQ(s.peakOf(MemoryKind::Parameters), 0);

  // Views of foreign memory belong to no pool: relabelling them does
  // nothing.
  float foreign[4];
  Tensor::view({DType::F32, {4}}, foreign)
      .setMemoryKind(MemoryKind::Parameters);
  EXPECT_EQ(pool.stats().currentTotal, 64);
}

TEST(BufferPool, ClonesComeFromTheSourcesPool) {
  BufferPool pool, other;
  Tensor t = makeTensor<float>(DType::F32, {2}, {1, 2});
  Tensor inPool = t.clone(pool);
  EXPECT_EQ(values<float>(inPool), (std::vector<float>{1, 2}));
  EXPECT_EQ(pool.stats().currentTotal, 64);
  Tensor again = inPool.clone();
  EXPECT_EQ(pool.stats().currentTotal, 128);
  Tensor elsewhere = inPool.clone(other);
  EXPECT_EQ(pool.stats().currentTotal, 128);
  EXPECT_EQ(other.stats().currentTotal, 64);
}

TEST(BufferPool, BuffersOutliveThePool) {
  Tensor survivor;
  {
    BufferPool pool;
    survivor = Tensor::zeros({DType::F64, {1000}}, pool);
    Tensor cached = Tensor::empty({DType::F32, {10}}, pool);
    cached = Tensor();
    EXPECT_EQ(pool.cachedBytes(), 64u);
  }
  // The buffer is still usable, can be relabelled and cloned, and is freed
  // (not cached: no one can allocate from the pool any more) when it goes.
  survivor.data<double>()[999] = 3;
  survivor.setMemoryKind(MemoryKind::Activations);
  Tensor copy = survivor.clone();
  EXPECT_EQ(copy.data<double>()[999], 3);
  survivor = Tensor();
  copy = Tensor();
}

TEST(BufferPool, TensorsWithoutAPoolUseTheDefaultPool) {
  int64_t before = defaultBufferPool().stats().currentTotal;
  Tensor t = Tensor::empty({DType::F32, {100}});
  EXPECT_EQ(defaultBufferPool().stats().currentTotal, before + 448);
  EXPECT_EQ(t.space(), MemorySpace::Host);
}

TEST(BufferPool, ThreadsAllocateAndFreeConcurrently) {
  BufferPool pool;
  constexpr int kRounds = 2000;
  // Each thread allocates and frees buffers of a few sizes, relabelling
  // some, and hands some of its buffers to the other thread to free.
  std::vector<Tensor> handedOver[2];
  auto work = [&](int id) {
    for (int i = 0; i < kRounds; ++i) {
      Tensor t = Tensor::empty({DType::F32, {int64_t(16 * (1 + i % 5))}}, pool);
      t.data<float>()[0] = float(i);
      if (i % 3 == 0)
        t.setMemoryKind(MemoryKind::Activations);
      if (i % 7 == 0)
        handedOver[id].push_back(t);
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  size_t expectedLive = handedOver[0].size() + handedOver[1].size();
  EXPECT_EQ(expectedLive, 2u * ((kRounds + 6) / 7));
  int64_t live = pool.stats().currentTotal;
  EXPECT_GT(live, 0);
  // Each thread frees the other's buffers, while allocating more.
  auto release = [&](int id) {
    for (size_t i = 0; i < handedOver[1 - id].size(); ++i) {
      Tensor t = Tensor::empty({DType::F64, {8}}, pool);
      handedOver[1 - id][i] = Tensor();
    }
  };
  std::thread c(release, 0), d(release, 1);
  c.join();
  d.join();
  MemoryStats s = pool.stats();
  EXPECT_EQ(s.currentTotal, 0);
  for (size_t k = 0; k < kNumMemoryKinds; ++k)
    EXPECT_EQ(s.current[k], 0) << memoryKindName(MemoryKind(k));
  EXPECT_GE(s.peakTotal, live);
  // Every buffer made is cached now: at least what was live at once.
  EXPECT_GE(pool.cachedBytes(), size_t(s.peakTotal));
}

TEST(BufferPool, NamesItsKindsAndSpaces) {
  EXPECT_STREQ(memoryKindName(MemoryKind::Workspace), "workspace");
  EXPECT_STREQ(memoryKindName(MemoryKind::OptimizerState), "optimizer state");
  EXPECT_STREQ(memoryKindName(MemoryKind::Communication), "communication");
  EXPECT_STREQ(memorySpaceName(MemorySpace::Device), "device");
  float data[2];
  EXPECT_EQ(Tensor::view({DType::F32, {2}}, data, MemorySpace::Device).space(),
            MemorySpace::Device);
}

} // namespace
