//===- HalfFloats.h - IEEE half and bfloat16 elements -----------*- C++ -*-===//
//
// The CPU kernels' names for the 16-bit float elements and conversions of
// runtime/lib/kernels/HalfFloats.h, which the CUDA backend shares.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_HALFFLOATS_H
#define PP_RUNTIME_CPU_HALFFLOATS_H

#include "../kernels/HalfFloats.h"

namespace pp::rt::cpu {

using kernels::BFloat16;
using kernels::Float16;
using kernels::narrowToBFloat16;
using kernels::narrowToFloat16;
using kernels::roundMagnitude;
using kernels::widen;

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_HALFFLOATS_H
