//===- Profiler.cpp - Measured timing of kernels, functions, steps --------===//
//
// Kernel descriptions and the operation counts of products and
// convolutions, computed from a kernel's static types (and, for nn.gemm,
// its transposition attribute).
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Profiler.h"

using namespace pp::rt;

/// The product of `shape[from:]`.
static double elementsFrom(const Shape &shape, size_t from) {
  double n = 1;
  for (size_t i = from; i < shape.size(); ++i)
    n *= double(shape[i]);
  return n;
}

double pp::rt::productFlops(const KernelSpec &spec) {
  if (spec.inputs.size() < 2 || spec.outputs.empty())
    return 0;
  const Shape &a = spec.inputs[0].shape, &b = spec.inputs[1].shape;
  double outputs = double(spec.outputs[0].numel());
  if (spec.op == "nn.matmul") {
    // Every output element (batch x M x N, or fewer for 1-d operands) is a
    // dot product over A's last axis.
    if (a.empty())
      return 0;
    return 2 * outputs * double(a.back());
  }
  if (spec.op == "nn.gemm") {
    int64_t transA = 0;
    if (a.size() != 2 || spec.attrs.getInt("transA", transA, 0))
      return 0;
    return 2 * outputs * double(transA ? a[0] : a[1]);
  }
  // A convolution's multiply-adds are those of the forward convolution:
  // its output size times C_in/group times the kernel size, which is the
  // weight's size without its first (output channel) axis.
  if (spec.op == "nn.conv" || spec.op == "nn.conv_grad_input") {
    // nn.conv(x, weight) -> y; nn.conv_grad_input(dy, weight) -> dx.
    double perOutput = elementsFrom(b, 1);
    double forwardOutputs =
        spec.op == "nn.conv" ? outputs : double(spec.inputs[0].numel());
    return 2 * forwardOutputs * perOutput;
  }
  if (spec.op == "nn.conv_grad_weight") // (dy, x) -> dweight
    return 2 * double(spec.inputs[0].numel()) *
           elementsFrom(spec.outputs[0].shape, 1);
  return 0;
}

uint32_t Profiler::addKernel(const KernelSpec &spec) {
  return addKernel(ProfiledKernel{spec.op, spec.location, productFlops(spec)});
}
