//===- FloatDispatch.h - Element-type dispatch of CUDA factories -*- C++
//-*-===//
//
// How the CUDA backend's softmax, loss and movement factories pick the typed
// code of a kernel once per preparation: a generic lambda called with a
// value of the element type (f32 or f64), or of an unsigned integer as wide
// as one element (data movement copies elements without reading them).
// Host code; the messages name what this backend supports.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CUDA_FLOATDISPATCH_H
#define PP_RUNTIME_CUDA_FLOATDISPATCH_H

#include "DeviceLaunch.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <string>

namespace pp::rt::PP_DEVICE_NS {

/// Calls fn(T()) for T float (f32) or double (f64); an error otherwise.
template <typename Fn>
Status dispatchFloat(const KernelSpec &spec, DType dtype, Fn &&fn) {
  if (dtype == DType::F32)
    return fn(float());
  if (dtype == DType::F64)
    return fn(double());
  return spec.error(std::string("the CUDA backend supports f32 and f64, got ") +
                    dtypeName(dtype));
}

/// Calls fn(U()) with an unsigned integer U as wide as one element.
template <typename Fn>
Status dispatchSize(const KernelSpec &spec, DType dtype, Fn &&fn) {
  switch (dtypeSize(dtype)) {
  case 1:
    return fn(uint8_t());
  case 2:
    return fn(uint16_t());
  case 4:
    return fn(uint32_t());
  case 8:
    return fn(uint64_t());
  default:
    return spec.error(std::string("unsupported element type ") +
                      dtypeName(dtype));
  }
}

} // namespace pp::rt::PP_DEVICE_NS

#endif // PP_RUNTIME_CUDA_FLOATDISPATCH_H
