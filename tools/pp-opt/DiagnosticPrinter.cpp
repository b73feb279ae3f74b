//===- DiagnosticPrinter.cpp - Diagnostics that name ONNX nodes -----------===//

#include "DiagnosticPrinter.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

using namespace mlir;

namespace pp {

static void printLocation(llvm::raw_ostream &os, Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    printLocation(os, name.getChildLoc());
    StringRef node = name.getName().getValue();
    if (node.starts_with("#"))
      os << ": node " << node;
    else
      os << ": node '" << node << "'";
    return;
  }
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    if (file.getLine() != 0)
      os << ":" << (uint64_t)file.getLine() << ":"
         << (uint64_t)file.getColumn();
    return;
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return printLocation(os, call.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc);
      fused && !fused.getLocations().empty())
    return printLocation(os, fused.getLocations().front());
  if (isa<UnknownLoc>(loc)) {
    os << "<unknown>";
    return;
  }
  loc.print(os);
}

static StringRef severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

void printDiagnostic(llvm::raw_ostream &os, Diagnostic &diag) {
  printLocation(os, diag.getLocation());
  os << ": " << severityName(diag.getSeverity()) << ": " << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    printDiagnostic(os, note);
}

} // namespace pp
