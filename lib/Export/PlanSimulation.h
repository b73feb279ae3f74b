//===- PlanSimulation.h - The simulated plan in the manifest ----*- C++ -*-===//
//
// What pp-simulate predicts for the module's schedule with the costs the
// plan stored on it (`pp.schedule`'s `costs`, seconds on the plan's device),
// written into the manifest so that `pp-run --plan-report` can set the
// measured step against it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_PLANSIMULATION_H
#define PP_LIB_EXPORT_PLANSIMULATION_H

#include "ExportPlan.h"

#include "program.pb.h"

#include "mlir/IR/BuiltinOps.h"

namespace pp::exporter {

/// Sets `manifest.simulation` when the schedule carries costs; leaves it
/// absent otherwise (uniform unit costs predict no time). Emits an error
/// when the schedule cannot be simulated.
mlir::LogicalResult addSimulation(mlir::ModuleOp module, const ExportPlan &plan,
                                  program::Manifest &manifest);

/// Adds `manifest.memory`: each stage's predicted peak from the memory
/// model of the module's stage functions and exported action lists.
mlir::LogicalResult addMemoryPlan(mlir::ModuleOp module, const ExportPlan &plan,
                                  program::Manifest &manifest);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_PLANSIMULATION_H
