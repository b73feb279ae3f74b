//===- ConvPlan.h - Preparation of the convolutions -------------*- C++ -*-===//
//
// What the CPU (runtime/lib/cpu/ConvKernels.cpp) and CUDA
// (runtime/lib/cuda/ConvKernels.cu) factories of `nn.conv`,
// `nn.conv_grad_input` and `nn.conv_grad_weight` compute alike before they
// build their closures: the operand counts and types, the `group`,
// `strides`, `pads` and `dilations` attributes, the shapes of input,
// weight, output and bias, and the geometry of the per-group products.
// Written once so that both backends accept and refuse the same ops with
// the same messages.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_CONVPLAN_H
#define PP_RUNTIME_KERNELS_CONVPLAN_H

#include "../cpu/Window.h"
#include "pp/Runtime/Kernel.h"

#include <cstdint>

namespace pp::rt::kernels {

/// Which convolution op a plan is for: which of input, weight and output
/// are operands and which is the result.
enum class ConvOp { Forward, GradInput, GradWeight };

/// The geometry of a convolution: N images of C channels, M output
/// channels in `group` groups, each group one product
///   y_g (Mg x P) = W_g (Mg x CgK) * col_g (CgK x P)
/// over the im2col columns of the image (P output positions, K kernel
/// positions).
struct ConvPlan {
  cpu::Window window;
  int64_t batch = 0, inChannels = 0, outChannels = 0, group = 1;
  /// A 1x..x1 kernel with unit strides and no pads: the image is its own
  /// column matrix.
  bool pointwise = false;
  /// nn.conv with a bias operand.
  bool hasBias = false;

  int64_t cg() const { return inChannels / group; }
  int64_t mg() const { return outChannels / group; }
  int64_t cgk() const { return cg() * window.kernelSize(); }
  int64_t inImage() const { return inChannels * window.inSize(); }
  int64_t outImage() const { return outChannels * window.outSize(); }
  int64_t colSize() const {
    return inChannels * window.kernelSize() * window.outSize();
  }
};

/// A backend's own limits on a convolution it otherwise accepts, checked
/// once the shapes are (before the BLAS sizes and the bias).
using ConvLimits = Status (*)(const KernelSpec &spec, const ConvPlan &plan);

/// Checks the operands, result and attributes of convolution op `op` and
/// plans it: `limits` (if any), then the BLAS sizes of the per-group
/// products, then the bias.
Status planConv(const KernelSpec &spec, ConvOp op, ConvPlan &plan,
                ConvLimits limits = nullptr);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_CONVPLAN_H
