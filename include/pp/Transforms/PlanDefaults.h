//===- PlanDefaults.h - Settings shared by the planning passes --*- C++ -*-===//
//
// pp-opt's --pp-device and --pp-report set, once for the whole run, the
// device profile and the report file of every planning pass whose own
// option is left empty, by writing them into the passes' options. The device a
// module was planned for is recorded on it (`pp.device`), so that passes run
// later, or in another pp-opt invocation on the printed module, time it the
// same way.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_PLANDEFAULTS_H
#define PP_TRANSFORMS_PLANDEFAULTS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>

namespace pp {

/// pp-opt's --pp-device and --pp-report.
struct PlanDefaults {
  std::string device; ///< --pp-device: a profile name or a JSON file.
  std::string report; ///< --pp-report: a JSON file, or '-' for stderr.
};

/// Writes `defaults` into the options of the planning passes of `pm` (its
/// top level, where they run) that leave them empty: `default-device` of
/// pp-annotate-cost, pp-partition-stages and pp-schedule, and `report` of
/// pp-partition-stages and pp-simulate. The passes read no global state, so
/// --dump-pass-pipeline prints a pipeline that reruns the same way. Fails
/// naming the pass if an option does not take the value.
mlir::LogicalResult applyPlanDefaults(mlir::OpPassManager &pm,
                                      const PlanDefaults &defaults);

/// The device profile to plan `module` with: `option` if given, else the
/// module's recorded `pp.device`, else `fallback` (default-device), else
/// "h100".
std::string resolvePlanDevice(llvm::StringRef option, mlir::ModuleOp module,
                              llvm::StringRef fallback);

/// Records `device` as the module's `pp.device`.
void recordPlanDevice(mlir::ModuleOp module, llvm::StringRef device);

} // namespace pp

#endif // PP_TRANSFORMS_PLANDEFAULTS_H
