//===- Roles.cpp - Function and port roles of an exported module ----------===//

#include "Roles.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace pp::training;

namespace pp::exporter {

FailureOr<program::FunctionRole> getFunctionRole(func::FuncOp function) {
  auto role = function->getAttrOfType<StringAttr>(kRoleAttr);
  if (!role)
    return program::FORWARD;
  auto parsed = llvm::StringSwitch<program::FunctionRole>(role.getValue())
                    .Case(kForwardRole, program::FORWARD)
                    .Case(kBackwardInputRole, program::BACKWARD_INPUT)
                    .Case(kBackwardWeightRole, program::BACKWARD_WEIGHT)
                    .Default(program::FUNCTION_ROLE_UNSPECIFIED);
  if (parsed == program::FUNCTION_ROLE_UNSPECIFIED)
    return function.emitError()
           << "pp-export: @" << function.getSymName() << " has " << kRoleAttr
           << " '" << role.getValue()
           << "'; expected forward, backward_input or backward_weight";
  return parsed;
}

/// Reads a port from the attributes of one argument or result. `what`
/// ("argument 2") names it in errors; `inferenceRole` applies in functions
/// without roles (inference), where ports have none either; `fallbackKey`
/// to ports with no name at all.
static FailureOr<PortInfo> getPort(func::FuncOp function, DictionaryAttr attrs,
                                   StringRef what,
                                   program::PortRole inferenceRole,
                                   StringRef fallbackKey) {
  PortInfo port;
  port.role = inferenceRole;
  auto role = attrs ? attrs.getAs<StringAttr>(kRoleAttr) : StringAttr();
  if (!role && function->hasAttr(kRoleAttr))
    return function.emitError()
           << "pp-export: " << what << " of @" << function.getSymName()
           << " has no " << kRoleAttr << ", but the function has one";
  if (role) {
    port.role = llvm::StringSwitch<program::PortRole>(role.getValue())
                    .Case(kInputPort, program::INPUT)
                    .Case(kOutputPort, program::OUTPUT)
                    .Case(kSavedPort, program::SAVED)
                    .Case(kOutputGradPort, program::OUTPUT_GRAD)
                    .Case(kInputGradPort, program::INPUT_GRAD)
                    .Case(kCotangentPort, program::COTANGENT)
                    .Case(kParamGradPort, program::PARAM_GRAD)
                    .Case(kBoundaryInPort, program::BOUNDARY_IN)
                    .Case(kBoundaryOutPort, program::BOUNDARY_OUT)
                    .Case(kBoundaryOutGradPort, program::BOUNDARY_OUT_GRAD)
                    .Case(kBoundaryInGradPort, program::BOUNDARY_IN_GRAD)
                    .Default(program::PORT_ROLE_UNSPECIFIED);
    if (port.role == program::PORT_ROLE_UNSPECIFIED)
      return function.emitError()
             << "pp-export: " << what << " of @" << function.getSymName()
             << " has " << kRoleAttr << " '" << role.getValue()
             << "'; expected input, output, saved, output_grad, input_grad, "
                "cotangent, param_grad, boundary_in, boundary_out, "
                "boundary_out_grad or boundary_in_grad";
  }
  if (auto key = attrs ? attrs.getAs<StringAttr>(kKeyAttr) : StringAttr())
    port.key = key.str();
  else if (auto name =
               attrs ? attrs.getAs<StringAttr>(kOnnxNameAttr) : StringAttr())
    port.key = name.str();
  else
    port.key = fallbackKey.str();
  return port;
}

FailureOr<PortInfo> getArgumentPort(func::FuncOp function, unsigned index) {
  std::string what = "argument " + std::to_string(index);
  return getPort(function, function.getArgAttrDict(index), what, program::INPUT,
                 "arg" + std::to_string(index));
}

FailureOr<PortInfo> getResultPort(func::FuncOp function, unsigned index) {
  std::string what = "result " + std::to_string(index);
  return getPort(function, function.getResultAttrDict(index), what,
                 program::OUTPUT, "result" + std::to_string(index));
}

} // namespace pp::exporter
