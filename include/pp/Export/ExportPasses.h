//===- ExportPasses.h - pp's export pass ------------------------*- C++ -*-===//
//
// `pp-export` writes a module as the stage programs, weights and manifest
// that pp-run executes (docs/Training.md, "Export").
//
//===----------------------------------------------------------------------===//

#ifndef PP_EXPORT_EXPORTPASSES_H
#define PP_EXPORT_EXPORTPASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Export/ExportPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Export/ExportPasses.h.inc"

} // namespace pp

#endif // PP_EXPORT_EXPORTPASSES_H
