//===- ExportPlan.h - What the planning passes decided ----------*- C++ -*-===//
//
// The pipeline settings an export records: the number of stages
// (`pp.num_stages` of pp-partition-stages) and chunks per stage
// (`pp.virtual_stages`), and the schedule of the module's `pp.schedule`:
// its kind, microbatches, placement and action lists. A module that was not
// planned is one stage running one microbatch per step, with no schedule.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_EXPORTPLAN_H
#define PP_LIB_EXPORT_EXPORTPLAN_H

#include "pp/Dialect/PP/IR/PP.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace pp::exporter {

struct ExportPlan {
  unsigned numStages = 1;
  unsigned chunks = 1; ///< chunks per stage
  unsigned microbatches = 1;
  std::string schedule;  ///< The `pp.schedule` kind; empty without one.
  std::string placement; ///< "loop" or "v"; empty without a schedule.
  /// The schedule op (null without one).
  ::pp::pp::ScheduleOp scheduleOp;

  unsigned numVirtualStages() const { return numStages * chunks; }
};

/// Reads the plan of `module`. Emits an error and fails for a module the
/// exporter cannot write: several schedules, a schedule that disagrees with
/// the cut, or several stages without a schedule that communicates.
mlir::FailureOr<ExportPlan> readExportPlan(mlir::ModuleOp module);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_EXPORTPLAN_H
