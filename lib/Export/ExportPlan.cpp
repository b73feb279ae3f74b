//===- ExportPlan.cpp - What the planning passes decided ------------------===//

#include "ExportPlan.h"

#include "pp/Dialect/PP/IR/PP.h"

using namespace mlir;

namespace pp::exporter {

FailureOr<ExportPlan> readExportPlan(ModuleOp module) {
  ExportPlan plan;
  if (auto stages = module->getAttrOfType<IntegerAttr>(
          ::pp::pp::PPDialect::kNumStagesAttrName))
    plan.numStages = stages.getInt();
  auto schedules = module.getOps<::pp::pp::ScheduleOp>();
  if (!schedules.empty()) {
    ::pp::pp::ScheduleOp schedule = *schedules.begin();
    if (std::next(schedules.begin()) != schedules.end())
      return schedule.emitError()
             << "pp-export: the module holds several pp.schedule ops; "
                "expected one";
    plan.numStages = schedule.getNumStages();
    plan.microbatches = schedule.getMicrobatches();
    plan.schedule = schedule.getKind().str();
  }
  if (plan.numStages > 1)
    return module.emitError()
           << "pp-export: the module is cut into " << plan.numStages
           << " stages, but exporting more than one stage needs stage "
              "outlining (one function per stage), which pp does not do "
              "yet; export with num-stages=1";
  return plan;
}

} // namespace pp::exporter
