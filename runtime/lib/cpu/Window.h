//===- Window.h - Sliding-window geometry of convs and pools ----*- C++ -*-===//
//
// The spatial geometry shared by the convolution and pooling kernels and
// their gradients: input, output and kernel sizes, strides, pads (begins,
// then ends, as ONNX) and dilations, read and checked once per op.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_CPU_WINDOW_H
#define PP_RUNTIME_CPU_WINDOW_H

#include "pp/Runtime/Kernel.h"

#include <string>

namespace pp::rt::cpu {

struct Window {
  Shape in, out, kernel; // spatial sizes
  std::vector<int64_t> strides, padBegin, padEnd, dilations;

  size_t rank() const { return in.size(); }
  int64_t inSize() const { return numElements(in); }
  int64_t outSize() const { return numElements(out); }
  int64_t kernelSize() const { return numElements(kernel); }
};

/// Output size of a sliding window along one axis, as ONNX defines it; with
/// ceil mode the last window must start inside the input or its begin pad.
/// The compiler's shape inference (lib/Dialect/NN/IR/NNShapeInference.cpp)
/// has the same formula: the runtime links no compiler library (no MLIR, no
/// LLVM), so it keeps its own copy, and the two must stay in step.
inline int64_t windowOutput(int64_t in, int64_t kernel, int64_t stride,
                            int64_t padBegin, int64_t padEnd, int64_t dilation,
                            bool ceilMode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t numer = in + padBegin + padEnd - span;
  if (numer < 0)
    return 0;
  int64_t out = (ceilMode ? (numer + stride - 1) / stride : numer / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

/// Reads `strides`, `pads` and `dilations` for a window of spatial size
/// `kernel` sliding over the spatial axes `in`, checks them and computes the
/// output sizes.
inline Status readWindow(const KernelSpec &spec, const Shape &in,
                         const Shape &kernel, bool ceilMode, Window &w) {
  size_t rank = in.size();
  std::vector<int64_t> pads;
  if (Status s = spec.attrs.getInts("strides", w.strides))
    return s;
  if (Status s = spec.attrs.getInts("pads", pads))
    return s;
  if (Status s = spec.attrs.getInts("dilations", w.dilations))
    return s;
  if (w.strides.size() != rank || w.dilations.size() != rank ||
      pads.size() != 2 * rank || kernel.size() != rank)
    return spec.error("expects " + std::to_string(rank) +
                      " kernel sizes, strides and dilations and " +
                      std::to_string(2 * rank) + " pads, got " +
                      std::to_string(kernel.size()) + ", " +
                      std::to_string(w.strides.size()) + ", " +
                      std::to_string(w.dilations.size()) + " and " +
                      std::to_string(pads.size()));
  w.in = in;
  w.kernel = kernel;
  w.padBegin.assign(pads.begin(), pads.begin() + rank);
  w.padEnd.assign(pads.begin() + rank, pads.end());
  w.out.resize(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (kernel[d] < 1 || w.strides[d] < 1 || w.dilations[d] < 1)
      return spec.error("kernel sizes, strides and dilations must be >= 1");
    if (w.padBegin[d] < 0 || w.padEnd[d] < 0)
      return spec.error("pads must be non-negative");
    w.out[d] = windowOutput(in[d], kernel[d], w.strides[d], w.padBegin[d],
                            w.padEnd[d], w.dilations[d], ceilMode);
  }
  return Status::ok();
}

} // namespace pp::rt::cpu

#endif // PP_RUNTIME_CPU_WINDOW_H
