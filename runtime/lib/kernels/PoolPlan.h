//===- PoolPlan.h - Preparation of the pooling ops --------------*- C++ -*-===//
//
// What the CPU (runtime/lib/cpu/PoolKernels.cpp) and CUDA
// (runtime/lib/cuda/PoolKernels.cu) factories of `nn.max_pool`,
// `nn.average_pool`, `nn.max_pool_grad`, `nn.average_pool_grad` and
// `nn.global_average_pool` compute alike before they build their closures:
// the operand counts and types, the `kernel_shape`, `ceil_mode`, `strides`,
// `pads`, `dilations` (and `count_include_pad`) attributes, the shapes and
// the window. Written once so that both backends accept and refuse the
// same ops with the same messages; each then lays out its own walk of the
// windows.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_POOLPLAN_H
#define PP_RUNTIME_KERNELS_POOLPLAN_H

#include "../cpu/Window.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>

namespace pp::rt::kernels {

/// Which windowed pooling op a plan is for.
enum class PoolOp { MaxPool, AveragePool, MaxPoolGrad, AveragePoolGrad };

/// The window of a pooling op over `planes` (batch x channels) planes; for
/// average pooling, whether the divisor counts the padding.
struct PoolPlan {
  cpu::Window window;
  int64_t planes = 0;
  bool countIncludePad = false;
};

/// Checks the operands, result and attributes of pooling op `op` and plans
/// it.
Status planPool(const KernelSpec &spec, PoolOp op, PoolPlan &plan);

/// `nn.global_average_pool`: the mean of each of `planes` (batch x
/// channels) planes of `size` elements.
struct GlobalPoolPlan {
  int64_t planes = 0, size = 0;
};

/// Checks the operand and result of an `nn.global_average_pool` and plans
/// it.
Status planGlobalAveragePool(const KernelSpec &spec, GlobalPoolPlan &plan);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_POOLPLAN_H
