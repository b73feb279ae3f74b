//===- KernelContextTest.cpp - Kernel contexts and the registry -----------===//

#include "TestUtil.h"

#include "pp/Runtime/Kernel.h"

using namespace pp::rt;
using namespace pp::rt::test;

namespace {

TEST(KernelContext, ScratchIsReusedAndGrows) {
  BufferPool pool;
  KernelContext ctx(pool);
  void *a = ctx.scratch(0, 100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  // The same slot, no larger: the same memory.
  EXPECT_EQ(ctx.scratch(0, 128), a);
  EXPECT_EQ(ctx.scratch(0, 10), a);
  // Another slot is another buffer.
  void *b = ctx.scratch(1, 64);
  EXPECT_NE(b, a);
  EXPECT_EQ(pool.stats().currentOf(MemoryKind::Workspace), 128 + 64);
  // Growing replaces the slot's buffer; the old one goes back to the pool.
  char *grown = static_cast<char *>(ctx.scratch(0, 4096));
  grown[4095] = 1; // all of it is usable
  EXPECT_EQ(ctx.scratch(0, 4000), grown);
  MemoryStats s = pool.stats();
  EXPECT_EQ(s.currentOf(MemoryKind::Workspace), 4096 + 64);
  EXPECT_EQ(pool.cachedBytes(), 128u);
  EXPECT_EQ(ctx.scratch(1, 64), b);
}

TEST(KernelContext, ScratchGoesBackToThePoolWithTheContext) {
  BufferPool pool;
  {
    KernelContext ctx(pool);
    ctx.scratch(3, 1000);
    EXPECT_EQ(pool.stats().currentTotal, 1024);
  }
  EXPECT_EQ(pool.stats().currentTotal, 0);
  EXPECT_EQ(pool.cachedBytes(), 1024u);
}

TEST(KernelContext, RandomKeysCarryTheRunsKey) {
  BufferPool pool;
  KernelContext ctx(pool, Backend::CUDA);
  EXPECT_EQ(ctx.backend(), Backend::CUDA);
  EXPECT_EQ(&ctx.pool(), &pool);
  ctx.seed = 9;
  ctx.step = 4;
  ctx.microbatch = 2;
  RandomKey key = ctx.randomKey(77);
  EXPECT_EQ(key.seed, 9u);
  EXPECT_EQ(key.step, 4);
  EXPECT_EQ(key.microbatch, 2);
  EXPECT_EQ(key.stream, 77u);
}

Status makeNothing(const KernelSpec &, KernelFn &out) {
  out = [](KernelContext &, const Tensor *const *, Tensor *const *) {};
  return Status::ok();
}

Status makeOther(const KernelSpec &spec, KernelFn &) {
  return spec.error("other");
}

TEST(KernelRegistry, LooksKernelsUpByBackend) {
  KernelRegistry registry;
  registry.add("nn.foo", Backend::CPU, makeNothing);
  EXPECT_EQ(registry.lookup("nn.foo", Backend::CPU), &makeNothing);
  EXPECT_EQ(registry.lookup("nn.foo", Backend::CUDA), nullptr);
  EXPECT_EQ(registry.lookup("nn.bar", Backend::CPU), nullptr);
  registry.add("nn.foo", Backend::CUDA, makeOther);
  registry.add("nn.bar", Backend::CUDA, makeNothing);
  EXPECT_EQ(registry.lookup("nn.foo", Backend::CPU), &makeNothing);
  EXPECT_EQ(registry.lookup("nn.foo", Backend::CUDA), &makeOther);
  EXPECT_EQ(registry.names(Backend::CPU), (std::vector<std::string>{"nn.foo"}));
  EXPECT_EQ(registry.names(Backend::CUDA),
            (std::vector<std::string>{"nn.bar", "nn.foo"}));
  // A second registration replaces the first.
  registry.add("nn.foo", Backend::CPU, makeOther);
  EXPECT_EQ(registry.lookup("nn.foo", Backend::CPU), &makeOther);
  EXPECT_STREQ(backendName(Backend::CPU), "CPU");
  EXPECT_STREQ(backendName(Backend::CUDA), "CUDA");
}

TEST(KernelRegistry, TheCpuBackendRegistersForTheCpuOnly) {
  KernelRegistry registry;
  registerCpuKernels(registry);
  for (const char *op : {"nn.matmul", "nn.dropout", "pp.accumulate",
                         "pp.sgd_update", "pp.adamw_update"}) {
    EXPECT_NE(registry.lookup(op, Backend::CPU), nullptr) << op;
    EXPECT_EQ(registry.lookup(op, Backend::CUDA), nullptr) << op;
  }
  EXPECT_TRUE(registry.names(Backend::CUDA).empty());
}

} // namespace
