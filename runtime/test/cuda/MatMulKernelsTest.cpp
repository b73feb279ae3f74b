//===- MatMulKernelsTest.cpp - CUDA MatMul kernels against the CPU's ---===//

#include "DeviceKernelHarness.h"

#include <gtest/gtest.h>

using namespace pp::rt;
using namespace pp::rt::devicetest;
