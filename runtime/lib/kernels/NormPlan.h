//===- NormPlan.h - Preparation of layer and batch norm ---------*- C++ -*-===//
//
// What the CPU (runtime/lib/cpu/NormKernels.cpp) and CUDA
// (runtime/lib/cuda/NormKernels.cu) factories of `nn.layer_norm`,
// `nn.layer_norm_grad`, `nn.layer_norm_grad_params`, `nn.batch_norm`,
// `nn.batch_norm_grad` and `nn.batch_norm_grad_params` compute alike
// before they build their closures: the operand counts and types, the
// `axis`, `epsilon`, `training` and `momentum` attributes, the shapes, and
// how a layer norm parameter broadcasts over the normalised axes. Written
// once so that both backends accept and refuse the same ops with the same
// messages; each then lays out its own walk of rows or channels.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_KERNELS_NORMPLAN_H
#define PP_RUNTIME_KERNELS_NORMPLAN_H

#include "pp/Runtime/Kernel.h"

#include <cstdint>
#include <string>

namespace pp::rt::kernels {

//===----------------------------------------------------------------------===//
// Layer normalisation
//===----------------------------------------------------------------------===//

/// Which layer norm op a plan is for.
enum class LayerNormOp { Forward, Grad, GradParams };

/// A parameter of the normalised axes (scale, bias, or their gradients),
/// which broadcasts to the normalised shape by numpy rules.
struct LayerNormParam {
  Shape shape;   // as the op has it
  Shape trimmed; // without the leading 1s beyond the normalised rank
  int64_t size = 0;
  /// One element per normalised position, in order: no index needed.
  bool direct = true;
};

/// `rows` outer positions of `size` normalised elements each (the axes
/// from `axis` on, of shape `normalized`). The parameters are the scale
/// and bias operands (Forward; bias when `hasBias`), the scale operand
/// (Grad), or the scale and bias gradients (GradParams).
struct LayerNormPlan {
  int64_t rows = 0, size = 0;
  double epsilon = 0;
  Shape normalized;
  bool hasBias = false;
  LayerNormParam scale, bias;
};

/// A backend's own limit on a parameter that broadcasts to the normalised
/// shape, checked right after that parameter; `what` names it.
using LayerNormParamLimits = Status (*)(const KernelSpec &spec,
                                        const std::string &what,
                                        const LayerNormParam &param,
                                        const Shape &normalized);

/// Checks the operands, results and attributes of layer norm op `op` and
/// plans it.
Status planLayerNorm(const KernelSpec &spec, LayerNormOp op,
                     LayerNormPlan &plan,
                     LayerNormParamLimits limits = nullptr);

//===----------------------------------------------------------------------===//
// Batch normalisation
//===----------------------------------------------------------------------===//

/// Which batch norm op a plan is for.
enum class BatchNormOp { Forward, Grad, GradParams };

/// x is batch x channels x spatial...; `momentum` is read by the forward
/// op only.
struct BatchNormPlan {
  int64_t batch = 0, channels = 0, spatial = 0;
  double epsilon = 0, momentum = 0;
  bool training = false;

  /// The values of one channel.
  int64_t count() const { return batch * spatial; }
};

/// Checks the operands, results and attributes of batch norm op `op` and
/// plans it.
Status planBatchNorm(const KernelSpec &spec, BatchNormOp op,
                     BatchNormPlan &plan);

} // namespace pp::rt::kernels

#endif // PP_RUNTIME_KERNELS_NORMPLAN_H
