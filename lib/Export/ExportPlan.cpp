//===- ExportPlan.cpp - What the planning passes decided ------------------===//

#include "ExportPlan.h"

#include "pp/Transforms/ScheduleIR.h"

using namespace mlir;
namespace ppd = ::pp::pp;

namespace pp::exporter {

FailureOr<ExportPlan> readExportPlan(ModuleOp module) {
  ExportPlan plan;
  if (auto stages = module->getAttrOfType<IntegerAttr>(
          ppd::PPDialect::kNumStagesAttrName))
    plan.numStages = stages.getInt();
  if (auto chunks = module->getAttrOfType<IntegerAttr>(
          ppd::PPDialect::kVirtualStagesAttrName))
    plan.chunks = chunks.getInt();
  auto schedules = module.getOps<ppd::ScheduleOp>();
  if (schedules.empty()) {
    if (plan.numVirtualStages() > 1)
      return module.emitError()
             << "pp-export: the module is cut into " << plan.numStages
             << " stages of " << plan.chunks
             << " chunks but has no pp.schedule: the stage programs need "
                "their action lists (run pp-schedule and "
                "pp-insert-send-recv, or --pp-pipeline)";
    return plan;
  }
  ppd::ScheduleOp schedule = *schedules.begin();
  if (std::next(schedules.begin()) != schedules.end())
    return schedule.emitError()
           << "pp-export: the module holds several pp.schedule ops; "
              "expected one";
  if (module->hasAttr(ppd::PPDialect::kNumStagesAttrName) &&
      (schedule.getNumStages() != plan.numStages ||
       schedule.getVirtualStages() != plan.chunks))
    return schedule.emitError()
           << "pp-export: the schedule has " << schedule.getNumStages()
           << " stages of " << schedule.getVirtualStages()
           << " chunks, but the module is cut into " << plan.numStages
           << " stages of " << plan.chunks << " chunks";
  plan.numStages = schedule.getNumStages();
  plan.chunks = schedule.getVirtualStages();
  plan.microbatches = schedule.getMicrobatches();
  plan.schedule = ppd::stringifyScheduleKind(schedule.getKind()).str();
  plan.placement = ppd::stringifyPlacement(schedule.getPlacement()).str();
  plan.scheduleOp = schedule;
  if (plan.numStages > 1 && !toSchedule(schedule).hasCommunication())
    return schedule.emitError()
           << "pp-export: the schedule of " << plan.numStages
           << " stages has no send/recv actions: run pp-insert-send-recv "
              "before exporting";
  return plan;
}

} // namespace pp::exporter
