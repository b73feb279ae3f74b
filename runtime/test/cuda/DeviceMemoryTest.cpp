//===- DeviceMemoryTest.cpp - Device buffers, copies and fills ------------===//

#include "DeviceKernelHarness.h"

#include "pp/Runtime/BufferPool.h"

#include <gtest/gtest.h>

#include <random>

using namespace pp::rt;
using namespace pp::rt::devicetest;

TEST(DeviceMemory, PoolBuffersAreDeviceMemory) {
  BufferPool pool(*target().device);
  Tensor t = Tensor::empty({DType::F32, {3, 5}}, pool);
  EXPECT_EQ(t.space(), MemorySpace::Device);
  EXPECT_EQ(pool.stats().currentTotal, 64);
  Tensor z = Tensor::zeros({DType::F32, {7}}, pool);
  EXPECT_EQ(valuesOf(fromDevice(z)), Values(7, 0.0));
}

TEST(DeviceMemory, CopiesRoundTrip) {
  std::mt19937 rng(1);
  Tensor host = randomTensor({DType::F64, {4, 33}}, rng);
  Tensor device = toDevice(host);
  EXPECT_EQ(device.space(), MemorySpace::Device);
  Tensor back = fromDevice(device);
  EXPECT_EQ(valuesOf(back), valuesOf(host));
  // A device-to-device clone in the same pool.
  Tensor copy = device.clone();
  EXPECT_EQ(copy.space(), MemorySpace::Device);
  EXPECT_EQ(valuesOf(fromDevice(copy)), valuesOf(host));
  // toHost of a host tensor is the tensor itself.
  EXPECT_EQ(toHost(host).raw(), host.raw());
}

TEST(DeviceMemory, SteadyStateAllocatesFromTheCache) {
  BufferPool pool(*target().device);
  for (int step = 0; step < 3; ++step) {
    Tensor a = Tensor::empty({DType::F32, {1000}}, pool);
    Tensor b = Tensor::empty({DType::F32, {10}}, pool);
  }
  // Two buffers, both cached after the first step.
  EXPECT_EQ(pool.cachedBytes(), size_t(4032 + 64));
}

// The CUDA backend runs every op the CPU backend runs.
TEST(DeviceKernels, EveryCpuOpHasACudaKernel) {
  std::vector<std::string> missing;
  for (const std::string &op : cputest::cpuRegistry().names(Backend::CPU))
    if (!target().registry->lookup(op, Backend::CUDA))
      missing.push_back(op);
  EXPECT_TRUE(missing.empty()) << "no CUDA kernel for " << missing.size()
                               << " ops, the first " << missing.front();
}
