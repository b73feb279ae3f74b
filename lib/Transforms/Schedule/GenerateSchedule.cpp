//===- GenerateSchedule.cpp - pp-schedule ---------------------------------===//
//
// A thin adapter over the schedule library: reads the stage count and the
// per-stage costs from the partitioned module, generates the compute-only
// action lists of the chosen kind (or of the fastest kind for auto), writes
// them as a pp.schedule op and verifies it.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/ScheduleIR.h"

#include "pp/Planning/Device/DeviceProfile.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Support/Format.h"
#include "pp/Transforms/PlanDefaults.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/StageMemory.h"

#include <cmath>

namespace pp {
#define GEN_PASS_DEF_PPSCHEDULE
#include "pp/Transforms/SchedulePasses.h.inc"
} // namespace pp

using namespace mlir;
namespace sched = pp::sched;

namespace {
struct SchedulePass : public pp::impl::PPScheduleBase<SchedulePass> {
  using PPScheduleBase::PPScheduleBase;

  void runOnOperation() override;

private:
  /// The `selection` attribute: why auto chose what it chose.
  DictionaryAttr buildSelection(const sched::AutoResult &result);
};
} // namespace

DictionaryAttr SchedulePass::buildSelection(const sched::AutoResult &result) {
  Builder b(&getContext());
  SmallVector<Attribute> candidates;
  for (const sched::AutoCandidate &c : result.Candidates) {
    SmallVector<NamedAttribute> entries;
    entries.push_back(b.getNamedAttr("schedule", b.getStringAttr(c.Label)));
    if (c.Rejected.empty()) {
      entries.push_back(
          b.getNamedAttr("step_time", b.getF64FloatAttr(c.StepTime)));
      entries.push_back(
          b.getNamedAttr("bubble_fraction", b.getF64FloatAttr(c.Bubble)));
      entries.push_back(b.getNamedAttr("peak_activations",
                                       b.getF64FloatAttr(c.PeakActivations)));
    } else {
      entries.push_back(
          b.getNamedAttr("rejected", b.getStringAttr(c.Rejected)));
    }
    candidates.push_back(b.getDictionaryAttr(entries));
  }
  return b.getDictionaryAttr(
      {b.getNamedAttr("reason", b.getStringAttr(result.Reason)),
       b.getNamedAttr("candidates", b.getArrayAttr(candidates))});
}

