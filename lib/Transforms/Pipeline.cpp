//===- Pipeline.cpp - pp's named pass pipeline ----------------------------===//
//
// `--pp-pipeline="num-stages=4 microbatches=8 schedule=1f1b"` runs the
// planning passes in order with options that agree: the partitioner plans
// for the microbatches, chunks and in-flight counts the schedule will use,
// and every pass times the same device. It first replaces GELU chains by
// nn.gelu and linear layers by nn.gemm, which the costs and the backward
// then see as one op each, and attaches the loss before planning, so that
// the plan includes it. After the cut it outlines one function per stage
// chunk and differentiates each, recomputes what the policy says, and then
// schedules, verifies and simulates the real stage functions: the module is
// then a whole training step, which --pp-export writes for pp-run.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/Pipeline.h"

#include "pp/Transforms/PartitionPasses.h"
#include "pp/Transforms/Passes.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace pp {
namespace {

/// The schedule and chunks per stage the stage cut is made for. A chunked
/// schedule is cut into num-stages * v virtual stages; auto picks among the
/// one-chunk schedules, planned with 1F1B's in-flight counts.
struct CutPlan {
  sched::ScheduleKind schedule;
  unsigned virtualStages = 1;
};

CutPlan planCut(const PipelineOptions &options) {
  sched::ScheduleKind kind = options.schedule;
  unsigned chunks = options.virtualStages;
  switch (kind) {
  case sched::ScheduleKind::Interleaved1F1B:
  case sched::ScheduleKind::ZBV:
  case sched::ScheduleKind::DualPipeV:
    return {kind, chunks ? chunks : 2};
  case sched::ScheduleKind::Auto:
    return {sched::ScheduleKind::OneFOneB, std::max(1u, chunks)};
  default:
    return {kind, std::max(1u, chunks)};
  }
}

/// Send/recv, verification and simulation of the scheduled module.
void addCommunicationAndSimulation(OpPassManager &pm,
                                   const PipelineOptions &options) {
  pm.addPass(createPPInsertSendRecv());
  pm.addPass(createPPVerifySchedule());
  PPSimulateOptions simulate;
  simulate.report = options.report;
  simulate.trace = options.trace;
  simulate.timeline = options.timeline;
  simulate.optimizer = options.optimizer;
  pm.addPass(createPPSimulate(simulate));
}

} // namespace

void buildPipeline(OpPassManager &pm, const PipelineOptions &options) {
  if (options.fuseGelu)
    pm.addPass(createPPFuseGelu());
  if (options.fuseLinear)
    pm.addPass(createPPFuseLinear());

  bool training = options.loss != LossKind::None;
  if (training) {
    PPAttachLossOptions attach;
    attach.kind = options.loss;
    attach.labels = options.labels;
    attach.ignoreIndex.assign(options.ignoreIndex.begin(),
                              options.ignoreIndex.end());
    attach.frozen.assign(options.frozen.begin(), options.frozen.end());
    attach.paddingIndex.assign(options.paddingIndex.begin(),
                               options.paddingIndex.end());
    pm.addPass(createPPAttachLoss(attach));
  }

  PPAnnotateCostOptions annotate;
  annotate.device = options.device;
  pm.addPass(createPPAnnotateCost(annotate));

  CutPlan cut = planCut(options);
  PPPartitionStagesOptions partition;
  partition.numStages = options.numStages;
  partition.virtualStages = cut.virtualStages;
  partition.microbatches = options.microbatches;
  partition.schedule = cut.schedule;
  // A cut into chunks is checked against the limit once its stages exist
  // (pp-schedule, pp-recompute): the partitioner cannot sum a stage's
  // chunks, which are not contiguous.
  if (cut.virtualStages == 1 || !training)
    partition.memoryLimit = options.memoryLimit;
  partition.recompute = training && options.recompute != RecomputePolicy::None;
  partition.granularity = options.granularity;
  partition.method = options.method;
  partition.device = options.device;
  partition.report = options.report;
  pm.addPass(createPPPartitionStages(partition));

  // One function per stage chunk and its backward: the schedule, the
  // recomputation and the simulation then see the stages' real functions
  // (the byte-accurate memory model reads them).
  PPOutlineStagesOptions outline;
  if (cut.virtualStages > 1)
    outline.placement = sched::isVShaped(cut.schedule) ? OutlinePlacement::V
                                                       : OutlinePlacement::Loop;
  pm.addPass(createPPOutlineStages(outline));
  if (training)
    pm.addPass(createPPAutodiff());

  // The resolved device (partitioner: 'device' = its capacity) is what the
  // later passes' byte limits take too.
  std::string limit = options.memoryLimit;
  bool autoRecompute = training && options.recompute == RecomputePolicy::Auto;
  PPRecomputeOptions recompute;
  recompute.policy = options.recompute;
  recompute.device = options.device;
  recompute.optimizer = options.optimizer;
  if (autoRecompute)
    recompute.memoryLimit = limit;
  // full and selective change B before the schedule is made for it; auto
  // chooses for the schedule, so it follows it.
  if (training && options.recompute != RecomputePolicy::None && !autoRecompute)
    pm.addPass(createPPRecompute(recompute));

  // The joint choice: each schedule with the recomputation that fits it.
  if (autoRecompute && options.schedule == sched::ScheduleKind::Auto &&
      limit != "device") {
    PPFitMemoryOptions fit;
    fit.microbatches = options.microbatches;
    fit.memoryLimit = limit;
    fit.device = options.device;
    fit.optimizer = options.optimizer;
    pm.addPass(createPPFitMemory(fit));
    addCommunicationAndSimulation(pm, options);
    return;
  }

  PPScheduleOptions schedule;
  schedule.schedule = options.schedule;
  schedule.microbatches = options.microbatches;
  schedule.virtualStages = options.virtualStages;
  schedule.device = options.device;
  schedule.optimizer = options.optimizer;
  if (!autoRecompute && limit != "device")
    schedule.memoryLimit = limit;
  pm.addPass(createPPSchedule(schedule));
  if (autoRecompute)
    pm.addPass(createPPRecompute(recompute));
  addCommunicationAndSimulation(pm, options);
}

void registerPPPipeline() {
  PassPipelineRegistration<PipelineOptions>(
      "pp-pipeline",
      "Plan pipeline-parallel training: loss, costs, stage cut, schedule, "
      "communication, verification, simulation, one function per stage "
      "chunk and their backward functions",
      buildPipeline);
}

} // namespace pp
