//===- ElementwiseFusion.cpp - Which ops the executor fuses ---------------===//
//
// The op set of fused chains and the instruction of each op
// (ElementwiseFusion.h). Attributes are read with the CPU's readers, which
// the CUDA kernels use too (cpu/Clamp.h, cpu/Dropout.h), and kept as
// doubles: the fused kernel converts them to the element type as the ops'
// own kernels do.
//
//===----------------------------------------------------------------------===//

#include "ElementwiseFusion.h"

#include "cpu/Clamp.h"
#include "cpu/Dropout.h"

#include <map>
#include <string>

using namespace pp::rt;
using kernels::FusedOp;

namespace {

/// The ops that need no attribute.
const std::map<std::string, FusedOp> &plainOps() {
  static const std::map<std::string, FusedOp> ops = {
      {"nn.add", FusedOp::Add},
      {"nn.sub", FusedOp::Sub},
      {"nn.mul", FusedOp::Mul},
      {"nn.div", FusedOp::Div},
      {"nn.max", FusedOp::Max},
      {"nn.min", FusedOp::Min},
      {"nn.neg", FusedOp::Neg},
      {"nn.exp", FusedOp::Exp},
      {"nn.log", FusedOp::Log},
      {"nn.tanh", FusedOp::Tanh},
      {"nn.sigmoid", FusedOp::Sigmoid},
      {"nn.relu", FusedOp::Relu},
      {"nn.sqrt", FusedOp::Sqrt},
      {"nn.reciprocal", FusedOp::Reciprocal},
      {"nn.abs", FusedOp::Abs},
      {"nn.erf", FusedOp::Erf},
      {"nn.sin", FusedOp::Sin},
      {"nn.cos", FusedOp::Cos},
      {"nn.floor", FusedOp::Floor},
      {"nn.ceil", FusedOp::Ceil},
      {"nn.sign", FusedOp::Sign},
      {"nn.softplus", FusedOp::Softplus},
      {"nn.hard_swish", FusedOp::HardSwish},
      {"nn.relu_grad", FusedOp::ReluGrad},
      {"nn.tanh_grad", FusedOp::TanhGrad},
      {"nn.sigmoid_grad", FusedOp::SigmoidGrad},
      {"nn.hard_swish_grad", FusedOp::HardSwishGrad},
      {"nn.max_grad", FusedOp::MaxGrad},
      {"nn.min_grad", FusedOp::MinGrad},
      {"nn.where", FusedOp::Where},
  };
  return ops;
}

/// The op code of `spec`, with its parameters; false when it has none.
bool opOf(const KernelSpec &spec, FusedInstruction &out) {
  auto it = plainOps().find(spec.op);
  if (it != plainOps().end()) {
    out.op = it->second;
    return true;
  }
  if (spec.op == "nn.gelu" || spec.op == "nn.gelu_grad") {
    std::string approximate;
    if (spec.attrs.getString("approximate", approximate, "none"))
      return false;
    bool grad = spec.op == "nn.gelu_grad";
    if (approximate == "none")
      out.op = grad ? FusedOp::GeluErfGrad : FusedOp::GeluErf;
    else if (approximate == "tanh")
      out.op = grad ? FusedOp::GeluTanhGrad : FusedOp::GeluTanh;
    else
      return false;
    return true;
  }
  if (spec.op == "nn.clip" || spec.op == "nn.clip_grad") {
    out.op = spec.op == "nn.clip" ? FusedOp::Clip : FusedOp::ClipGrad;
    return !cpu::readClipBounds(spec, out.params[0], out.params[1]);
  }
  if (spec.op == "nn.hard_sigmoid" || spec.op == "nn.hard_sigmoid_grad") {
    out.op = spec.op == "nn.hard_sigmoid" ? FusedOp::HardSigmoid
                                          : FusedOp::HardSigmoidGrad;
    return !cpu::readHardSigmoid(spec, out.params[0], out.params[1]);
  }
  if (spec.op == "nn.dropout_grad") {
    out.op = FusedOp::DropoutGrad;
    double ratio = 0;
    return !cpu::readDropoutRatio(spec, ratio, out.params[0]);
  }
  return false;
}

} // namespace

bool pp::rt::fusedInstructionOf(const KernelSpec &spec, FusedInstruction &out) {
  if (spec.outputs.size() != 1)
    return false;
  const DType dtype = spec.outputs[0].dtype;
  if (dtype != DType::F32 && dtype != DType::F64)
    return false;
  FusedInstruction instruction;
  if (!opOf(spec, instruction))
    return false;
  if (int(spec.inputs.size()) != kernels::fusedArity(instruction.op))
    return false;
  for (size_t k = 0; k < spec.inputs.size(); ++k)
    if (spec.inputs[k].dtype !=
        (kernels::fusedOperandIsBool(instruction.op, int(k)) ? DType::Bool
                                                             : dtype))
      return false;
  out = instruction;
  return true;
}
