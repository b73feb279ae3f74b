//===- Dropout.h - What dropout and its gradient share ----------*- C++ -*-===//
//
// The `ratio` attribute of nn.dropout and nn.dropout_grad and the scale the
// kept elements are multiplied by, 1 / (1 - ratio) (0 when every element is
// dropped): the gradient must scale exactly as the forward op did.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_DROPOUT_H
#define PP_RUNTIME_CPU_DROPOUT_H

#include "pp/Runtime/Kernel.h"

#include <string>

namespace pp::rt::cpu {

/// Reads `ratio`, which must lie in [0, 1], and the scale of kept elements.
inline Status readDropoutRatio(const KernelSpec &spec, double &ratio,
                               double &scale) {
  if (Status s = spec.attrs.getFloat("ratio", ratio))
    return s;
  if (!(ratio >= 0.0 && ratio <= 1.0))
    return spec.error("ratio " + std::to_string(ratio) + " is not in [0, 1]");
  scale = ratio < 1.0 ? 1.0 / (1.0 - ratio) : 0.0;
  return Status::ok();
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_DROPOUT_H
