//===- ElementwiseFusion.h - Which ops the executor fuses -------*- C++ -*-===//
//
// The executor (Executor.cpp) replaces runs of consecutive elementwise ops
// by one pp.fused_elementwise kernel where the backend has one (the CUDA
// backend). This says which ops a chain may hold and what instruction of
// the fused program (runtime/lib/kernels/FusedElementwise.h) computes each,
// with its attributes read by the very readers the ops' own kernels use,
// so the instruction computes what the op does.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_ELEMENTWISEFUSION_H
#define PP_RUNTIME_ELEMENTWISEFUSION_H

#include "kernels/FusedElementwise.h"
#include "pp/Runtime/Kernel.h"

namespace pp::rt {

/// The name of the runtime's fused op.
constexpr const char *kFusedElementwiseOp = "pp.fused_elementwise";

/// One instruction of a fused chain: its op and parameters.
struct FusedInstruction {
  kernels::FusedOp op = kernels::FusedOp::Add;
  double params[kernels::kFusedParams] = {0, 0};
};

/// The instruction of the op `spec` prepares, when it may join a fused
/// chain: an op of the set (arithmetic, activations and their gradients,
/// where) with one float32 or float64 result, whose operands are of the
/// result's element type (bool for where's condition and dropout_grad's
/// mask). False for every other op, and for attributes that do not read.
bool fusedInstructionOf(const KernelSpec &spec, FusedInstruction &out);

} // namespace pp::rt

#endif // PP_RUNTIME_ELEMENTWISEFUSION_H
