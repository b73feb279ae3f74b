//===- ExportPlan.h - What the planning passes decided ----------*- C++ -*-===//
//
// The pipeline settings an export records: the number of stages
// (`pp.num_stages` of pp-partition-stages), and the schedule and
// microbatches of the module's `pp.schedule`. A module that was not planned
// is one stage running one microbatch per step, with no schedule.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_EXPORTPLAN_H
#define PP_LIB_EXPORT_EXPORTPLAN_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace pp::exporter {

struct ExportPlan {
  unsigned numStages = 1;
  unsigned microbatches = 1;
  std::string schedule; ///< The `pp.schedule` kind; empty without one.
};

/// Reads the plan of `module`. Emits an error and fails for a module the
/// exporter cannot write yet: one cut into several stages.
mlir::FailureOr<ExportPlan> readExportPlan(mlir::ModuleOp module);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_EXPORTPLAN_H
