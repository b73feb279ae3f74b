//===- ParameterTable.cpp - The parameters of a stage program -------------===//

#include "ParameterTable.h"

#include "Roles.h"
#include "TensorEncoding.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace pp::exporter {

/// The symbol a `global_load` or `global_load_const` reads, else null.
static StringAttr getLoadedSymbol(Operation *op) {
  if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
    return load.getGlobalAttr().getRootReference();
  if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
    return load.getGlobalAttr().getRootReference();
  return {};
}

/// The ONNX initializer a global came from: its `#nn.external` key, else
/// its own symbol.
static std::string getSourceName(ml_program::GlobalOp global) {
  if (auto external =
          dyn_cast_or_null<nn::ExternalDataAttr>(global.getValueAttr()))
    return external.getKey().str();
  return global.getSymName().str();
}

/// The parameters named by `param_grad` results of backward-weight
/// functions; emits an error for a name that is no parameter of `table`.
static FailureOr<llvm::StringSet<>>
collectTrained(ArrayRef<func::FuncOp> functions, const ParameterTable &table) {
  llvm::StringSet<> trained;
  for (func::FuncOp function : functions) {
    FailureOr<program::FunctionRole> role = getFunctionRole(function);
    if (failed(role))
      return failure();
    if (*role != program::BACKWARD_WEIGHT)
      continue;
    for (unsigned i = 0, e = function.getNumResults(); i < e; ++i) {
      FailureOr<PortInfo> port = getResultPort(function, i);
      if (failed(port))
        return failure();
      if (port->role != program::PARAM_GRAD)
        continue;
      if (!table.lookup(port->key))
        return function.emitError()
               << "pp-export: result " << i << " of @" << function.getSymName()
               << " is the gradient of '" << port->key
               << "', which is no parameter the exported functions read";
      trained.insert(port->key);
    }
  }
  return trained;
}

/// BatchNormalization's running statistics in training mode: the runtime
/// updates them in place.
static llvm::StringSet<> collectState(ArrayRef<func::FuncOp> functions) {
  llvm::StringSet<> state;
  for (func::FuncOp function : functions)
    function.walk([&](nn::BatchNormOp norm) {
      if (!norm.getTraining())
        return;
      for (Value statistic : {norm.getMean(), norm.getVar()})
        if (Operation *def = statistic.getDefiningOp())
          if (StringAttr symbol = getLoadedSymbol(def))
            state.insert(symbol.getValue());
    });
  return state;
}

FailureOr<ParameterTable>
ParameterTable::build(ModuleOp module, ArrayRef<func::FuncOp> functions,
                      program::Program &program) {
  llvm::DenseSet<StringAttr> used;
  for (func::FuncOp function : functions)
    function.walk([&](Operation *op) {
      if (StringAttr symbol = getLoadedSymbol(op))
        used.insert(symbol);
    });

  ParameterTable table;
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    if (!used.contains(global.getSymNameAttr()))
      continue;
    table.indices[global.getSymName()] = table.globals.size();
    table.globals.push_back(global);
  }

  FailureOr<llvm::StringSet<>> trained = collectTrained(functions, table);
  if (failed(trained))
    return failure();
  llvm::StringSet<> state = collectState(functions);

  for (ml_program::GlobalOp global : table.globals) {
    StringRef name = global.getSymName();
    program::Parameter &parameter = *program.add_parameters();
    parameter.set_name(name.str());
    parameter.set_source_name(getSourceName(global));
    if (std::optional<std::string> problem =
            encodeTensorType(global.getType(), *parameter.mutable_type()))
      return global.emitError()
             << "pp-export: parameter @" << name << " " << *problem;
    parameter.set_trainable(trained->contains(name));
    parameter.set_state(state.contains(name));
    if (auto frozen = global->getAttrOfType<StringAttr>(training::kFrozenAttr))
      parameter.set_frozen(frozen.getValue().str());
    if (parameter.trainable() && parameter.state())
      return global.emitError()
             << "pp-export: parameter @" << name
             << " is both trained (a param_grad result names it) and "
                "BatchNormalization state updated in place";
  }
  return table;
}

std::optional<uint32_t> ParameterTable::lookup(StringRef symbol) const {
  auto it = indices.find(symbol);
  if (it == indices.end())
    return std::nullopt;
  return it->second;
}

} // namespace pp::exporter
