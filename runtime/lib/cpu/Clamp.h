//===- Clamp.h - Clip and hard_sigmoid, shared with gradients --*- C++ -*-===//
//
// The attributes of nn.clip and nn.clip_grad (the optional bounds, read as
// the element type) and of nn.hard_sigmoid and nn.hard_sigmoid_grad (alpha
// and beta): a gradient must see the very bounds its forward op clamped to.
// The CUDA backend reads them with these functions too; the formulas that
// use them are in runtime/lib/kernels/ElementwiseMath.h.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_CLAMP_H
#define PP_RUNTIME_CPU_CLAMP_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <limits>
#include <type_traits>

namespace pp::rt::cpu {

/// Reads clip's optional `min` and `max` as T: a missing bound is the
/// type's lowest (or highest) value, -inf (inf) for floats, which clamps
/// nothing.
template <typename T>
Status readClipBounds(const KernelSpec &spec, T &lo, T &hi) {
  if constexpr (std::is_floating_point_v<T>) {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    if (Status s = spec.attrs.getFloat("min", min, min))
      return s;
    if (Status s = spec.attrs.getFloat("max", max, max))
      return s;
    lo = T(min);
    hi = T(max);
  } else {
    int64_t min = 0, max = 0;
    bool hasMin = spec.attrs.has("min"), hasMax = spec.attrs.has("max");
    if (hasMin)
      if (Status s = spec.attrs.getInt("min", min))
        return s;
    if (hasMax)
      if (Status s = spec.attrs.getInt("max", max))
        return s;
    // The attribute's bits: unsigned bounds above 2^63 arrive negative.
    lo = hasMin ? T(min) : std::numeric_limits<T>::lowest();
    hi = hasMax ? T(max) : std::numeric_limits<T>::max();
  }
  return Status::ok();
}

/// Reads hard_sigmoid's `alpha` and `beta` (ONNX's defaults 0.2 and 0.5).
inline Status readHardSigmoid(const KernelSpec &spec, double &alpha,
                              double &beta) {
  if (Status s = spec.attrs.getFloat("alpha", alpha, 0.2))
    return s;
  return spec.attrs.getFloat("beta", beta, 0.5);
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_CLAMP_H
