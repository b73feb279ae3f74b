//===- ProgramBuilder.h - MLIR functions as program functions ---*- C++ -*-===//
//
// Turns a `func.func` of nn ops into a `pp.program.Function`: every block
// argument and op result becomes a `Value` with an id, the arguments and
// results `Port`s with their roles and keys, every parameter load a
// `ParameterUse`, and every nn op a `Kernel` with all its attributes
// (defaults filled in) and a location for the runtime's messages.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_PROGRAMBUILDER_H
#define PP_LIB_EXPORT_PROGRAMBUILDER_H

#include "ParameterTable.h"

#include "program.pb.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace pp::exporter {

/// Fills `out` with `function`, whose parameters are the globals of
/// `table`. Emits an error at the op or function the format cannot hold: a
/// generic `nn.onnx` op, an op outside the nn dialect, a value of a type
/// without a code, an attribute of an unknown kind.
mlir::LogicalResult buildFunction(mlir::func::FuncOp function,
                                  const ParameterTable &table,
                                  program::Function &out);

/// How `loc` reads in the runtime's messages: the ONNX node's name for a
/// named location, else `file:line:col`; empty if it has neither.
std::string formatLocation(mlir::Location loc);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_PROGRAMBUILDER_H
