//===- ParameterTable.h - The parameters of a stage program -----*- C++ -*-===//
//
// Which `ml_program.global`s a stage program binds, in module order, and
// what the runtime must know of each: its source name in the ONNX model,
// whether the optimizer trains it (a `param_grad` result of a
// backward-weight function names it) and whether a kernel updates it in
// place (BatchNormalization's running statistics in training mode).
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_PARAMETERTABLE_H
#define PP_LIB_EXPORT_PARAMETERTABLE_H

#include "program.pb.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace pp::exporter {

class ParameterTable {
public:
  /// Collects the globals that `functions` load and appends one
  /// `Parameter` per global to `program` (all but its byte range, which
  /// the weights writer fills in). Emits an error and fails on a global of
  /// a type the format cannot hold or on inconsistent gradient ports.
  static mlir::FailureOr<ParameterTable>
  build(mlir::ModuleOp module, llvm::ArrayRef<mlir::func::FuncOp> functions,
        program::Program &program);

  /// The index in `Program.parameters` of the global `symbol`.
  std::optional<uint32_t> lookup(llvm::StringRef symbol) const;

  /// The globals, in the order of `Program.parameters`.
  llvm::ArrayRef<mlir::ml_program::GlobalOp> getGlobals() const {
    return globals;
  }

private:
  llvm::SmallVector<mlir::ml_program::GlobalOp> globals;
  llvm::StringMap<uint32_t> indices;
};

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_PARAMETERTABLE_H
