//===- ConvPlan.cpp - Preparation of the convolutions ---------------------===//
//
// The checks and geometry of ConvPlan.h, shared by the CPU and CUDA
// backends' convolution factories.
//
//===----------------------------------------------------------------------===//

#include "ConvPlan.h"

#include "../cpu/KernelChecks.h"
#include "MatMulPlan.h"

#include <string>

namespace pp::rt::kernels {
namespace {

/// Reads the attributes and checks the shapes of a convolution whose input,
/// weight and output shapes are given (whichever of them is an operand or
/// the result of the op at hand).
Status readConv(const KernelSpec &spec, const Shape &input, const Shape &weight,
                const Shape &output, ConvLimits limits, ConvPlan &g) {
  if (input.size() < 3 || weight.size() != input.size())
    return spec.error("input " + formatShape(input) + " and weight " +
                      formatShape(weight) + " must both be N x C x spatial...");
  if (Status s = spec.attrs.getInt("group", g.group))
    return s;
  g.batch = input[0];
  g.inChannels = input[1];
  g.outChannels = weight[0];
  if (g.group < 1 || weight[1] * g.group != g.inChannels ||
      g.outChannels % g.group != 0)
    return spec.error("input channels " + std::to_string(g.inChannels) +
                      " do not match weight " + formatShape(weight) +
                      " with group " + std::to_string(g.group));
  Shape inSpatial(input.begin() + 2, input.end());
  Shape kernel(weight.begin() + 2, weight.end());
  if (Status s = cpu::readWindow(spec, inSpatial, kernel, /*ceilMode=*/false,
                                 g.window))
    return s;
  Shape expected{g.batch, g.outChannels};
  expected.insert(expected.end(), g.window.out.begin(), g.window.out.end());
  if (Status s =
          cpu::checkShape(spec, "the convolution's output", output, expected))
    return s;
  const cpu::Window &w = g.window;
  g.pointwise = true;
  for (size_t d = 0; d < w.rank(); ++d)
    g.pointwise &= w.kernel[d] == 1 && w.strides[d] == 1 &&
                   w.padBegin[d] == 0 && w.padEnd[d] == 0;
  if (limits)
    if (Status s = limits(spec, g))
      return s;
  return checkBlasSizes(spec, {g.mg(), g.cgk(), w.outSize()});
}

} // namespace

Status planConv(const KernelSpec &spec, ConvOp op, ConvPlan &plan,
                ConvLimits limits) {
  switch (op) {
  case ConvOp::Forward: {
    if (Status s = cpu::checkArityAndDType(spec, 2, 3, 1))
      return s;
    if (Status s = readConv(spec, spec.inputs[0].shape, spec.inputs[1].shape,
                            spec.outputs[0].shape, limits, plan))
      return s;
    plan.hasBias = spec.inputs.size() == 3;
    if (plan.hasBias)
      if (Status s = cpu::checkShape(spec, "bias", spec.inputs[2].shape,
                                     {plan.outChannels}))
        return s;
    return Status::ok();
  }
  case ConvOp::GradInput:
    if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
      return s;
    return readConv(spec, spec.outputs[0].shape, spec.inputs[1].shape,
                    spec.inputs[0].shape, limits, plan);
  case ConvOp::GradWeight:
    if (Status s = cpu::checkArityAndDType(spec, 2, 2, 1))
      return s;
    return readConv(spec, spec.inputs[1].shape, spec.outputs[0].shape,
                    spec.inputs[0].shape, limits, plan);
  }
  return spec.error("unknown convolution op");
}

} // namespace pp::rt::kernels
