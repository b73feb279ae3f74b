//===- DiagnosticPrinter.h - Diagnostics that name ONNX nodes ---*- C++ -*-===//

#ifndef PP_TOOLS_PP_OPT_DIAGNOSTICPRINTER_H
#define PP_TOOLS_PP_OPT_DIAGNOSTICPRINTER_H

#include "mlir/IR/Diagnostics.h"

namespace pp {

/// Prints `diag` and its notes as `FILE: node 'NAME': error: MESSAGE`.
/// Imported ops carry `NameLoc(node, FILE:0:0)`: the node is what a user can
/// find in their model, a line number of a binary file is not.
void printDiagnostic(llvm::raw_ostream &os, mlir::Diagnostic &diag);

} // namespace pp

#endif // PP_TOOLS_PP_OPT_DIAGNOSTICPRINTER_H
