//===- FloatKernel.h - f32/f64 dispatch of the device factories -*- C++ -*-===//
//
// The element-type dispatch of the CUDA backend's matrix, convolution,
// pooling and normalisation factories, which compute in f32 and f64 only:
// `floatKernel<makeConv<float>, makeConv<double>>` is the registered
// factory. One definition for the files that register such ops (the CPU
// backend's is TypeDispatch.h's floatKernel, with the CPU's message).
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_FLOATKERNEL_H
#define PP_RUNTIME_CUDA_FLOATKERNEL_H

#include "pp/Runtime/Kernel.h"

#include <string>

namespace pp::rt::PP_DEVICE_NS {

/// The factory `F32` or `F64` by the first operand's element type; an error
/// naming the op for an op without operands or with another element type.
template <KernelFactory F32, KernelFactory F64>
Status floatKernel(const KernelSpec &spec, KernelFn &out) {
  if (spec.inputs.empty())
    return spec.error("expected operands, got none");
  switch (spec.inputs[0].dtype) {
  case DType::F32:
    return F32(spec, out);
  case DType::F64:
    return F64(spec, out);
  default:
    return spec.error(std::string("the CUDA backend supports f32 and f64, "
                                  "got ") +
                      dtypeName(spec.inputs[0].dtype));
  }
}

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_FLOATKERNEL_H
