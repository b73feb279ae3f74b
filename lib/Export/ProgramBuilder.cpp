//===- ProgramBuilder.cpp - MLIR functions as program functions -----------===//

#include "ProgramBuilder.h"

#include "KernelAttributes.h"
#include "Roles.h"
#include "TensorEncoding.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace pp::exporter {

std::string formatLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return (file.getFilename().getValue() + ":" + llvm::Twine(file.getLine()) +
            ":" + llvm::Twine(file.getColumn()))
        .str();
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return formatLocation(call.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (std::string text = formatLocation(part); !text.empty())
        return text;
  return "";
}

namespace {

/// Builds one function: numbers its values and fills the message.
class FunctionBuilder {
public:
  FunctionBuilder(func::FuncOp function, const ParameterTable &table,
                  program::Function &out)
      : function(function), table(table), out(out) {}

  LogicalResult build();

private:
  /// Gives `value` the next id; `owner` is the op (or function) to blame
  /// for a type the format cannot hold, `what` names the value there.
  FailureOr<uint32_t> addValue(Value value, StringRef name, Operation *owner,
                               const llvm::Twine &what);
  LogicalResult addParameterUse(Operation *load, StringAttr symbol);
  LogicalResult addKernel(Operation *op);
  LogicalResult addResults(func::ReturnOp terminator);

  func::FuncOp function;
  const ParameterTable &table;
  program::Function &out;
  llvm::DenseMap<Value, uint32_t> ids;
};

} // namespace

FailureOr<uint32_t> FunctionBuilder::addValue(Value value, StringRef name,
                                              Operation *owner,
                                              const llvm::Twine &what) {
  uint32_t id = ids.size();
  program::Value &message = *out.add_values();
  message.set_id(id);
  message.set_name(name.str());
  if (std::optional<std::string> problem =
          encodeTensorType(value.getType(), *message.mutable_type()))
    return owner->emitError() << "pp-export: " << what << " " << *problem;
  ids[value] = id;
  return id;
}

/// The names the IR prints for `op`'s results (`%fc1.weight`), else the
/// name of its location (the ONNX node), numbered if it has several.
static SmallVector<std::string> getResultNames(Operation *op) {
  SmallVector<std::string> names(op->getNumResults());
  if (auto asmOp = dyn_cast<OpAsmOpInterface>(op))
    asmOp.getAsmResultNames([&](Value value, StringRef name) {
      names[cast<OpResult>(value).getResultNumber()] = name.str();
    });
  std::string location = formatLocation(op->getLoc());
  if (!isa<NameLoc>(op->getLoc()))
    location.clear();
  for (auto [index, name] : llvm::enumerate(names))
    if (name.empty() && !location.empty())
      name = op->getNumResults() == 1 ? location
                                      : location + ":" + std::to_string(index);
  return names;
}

LogicalResult FunctionBuilder::addParameterUse(Operation *load,
                                               StringAttr symbol) {
  std::optional<uint32_t> parameter = table.lookup(symbol.getValue());
  // The table holds every global the exported functions load.
  assert(parameter && "a load of a global the parameter table lacks");
  FailureOr<uint32_t> id =
      addValue(load->getResult(0), symbol.getValue(), load, "the load");
  if (failed(id))
    return failure();
  program::ParameterUse &use = *out.add_parameters();
  use.set_value(*id);
  use.set_parameter(*parameter);
  return success();
}

LogicalResult FunctionBuilder::addKernel(Operation *op) {
  if (auto generic = dyn_cast<nn::OnnxOp>(op))
    return op->emitError()
           << "pp-export: the runtime cannot run ONNX op '"
           << generic.getOpType()
           << "' (a generic nn.onnx op: pp has no nn op for it)";
  if (!isa<nn::NNDialect>(op->getDialect()))
    return op->emitError() << "pp-export: cannot export '" << op->getName()
                           << "': the runtime runs nn ops only";
  if (op->getNumRegions() != 0)
    return op->emitError() << "pp-export: cannot export '" << op->getName()
                           << "': it has regions";
  program::Kernel &kernel = *out.add_kernels();
  kernel.set_op(op->getName().getStringRef().str());
  for (Value operand : op->getOperands())
    kernel.add_inputs(ids.lookup(operand));
  SmallVector<std::string> names = getResultNames(op);
  for (OpResult result : op->getResults()) {
    FailureOr<uint32_t> id =
        addValue(result, names[result.getResultNumber()], op,
                 "result " + llvm::Twine(result.getResultNumber()));
    if (failed(id))
      return failure();
    kernel.add_outputs(*id);
  }
  kernel.set_location(formatLocation(op->getLoc()));
  if (auto id = op->getAttrOfType<IntegerAttr>(
          ::pp::pp::PPDialect::kRandomIdAttrName))
    kernel.set_random_id(id.getInt());
  return encodeKernelAttributes(op, kernel);
}

LogicalResult FunctionBuilder::addResults(func::ReturnOp terminator) {
  for (auto [index, value] : llvm::enumerate(terminator.getOperands())) {
    FailureOr<PortInfo> info = getResultPort(function, index);
    if (failed(info))
      return failure();
    program::Port &port = *out.add_results();
    port.set_value(ids.lookup(value));
    port.set_role(info->role);
    port.set_key(info->key);
  }
  return success();
}

LogicalResult FunctionBuilder::build() {
  FailureOr<program::FunctionRole> role = getFunctionRole(function);
  if (failed(role))
    return failure();
  out.set_name(function.getSymName().str());
  out.set_role(*role);
  // pp-outline-stages places each function; a module it did not outline is
  // one chunk.
  auto index = [&](StringRef name) -> uint32_t {
    auto attr = function->getAttrOfType<IntegerAttr>(name);
    return attr ? attr.getInt() : 0;
  };
  out.set_chunk(index(::pp::pp::PPDialect::kChunkAttrName));
  out.set_virtual_stage(index(::pp::pp::PPDialect::kVirtualStageAttrName));
  if (function.isExternal() || !function.getBody().hasOneBlock())
    return function.emitError()
           << "pp-export: @" << function.getSymName()
           << " must have a body of one block (straight-line code)";

  Block &body = function.getBody().front();
  for (BlockArgument argument : body.getArguments()) {
    FailureOr<PortInfo> info =
        getArgumentPort(function, argument.getArgNumber());
    if (failed(info))
      return failure();
    FailureOr<uint32_t> id =
        addValue(argument, info->key, function,
                 "argument " + llvm::Twine(argument.getArgNumber()) + " of @" +
                     function.getSymName());
    if (failed(id))
      return failure();
    program::Port &port = *out.add_arguments();
    port.set_value(*id);
    port.set_role(info->role);
    port.set_key(info->key);
  }

  for (Operation &op : body) {
    LogicalResult result = success();
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
      result = addParameterUse(load, load.getGlobalAttr().getRootReference());
    else if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
      result = addParameterUse(load, load.getGlobalAttr().getRootReference());
    else if (auto terminator = dyn_cast<func::ReturnOp>(op))
      result = addResults(terminator);
    else
      result = addKernel(&op);
    if (failed(result))
      return failure();
  }
  return success();
}

LogicalResult buildFunction(func::FuncOp function, const ParameterTable &table,
                            program::Function &out) {
  return FunctionBuilder(function, table, out).build();
}

} // namespace pp::exporter
