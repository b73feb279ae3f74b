//===- FitMemory.cpp - The schedule and recomputation that fit, fastest ---===//
//
// pp-fit-memory: tries each schedule with pp-recompute's auto policy on a
// copy of the module, simulates each with the memory model, and keeps the
// fastest that fits.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/TrainingPasses.h"

#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Support/Format.h"
#include "pp/Transforms/ScheduleIR.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/StageMemory.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>

namespace pp {
#define GEN_PASS_DEF_PPFITMEMORY
#include "pp/Transforms/TrainingPasses.h.inc"
} // namespace pp

using namespace mlir;
namespace ppd = ::pp::pp;

namespace pp {
namespace {

/// One schedule tried.
struct Candidate {
  std::string schedule;
  OwningOpRef<ModuleOp> module;
  double stepTime = 0;
  double peak = 0;
  /// Why it does not fit (the first error of its passes), or "".
  std::string error;
};

struct FitMemoryPass : impl::PPFitMemoryBase<FitMemoryPass> {
  using PPFitMemoryBase::PPFitMemoryBase;

  void runOnOperation() override;

private:
  /// Runs pp-schedule with `schedule` and pp-recompute with `policy` on a
  /// copy of the module, then simulates it.
  Candidate tryPlan(StringRef schedule, RecomputePolicy policy);
};

Candidate FitMemoryPass::tryPlan(StringRef schedule, RecomputePolicy policy) {
  ModuleOp module = getOperation();
  Candidate c;
  c.schedule = schedule.str();
  c.module = cast<ModuleOp>(module->clone());
  PassManager pm(&getContext(), ModuleOp::getOperationName());
  PPScheduleOptions scheduleOptions;
  std::optional<sched::ScheduleKind> kind = sched::parseKind(schedule);
  if (!kind) {
    c.error = "unknown schedule; expected one of: " + sched::kindNames();
    return c;
  }
  scheduleOptions.schedule = *kind;
  scheduleOptions.microbatches = microbatches;
  scheduleOptions.device = device;
  scheduleOptions.defaultDevice = defaultDevice;
  scheduleOptions.optimizer = optimizer;
  pm.addPass(createPPSchedule(scheduleOptions));
  PPRecomputeOptions recompute;
  recompute.policy = policy;
  if (policy == RecomputePolicy::Auto)
    recompute.memoryLimit = memoryLimit;
  recompute.device = device;
  recompute.defaultDevice = defaultDevice;
  recompute.optimizer = optimizer;
  pm.addPass(createPPRecompute(recompute));
  {
    // The candidates' own diagnostics are this pass's to report.
    ScopedDiagnosticHandler handler(&getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error && c.error.empty()) {
        // "pp-recompute: stage 1 does not fit ...", without the advice.
        std::string text = d.str();
        c.error = text.substr(0, text.find("; raise"));
      }
      return success();
    });
    if (failed(pm.run(*c.module))) {
      if (c.error.empty())
        c.error = "its passes failed";
      return c;
    }
  }
  auto op = *c.module->getOps<ppd::ScheduleOp>().begin();
  sched::Schedule s = toSchedule(op);
  std::optional<sched::CostModel> costs = getCostModel(op);
  if (!costs)
    costs = sched::CostModel::uniform(s.NumStages);
  if (std::optional<std::vector<sched::StageMemory>> memory =
          computeStageMemory(*c.module, s.NumStages, s.NumChunks,
                             getOptimizerStateCount(optimizer)))
    costs->Memory = std::move(*memory);
  llvm::Expected<sched::Schedule> lowered =
      s.NumStages > 1 ? sched::lowerCommunication(s, &*costs)
                      : llvm::Expected<sched::Schedule>(s);
  if (!lowered) {
    c.error = llvm::toString(lowered.takeError());
    return c;
  }
  llvm::Expected<sched::SimResult> result = sched::simulate(*lowered, *costs);
  if (!result) {
    c.error = llvm::toString(result.takeError());
    return c;
  }
  c.stepTime = result->StepTime;
  for (const sched::StageResult &stage : result->Stages)
    c.peak = std::max(c.peak, stage.PeakBytes);
  return c;
}

void FitMemoryPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    mlir::emitError(module.getLoc()) << "pp-fit-memory: " << message;
    signalPassFailure();
  };
  if (memoryLimit.empty())
    return fail("option 'memory-limit' is required (bytes per device, e.g. "
                "memory-limit=2GB)");
  llvm::Expected<double> limit = parseByteSize(memoryLimit);
  if (!limit)
    return fail(llvm::toString(limit.takeError()));
  std::vector<std::string> kinds(schedules.begin(), schedules.end());
  if (kinds.empty())
    kinds = {"gpipe", "1f1b", "zb-h1", "zb-h2"};

  std::vector<Candidate> candidates;
  int best = -1;
  for (const std::string &kind : kinds) {
    candidates.push_back(tryPlan(kind, RecomputePolicy::Auto));
    const Candidate &c = candidates.back();
    if (c.error.empty() && c.peak > *limit * (1 + 1e-9))
      candidates.back().error =
          "its predicted peak " + formatBytes(c.peak) + " exceeds the limit";
    if (candidates.back().error.empty() &&
        (best < 0 || c.stepTime < candidates[best].stepTime * (1 - 1e-9)))
      best = int(candidates.size()) - 1;
  }
  std::string summary;
  for (const Candidate &c : candidates)
    summary +=
        c.error.empty()
            ? llvm::formatv("\n  {0}: step time {1}, peak {2}", c.schedule,
                            formatSeconds(c.stepTime), formatBytes(c.peak))
                  .str()
            : "\n  " + c.schedule + ": " + c.error;

  if (best < 0) {
    // The least memory any schedule needs, recomputing everything.
    double smallest = std::numeric_limits<double>::infinity();
    std::string where;
    for (const std::string &kind : kinds) {
      Candidate full = tryPlan(kind, RecomputePolicy::Full);
      if (full.error.empty() && full.peak < smallest) {
        smallest = full.peak;
        where = kind;
      }
    }
    std::string need =
        where.empty()
            ? std::string("no schedule could be planned")
            : llvm::formatv("the smallest memory that fits is {0} ({1} "
                            "bytes), with schedule={2} and recompute=full",
                            formatBytes(smallest), int64_t(smallest), where)
                  .str();
    return fail("no schedule fits memory-limit=" + memoryLimit +
                " with recompute=auto; " + need +
                "; or cut into more stages. Tried:" + summary);
  }

  // The chosen copy becomes the module.
  Candidate &chosen = candidates[best];
  Block *body = module.getBody();
  while (!body->empty())
    body->front().erase();
  Block *from = chosen.module->getBody();
  body->getOperations().splice(body->end(), from->getOperations());
  module->setAttrs(chosen.module->getOperation()->getAttrDictionary());
  mlir::emitRemark(module.getLoc())
      << "pp-fit-memory: chose schedule " << chosen.schedule
      << " with recompute=auto, the fastest of the schedules that fit "
         "memory-limit="
      << memoryLimit << ":" << summary;
}

} // namespace
} // namespace pp
