//===- PlanSimulation.cpp - The simulated plan in the manifest ------------===//

#include "PlanSimulation.h"

#include "pp/Planning/Device/DeviceProfile.h"
#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Transforms/ScheduleIR.h"
#include "pp/Transforms/StageMemory.h"

using namespace mlir;

namespace pp::exporter {

LogicalResult addSimulation(ModuleOp module, const ExportPlan &plan,
                            program::Manifest &manifest) {
  if (!plan.scheduleOp)
    return success();
  std::optional<sched::CostModel> costs = getCostModel(plan.scheduleOp);
  if (!costs)
    return success();
  llvm::Expected<sched::SimResult> result =
      sched::simulate(toSchedule(plan.scheduleOp), *costs);
  if (!result)
    return ::pp::pp::ScheduleOp(plan.scheduleOp).emitError()
           << "pp-export: cannot simulate the schedule: "
           << llvm::toString(result.takeError());
  program::Simulation &simulation = *manifest.mutable_simulation();
  // The profile's own name ("cpu-measured"), not the file it came from.
  if (auto device = module->getAttrOfType<StringAttr>(
          ::pp::pp::PPDialect::kDeviceAttrName)) {
    llvm::Expected<device::DeviceProfile> profile =
        device::resolveDeviceProfile(device.getValue());
    if (profile)
      simulation.set_device(profile->name);
    else
      simulation.set_device(device.str() + " (" +
                            llvm::toString(profile.takeError()) + ")");
  }
  simulation.set_step_time(result->StepTime);
  simulation.set_bubble_fraction(result->BubbleFraction);
  for (const sched::StageResult &stage : result->Stages) {
    program::StageSimulation &out = *simulation.add_stages();
    out.set_busy_time(stage.BusyTime);
    out.set_bubble_fraction(stage.Bubble);
    out.set_peak_activations(stage.PeakActivations);
    out.set_peak_activation_bytes(stage.PeakBytes);
  }
  return success();
}

LogicalResult addMemoryPlan(ModuleOp module, const ExportPlan &plan,
                            program::Manifest &manifest) {
  if (!plan.scheduleOp)
    return success();
  sched::Schedule schedule = toSchedule(plan.scheduleOp);
  std::optional<std::vector<sched::StageMemory>> memory = computeStageMemory(
      module, schedule.NumStages, schedule.NumChunks, /*optimizerStates=*/0);
  if (!memory)
    return success();
  for (int s = 0; s < schedule.NumStages; ++s) {
    sched::MemoryWalk walk =
        sched::walkStageMemory(schedule.Stages[s], (*memory)[s]);
    program::StageMemoryPlan &out = *manifest.add_memory();
    out.set_peak_bytes(walk.Peak);
    out.set_state_bytes((*memory)[s].TrainableBytes);
    if (walk.PeakAction >= 0)
      out.set_peak_action(sched::actionToString(
          schedule.Stages[s][size_t(walk.PeakAction)], schedule.NumChunks));
  }
  return success();
}

} // namespace pp::exporter
