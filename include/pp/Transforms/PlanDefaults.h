//===- PlanDefaults.h - Settings shared by the planning passes --*- C++ -*-===//
//
// pp-opt's --pp-device and --pp-report set, once for the whole run, the
// device profile and the report file of every planning pass whose own
// option is left empty. The device a module was planned for is recorded on
// it (`pp.device`), so that passes run later, or in another pp-opt
// invocation on the printed module, time it the same way.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_PLANDEFAULTS_H
#define PP_TRANSFORMS_PLANDEFAULTS_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace pp {

struct PlanDefaults {
  std::string device; ///< --pp-device: a profile name or a JSON file.
  std::string report; ///< --pp-report: a JSON file, or '-' for stderr.
};

/// The process-wide defaults (set by the driver before passes run).
PlanDefaults &getPlanDefaults();

/// The device profile to plan `module` with: `option` if given, else the
/// module's recorded `pp.device`, else --pp-device, else "h100".
std::string resolvePlanDevice(llvm::StringRef option, mlir::ModuleOp module);

/// Records `device` as the module's `pp.device`.
void recordPlanDevice(mlir::ModuleOp module, llvm::StringRef device);

/// The report destination: `option` if given, else --pp-report (may be
/// empty: no report).
std::string resolvePlanReport(llvm::StringRef option);

} // namespace pp

#endif // PP_TRANSFORMS_PLANDEFAULTS_H
