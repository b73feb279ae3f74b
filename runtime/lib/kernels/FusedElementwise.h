//===- FusedElementwise.h - The instruction set of fused chains -*- C++ -*-===//
//
// pp.fused_elementwise, the runtime's own op that runs a chain of
// elementwise ops as one kernel (the executor builds it, Executor.cpp; the
// CUDA backend runs it, runtime/lib/cuda/FusedElementwiseKernels.cu),
// evaluates a small program per element. This header is what both sides
// share: the op codes, how many operands each reads, the program's bounds,
// and the per-instruction math, which calls the very functors of
// ElementwiseMath.h the unfused kernels call, so that every instruction
// rounds as its op does on its own and a fused chain gives the bits of the
// ops run one by one.
//
// The program, as attributes of pp.fused_elementwise:
//  - "ops": one op code (FusedOp) per instruction;
//  - "args": kFusedArgs operand references per instruction: k < E names
//    external input k, E + j the result of instruction j (j before it),
//    -1 an unused operand;
//  - "params": kFusedParams floats per instruction (clip's bounds,
//    hard_sigmoid's alpha and beta, dropout_grad's scale), converted to the
//    element type as the unfused kernels convert the ops' attributes.
// The inputs are the externals (each broadcast to the result's shape; bool
// ones only as where's condition or dropout_grad's mask), the one output
// is the last instruction's value.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_FUSEDELEMENTWISE_H
#define PP_RUNTIME_KERNELS_FUSEDELEMENTWISE_H

#include "ElementwiseMath.h"
#include "HostDevice.h"

#include <cstdint>

namespace pp::rt::kernels {

/// The most instructions and external inputs of one fused kernel: a longer
/// chain is split, the kernel's arguments stay small (a few hundred bytes).
constexpr int kMaxFusedInstructions = 16;
constexpr int kMaxFusedExternals = 8;
constexpr int kFusedArgs = 3;
constexpr int kFusedParams = 2;

/// The instructions. Binary ops broadcast; the gradients take (dy, v).
enum class FusedOp : int8_t {
  // fn(a, b)
  Add,
  Sub,
  Mul,
  Div,
  Max,
  Min,
  // fn(x)
  Neg,
  Exp,
  Log,
  Tanh,
  Sigmoid,
  Relu,
  Sqrt,
  Reciprocal,
  Abs,
  Erf,
  GeluErf,
  GeluTanh,
  Sin,
  Cos,
  Floor,
  Ceil,
  Sign,
  Softplus,
  HardSwish,
  Clip,        // params: lo, hi
  HardSigmoid, // params: alpha, beta
  // fn(dy, v)
  ReluGrad,
  GeluErfGrad,
  GeluTanhGrad,
  TanhGrad,
  SigmoidGrad,
  HardSwishGrad,
  ClipGrad,        // params: lo, hi
  HardSigmoidGrad, // params: alpha, beta
  DropoutGrad,     // (dy, mask); params: scale
  // fn(dy, a, b)
  MaxGrad,
  MinGrad,
  // cond ? x : y
  Where,
  Count
};

/// The operands instruction `op` reads.
PP_HD_INLINE int fusedArity(FusedOp op) {
  if (op <= FusedOp::Min)
    return 2;
  if (op <= FusedOp::HardSigmoid)
    return 1;
  if (op <= FusedOp::DropoutGrad)
    return 2;
  return 3;
}

/// Whether operand `k` of `op` is a bool (where's condition, dropout_grad's
/// mask), held in the element type as 0 or 1.
PP_HD_INLINE bool fusedOperandIsBool(FusedOp op, int k) {
  return (op == FusedOp::Where && k == 0) ||
         (op == FusedOp::DropoutGrad && k == 1);
}

/// a + b, a - b and a * b rounded on their own: on a GPU nvcc could
/// otherwise contract a product and a sum of two instructions into one
/// multiply-add, which the unfused kernels (one op each) never do.
template <typename T> PP_HD_INLINE T roundedAdd(T a, T b) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fadd_rn(a, b);
  else
    return __dadd_rn(a, b);
#else
  return AddFn{}(a, b);
#endif
}
template <typename T> PP_HD_INLINE T roundedSub(T a, T b) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fsub_rn(a, b);
  else
    return __dsub_rn(a, b);