void SchedulePass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    mlir::emitError(module.getLoc()) << "pp-schedule: " << message;
    signalPassFailure();
  };

  int64_t p = numStages;
  if (p == 0) {
    auto attr = module->getAttrOfType<IntegerAttr>(
        pp::pp::PPDialect::kNumStagesAttrName);
    if (!attr)
      return fail("option 'num-stages' not given and the module has no '" +
                  pp::pp::PPDialect::kNumStagesAttrName +
                  "' (run pp-partition-stages first, or give num-stages=P)");
    p = attr.getInt();
  }
  sched::ScheduleKind kind = schedule;
  if (!(maxInFlight >= 0) || !std::isfinite(maxInFlight))
    return fail("option 'max-in-flight' must be a finite number >= 0");
  double limitBytes = 0;
  if (!memoryLimit.empty()) {
    llvm::Expected<double> parsed = pp::parseByteSize(memoryLimit);
    if (!parsed)
      return fail(llvm::toString(parsed.takeError()));
    limitBytes = *parsed;
  }
  int states = getOptimizerStateCount(optimizer);
  if (!(latency >= 0) || !(bandwidth >= 0))
    return fail("options 'latency' and 'bandwidth' must be >= 0");

  FailureOr<pp::ModuleStageCosts> stageCosts =
      pp::computeModuleStageCosts(module, (int)p);
  if (failed(stageCosts))
    return signalPassFailure();
  sched::CostModel &costs = stageCosts->costs;
  // The partitioner's device times the transfers unless told otherwise; a
  // module that was never planned for a device keeps free transfers.
  std::string deviceName =
      !device.empty() || module->hasAttr(pp::pp::PPDialect::kDeviceAttrName) ||
              !defaultDevice.empty()
          ? pp::resolvePlanDevice(device, module, defaultDevice)
          : std::string();
  if (!deviceName.empty()) {
    llvm::Expected<pp::device::DeviceProfile> profile =
        pp::device::resolveDeviceProfile(deviceName);
    if (!profile)
      return fail("option 'device': " + llvm::toString(profile.takeError()));
    costs.Latency = profile->link.latency;
    costs.Bandwidth = profile->link.bandwidth;
  }
  if (latency > 0)
    costs.Latency = latency;
  if (bandwidth > 0)
    costs.Bandwidth = bandwidth;
  bool storeCosts =
      stageCosts->fromOps || costs.Latency > 0 || costs.Bandwidth > 0;
  if (!stageCosts->fromOps)
    mlir::emitRemark(module.getLoc())
        << "pp-schedule: no op carries 'pp.cost'; scheduling with uniform "
           "costs F = B = W = 1 per stage (run pp-annotate-cost before "
           "pp-partition-stages for the device's costs)";

  sched::ScheduleOptions opts;
  opts.Kind = kind;
  opts.NumStages = (int)p;
  opts.NumMicrobatches = microbatches ? (int)microbatches : (int)p;
  opts.VirtualStages = (int)virtualStages;
  opts.OptimizerStep = optimizerStep;
  opts.TiedEmbedding = tiedEmbedding;
  opts.InsertCommunication = false;
  opts.MemoryLimit = maxInFlight;
  opts.MemoryLimitBytes = limitBytes;
  opts.Costs = &costs;
  // The byte-accurate memory model once the stage functions exist.
  if (std::optional<std::vector<sched::StageMemory>> memory =
          pp::computeStageMemory(module, (int)p,
                                 std::max(1, stageCosts->chunks), states))
    costs.Memory = std::move(*memory);

  // A partitioned module fixes the chunks per stage: its virtual stages are
  // the schedule's. Parameters read on several of them are reduced (TR).
  int cutChunks = stageCosts->chunks;
  if (stageCosts->partitioned) {
    costs.Tied = pp::computeTiedParameters(module);
    for (const sched::TiedParameters &t : costs.Tied)
      opts.TiedGroups.push_back(t.VirtualStages);
    opts.CutChunks = cutChunks;
    if (kind != sched::ScheduleKind::Auto) {
      bool chunked = kind == sched::ScheduleKind::Interleaved1F1B ||
                     sched::isVShaped(kind);
      int kindChunks =
          !chunked ? 1
          : sched::isVShaped(kind)
              ? 2
              : (virtualStages ? (int)virtualStages : std::max(2, cutChunks));
      if (kindChunks != cutChunks)
        return fail("schedule=" + sched::kindName(kind) + " runs " +
                    Twine(kindChunks) + " chunk" +
                    (kindChunks == 1 ? "" : "s") +
                    " per stage, but the module is cut "
                    "into " +
                    Twine(cutChunks) + " chunk" + (cutChunks == 1 ? "" : "s") +
                    " per stage (" + pp::pp::PPDialect::kVirtualStagesAttrName +
                    "); partition with virtual-stages=" + Twine(kindChunks) +
                    (cutChunks > 1 ? ", or use interleaved-1f1b or zb-v"
                                   : ", or use gpipe, 1f1b, zb-h1 or zb-h2"));
      if (chunked)
        opts.VirtualStages = kindChunks;
    }
  }
  costs.Place = sched::isVShaped(kind) ? sched::Placement::VShape
                                       : sched::Placement::Loop;

  sched::Schedule result;
  DictionaryAttr selection;
  if (kind == sched::ScheduleKind::Auto) {
    llvm::Expected<sched::AutoResult> chosen =
        sched::chooseSchedule(opts, costs);
    if (!chosen)
      return fail(pp::toPassOptionSpelling(llvm::toString(chosen.takeError())));
    result = sched::stripCommunication(chosen->Chosen);
    costs.Place = result.Place;
    selection = buildSelection(*chosen);
    mlir::emitRemark(module.getLoc()) << "pp-schedule: " << chosen->Reason;
  } else {
    llvm::Expected<sched::Schedule> generated =
        sched::generateComputeOnly(opts);
    if (!generated)
      return fail(
          "schedule=" + sched::kindName(kind) + ": " +
          pp::toPassOptionSpelling(llvm::toString(generated.takeError())));
    result = std::move(*generated);
  }

  // Outlined stage functions fix which stage holds which chunk.
  if (cutChunks > 1)
    for (auto func : module.getOps<func::FuncOp>()) {
      auto stage =
          func->getAttrOfType<IntegerAttr>(pp::pp::PPDialect::kStageAttrName);
      auto chunk =
          func->getAttrOfType<IntegerAttr>(pp::pp::PPDialect::kChunkAttrName);
      auto virtualStage = func->getAttrOfType<IntegerAttr>(
          pp::pp::PPDialect::kVirtualStageAttrName);
      if (!stage || !chunk || !virtualStage)
        continue;
      auto [where, local] = result.locate(int(virtualStage.getInt()));
      if (where != stage.getInt() || local != chunk.getInt())
        return fail("schedule " + result.Name + " places virtual stage " +
                    Twine(virtualStage.getInt()) + " on stage " + Twine(where) +
                    ", but @" + func.getSymName() + " was outlined for stage " +
                    Twine(stage.getInt()) + " (" +
                    sched::placementName(result.Place) +
                    " placement against the outlined one); outline with "
                    "the schedule's placement (pp-outline-stages "
                    "placement=)");
      break;
    }

  if (limitBytes > 0 && !costs.Memory.empty()) {
    llvm::Expected<sched::Schedule> lowered =
        sched::lowerCommunication(result, &costs);
    if (!lowered)
      return fail(llvm::toString(lowered.takeError()));
    for (int s = 0; s < (int)p; ++s) {
      sched::MemoryWalk walk =
          sched::walkStageMemory(lowered->Stages[s], costs.Memory[s]);
      if (walk.Peak > limitBytes * (1 + 1e-9))
        return fail(
            "schedule " + result.Name + ": stage " + Twine(s) + " needs " +
            pp::formatBytes(walk.Peak) + " (" + Twine(int64_t(walk.Peak)) +
            " bytes, at its action '" +
            sched::actionToString(lowered->Stages[s][size_t(walk.PeakAction)],
                                  result.NumChunks) +
            "'), over memory-limit=" + memoryLimit +
            "; recompute activations (pp-recompute), use a schedule "
            "with fewer microbatches in flight, or cut into more "
            "stages");
    }
  }

  for (auto old : llvm::make_early_inc_range(
           module.getBody()->getOps<pp::pp::ScheduleOp>()))
    old.erase();
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  DictionaryAttr costsAttr =
      storeCosts ? pp::buildCostsAttr(&getContext(), costs, (int)p)
                 : DictionaryAttr();
  auto op = pp::buildScheduleOp(builder, module.getLoc(), result, costsAttr,
                                selection);
  if (failed(pp::verifyScheduleOp(
          op, "generated schedule rejected (a bug in pp): ")))
    return signalPassFailure();
}
