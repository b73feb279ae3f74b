//===- Activity.cpp - Which values of a function autodiff touches ---------===//

#include "Activity.h"

#include "GradientRules.h"

#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace pp {

bool isTrainable(ml_program::GlobalOp global) {
  return global.getIsMutable() && nn::isDifferentiableType(global.getType());
}

bool Activity::hasActiveResult(Operation *op) const {
  return llvm::any_of(op->getResults(),
                      [&](Value result) { return isActive(result); });
}

std::string describeOp(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto onnx = dyn_cast<nn::OnnxOp>(op))
    os << "ONNX operator '" << onnx.getOpType() << "' (nn.onnx)";
  else
    os << "'" << op->getName() << "'";
  // The importer names unnamed nodes by their index, '#3'.
  if (auto name = dyn_cast<NameLoc>(op->getLoc())) {
    StringRef node = name.getName().getValue();
    if (node.starts_with("#"))
      os << " of node " << node;
    else
      os << " of node '" << node << "'";
  }
  return text;
}

FailureOr<Activity> Activity::analyze(func::FuncOp func,
                                      SymbolTableCollection &symbols) {
  const GradientRules &rules = GradientRules::get();
  Block &body = func.getBody().front();
  Activity activity;

  // Forward: varied and parameter-derived values. Only float values are
  // varied; an op without a rule is assumed to pass gradients through every
  // float operand, so that it is found if it lies on a path.
  // Boundary tensors marked pp.no_grad (pp-outline-stages) carry no
  // gradient in either direction.
  llvm::DenseSet<Value> varied;
  for (BlockArgument argument : body.getArguments())
    if (nn::isDifferentiableType(argument.getType()) &&
        !func.getArgAttr(argument.getArgNumber(), training::kNoGradAttr))
      varied.insert(argument);
  for (Operation &op : body.without_terminator()) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      activity.parameterDerived.insert(load.getResult());
      auto global = symbols.lookupNearestSymbolFrom<ml_program::GlobalOp>(
          load, load.getGlobalAttr());
      if (global && isTrainable(global))
        varied.insert(load.getResult());
      continue;
    }
    bool derived = isPure(&op) && op.getNumRegions() == 0 &&
                   llvm::all_of(op.getOperands(), [&](Value operand) {
                     return activity.parameterDerived.contains(operand);
                   });
    bool anyVaried = false;
    for (OpOperand &operand : op.getOpOperands())
      anyVaried |= varied.contains(operand.get()) &&
                   rules.carriesGradient(&op, operand.getOperandNumber());
    for (Value result : op.getResults()) {
      if (derived)
        activity.parameterDerived.insert(result);
      if (anyVaried && nn::isDifferentiableType(result.getType()))
        varied.insert(result);
    }
  }

  // Backward: a varied value is active when an output or an active result
  // of an op that passes gradients through it depends on it.
  for (OpOperand &output : body.getTerminator()->getOpOperands())
    if (varied.contains(output.get()) &&
        !func.getResultAttr(output.getOperandNumber(), training::kNoGradAttr))
      activity.active.insert(output.get());
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    // Loads are where gradients end: W collects them per global.
    if (!activity.hasActiveResult(&op) || isa<ml_program::GlobalLoadOp>(op))
      continue;
    if (!rules.lookup(&op))
      return op.emitError()
             << "pp-autodiff: " << describeOp(&op)
             << " has no gradient rule, but lies on a differentiable path "
                "from the inputs or parameters of @"
             << func.getSymName() << " to its outputs";
    for (OpOperand &operand : op.getOpOperands())
      if (varied.contains(operand.get()) &&
          rules.carriesGradient(&op, operand.getOperandNumber()))
        activity.active.insert(operand.get());
  }
  return activity;
}

} // namespace pp
