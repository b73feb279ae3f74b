//===- Roles.h - Function and port roles of an exported module --*- C++ -*-===//
//
// The `pp.role` and `pp.key` attributes `pp-autodiff` puts on functions,
// arguments and results (docs/Training.md, "Autodiff"; the names are those
// of pp/Dialect/PP/IR/TrainingAttrs.h), read as the program format's roles. A
// function without `pp.role` is an inference `@forward`: its arguments are
// inputs and its results outputs, keyed by `onnx.name`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_ROLES_H
#define PP_LIB_EXPORT_ROLES_H

#include "program.pb.h"

#include "pp/Dialect/PP/IR/TrainingAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace pp::exporter {

/// The role of `function` (FORWARD without `pp.role`); emits an error at
/// the function for an unknown role.
mlir::FailureOr<program::FunctionRole> getFunctionRole(mlir::func::FuncOp f);

/// A port's role and key, before it is bound to a value id.
struct PortInfo {
  program::PortRole role = program::PORT_ROLE_UNSPECIFIED;
  std::string key;
};

/// The port of argument `index` of `function`; emits an error at the
/// function for an unknown role.
mlir::FailureOr<PortInfo> getArgumentPort(mlir::func::FuncOp function,
                                          unsigned index);

/// The port of result `index` of `function`; emits an error at the function
/// for an unknown role.
mlir::FailureOr<PortInfo> getResultPort(mlir::func::FuncOp function,
                                        unsigned index);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_ROLES_H