#else
  return SubFn{}(a, b);
#endif
}
template <typename T> PP_HD_INLINE T roundedMul(T a, T b) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<T, float>)
    return __fmul_rn(a, b);
  else
    return __dmul_rn(a, b);
#else
  return MulFn{}(a, b);
#endif
}

/// One instruction on its operands (unused ones are ignored) in T, F32 or
/// F64: the functor of the op's own kernel.
template <typename T>
PP_HD_INLINE T fusedApply(FusedOp op, T a, T b, T c, T p0, T p1) {
  switch (op) {
  case FusedOp::Add:
    return roundedAdd(a, b);
  case FusedOp::Sub:
    return roundedSub(a, b);
  case FusedOp::Mul:
    return roundedMul(a, b);
  case FusedOp::Div:
    return DivFn{}(a, b);
  case FusedOp::Max:
    return MaxFn{}(a, b);
  case FusedOp::Min:
    return MinFn{}(a, b);
  case FusedOp::Neg:
    return NegFn{}(a);
  case FusedOp::Exp:
    return ExpFn{}(a);
  case FusedOp::Log:
    return LogFn{}(a);
  case FusedOp::Tanh:
    return TanhFn{}(a);
  case FusedOp::Sigmoid:
    return SigmoidFn{}(a);
  case FusedOp::Relu:
    return ReluFn{}(a);
  case FusedOp::Sqrt:
    return SqrtFn{}(a);
  case FusedOp::Reciprocal:
    return ReciprocalFn{}(a);
  case FusedOp::Abs:
    return AbsFn{}(a);
  case FusedOp::Erf:
    return ErfFn{}(a);
  case FusedOp::GeluErf:
    return GeluErfFn{}(a);
  case FusedOp::GeluTanh:
    return GeluTanhFn{}(a);
  case FusedOp::Sin:
    return SinFn{}(a);
  case FusedOp::Cos:
    return CosFn{}(a);
  case FusedOp::Floor:
    return FloorFn{}(a);
  case FusedOp::Ceil:
    return CeilFn{}(a);
  case FusedOp::Sign:
    return SignFn{}(a);
  case FusedOp::Softplus:
    return SoftplusFn{}(a);
  case FusedOp::HardSwish:
    return HardSwishFn{}(a);
  case FusedOp::Clip:
    return ClipFn<T>{p0, p1}(a);
  case FusedOp::HardSigmoid:
    return HardSigmoidFn<T>{p0, p1}(a);
  case FusedOp::ReluGrad:
    return ReluGradFn{}(a, b);
  case FusedOp::GeluErfGrad:
    return GeluErfGradFn{}(a, b);
  case FusedOp::GeluTanhGrad:
    return GeluTanhGradFn{}(a, b);
  case FusedOp::TanhGrad:
    return TanhGradFn{}(a, b);
  case FusedOp::SigmoidGrad:
    return SigmoidGradFn{}(a, b);
  case FusedOp::HardSwishGrad:
    return HardSwishGradFn{}(a, b);
  case FusedOp::ClipGrad:
    return ClipGradFn<T>{p0, p1}(a, b);
  case FusedOp::HardSigmoidGrad:
    return HardSigmoidGradFn<T>{p0, p1}(a, b);
  case FusedOp::DropoutGrad:
    return dropoutValue(a, b != T(0), p0);
  case FusedOp::MaxGrad:
    return ExtremumGradFn<true>{}(a, b, c);
  case FusedOp::MinGrad:
    return ExtremumGradFn<false>{}(a, b, c);
  case FusedOp::Where:
    return a != T(0) ? b : c;
  default:
    return a;
  }
}

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_FUSEDELEMENTWISE_H
