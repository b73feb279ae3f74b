//===- Simulate.cpp - pp-simulate -----------------------------------------===//
//
// Verifies and simulates the module's pp.schedule with its costs (the
// schedule library's simulator) and writes the result: the `schedule` object
// of the plan report, a Perfetto trace and an SVG timeline.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/ScheduleIR.h"

#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/SvgWriter.h"
#include "pp/Planning/Schedule/TraceWriter.h"
#include "pp/Support/Format.h"
#include "pp/Support/OutputFiles.h"
#include "pp/Transforms/PlanDefaults.h"
#include "pp/Transforms/SchedulePasses.h"
#include "pp/Transforms/StageMemory.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace pp {
#define GEN_PASS_DEF_PPSIMULATE
#include "pp/Transforms/SchedulePasses.h.inc"
} // namespace pp

using namespace mlir;
namespace sched = pp::sched;
namespace json = llvm::json;

namespace {
struct SimulatePass : public pp::impl::PPSimulateBase<SimulatePass> {
  using PPSimulateBase::PPSimulateBase;
  void runOnOperation() override;
};
} // namespace

/// Converts an attribute of the `selection` dictionary to JSON.
static json::Value attrToJSON(Attribute attr) {
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.getValue().str();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    json::Array out;
    for (Attribute element : a)
      out.push_back(attrToJSON(element));
    return out;
  }
  if (auto d = dyn_cast<DictionaryAttr>(attr)) {
    json::Object out;
    // The candidate's name first, as pp-sched prints it.
    for (NamedAttribute entry : d)
      out[entry.getName().getValue()] = attrToJSON(entry.getValue());
    return out;
  }
  return nullptr;
}

/// Writes `path` whole (pp/Support/OutputFiles.h); emits an error at `op`
/// and fails otherwise.
static LogicalResult
writeFile(Operation *op, StringRef option, StringRef path,
          llvm::function_ref<void(llvm::raw_ostream &)> write) {
  llvm::Error e = ::pp::writeOutputFile(path, [&](llvm::raw_ostream &os) {
    write(os);
    return llvm::Error::success();
  });
  if (e)
    return mlir::emitError(op->getLoc())
           << "pp-simulate: option '" << option
           << "': " << llvm::toString(std::move(e));
  return success();
}

/// A duration for people: seconds with a unit when the costs are seconds,
/// else the bare number.
static std::string formatDuration(double t, bool seconds) {
  return seconds ? pp::formatSeconds(t) : sched::formatNumber(t);
}

/// `seconds`: the costs are times on a device (the module records one), not
/// unitless figures written by hand.
static void printSummary(llvm::raw_ostream &os, const sched::Schedule &s,
                         const sched::SimResult &r, StringRef costSource,
                         StringRef reason, bool seconds, bool wholeMemory) {
  os << llvm::formatv("schedule {0}: {1} stages, {2} microbatches, {3} "
                      "chunk{4} per stage, {5} actions ({6} costs)\n",
                      s.Name, s.NumStages, s.NumMicrobatches, s.NumChunks,
                      s.NumChunks == 1 ? "" : "s", s.numActions(), costSource);
  if (!reason.empty())
    os << reason << '\n';
  os << llvm::formatv("step time: {0}  bubble: {1:f2}%  (window bubble "
                      "{2:f2}%)  comm time: {3}\n",
                      formatDuration(r.StepTime, seconds),
                      100 * r.BubbleFraction, 100 * r.WindowBubbleFraction,
                      formatDuration(r.TotalCommTime, seconds));
  os << "stage        busy        idle  bubble  peak-act  peak-until-B"
     << (wholeMemory ? "   peak memory" : "") << "\n";
  for (size_t i = 0; i < r.Stages.size(); ++i) {
    const sched::StageResult &sr = r.Stages[i];
    os << llvm::formatv("{0,5} {1,11} {2,11} {3,6:f2}% {4,9} {5,13}", i,
                        formatDuration(sr.BusyTime, seconds),
                        formatDuration(sr.IdleTime, seconds), 100 * sr.Bubble,
                        sched::formatNumber(sr.PeakActivations),
                        sched::formatNumber(sr.PeakPendingBackward));
    if (wholeMemory)
      os << llvm::formatv("{0,14}", pp::formatBytes(sr.PeakBytes));
    os << "\n";
  }
}

/// The breakdown of stage `stage`'s predicted memory for the report.
static json::Value memoryToJSON(const sched::StageMemory &memory,
                                const sched::StageResult &result,
                                const sched::Schedule &s, int stage) {
  json::Array chunks;
  for (const sched::ChunkMemory &c : memory.Chunks)
    chunks.push_back(json::Object{
        {"received", c.Received},
        {"forward_peak", c.PeakF},
        {"saved_until_b", c.SavedB},
        {"saved_until_w", c.SavedW},
        {"outputs", c.Outputs},
        {"boundary_out", c.BoundaryOut},
        {"gradients_received", c.GradsReceived},
        {"backward_input_peak", c.PeakB},
        {"boundary_in_gradients", c.BoundaryInGrad},
        {"for_backward_weight", c.ForW},
        {"backward_weight_peak", c.PeakW},
        {"parameter_gradients", c.ParamGrads},
    });
  json::Value peakAction = nullptr;
  if (result.PeakAction >= 0)
    peakAction = sched::actionToString(
        s.Stages[stage][size_t(result.PeakAction)], s.NumChunks);
  return json::Object{
      {"parameters", memory.Parameters},
      {"optimizer_state", memory.OptimizerState},
      {"tied_gradients_received", memory.TiedReceived},
      {"kernel_scratch", memory.Workspace},
      {"peak_bytes", result.PeakBytes},
      {"peak_action", std::move(peakAction)},
      {"chunks", std::move(chunks)},
  };
}

/// Adds the fields of `object` to the `schedule` object of the JSON report in
/// `path` (the partitioner's `kind` and `in_flight` keep their place), or
/// writes `{"schedule": object}` if the file holds no JSON object.
static LogicalResult mergeIntoReport(Operation *op, StringRef path,
                                     json::Value object,
                                     std::vector<json::Value> stageMemory) {
  json::Object report;
  // The partitioner's report of the same run may still be staged.
  if (auto buffer = llvm::MemoryBuffer::getFile(
          ::pp::currentOutputContents(path), /*IsText=*/true)) {
    llvm::Expected<json::Value> existing = json::parse((*buffer)->getBuffer());
    if (existing) {
      if (json::Object *o = existing->getAsObject())
        report = std::move(*o);
    } else {
      llvm::consumeError(existing.takeError());
    }
  }
  json::Object *existing = report.getObject("schedule");
  if (existing && object.getAsObject()) {
    for (auto &field : *object.getAsObject())
      (*existing)[field.first] = std::move(field.second);
  } else {
    report["schedule"] = std::move(object);
  }
  // The byte-accurate prediction replaces the partitioner's estimate.
  if (!stageMemory.empty()) {
    json::Array *stages = report.getArray("stages");
    if (!stages) {
      report["stages"] = json::Array();
      stages = report.getArray("stages");
    }
    for (size_t i = 0; i < stageMemory.size(); ++i) {
      if (stages->size() <= i)
        stages->push_back(json::Object{{"stage", int64_t(i)}});
      json::Object *stage = (*stages)[i].getAsObject();
      if (!stage)
        continue;
      json::Object *memory = stageMemory[i].getAsObject();
      if (auto peak = memory->getNumber("peak_bytes"))
        (*stage)["peak_memory"] = *peak;
      (*stage)["memory"] = std::move(stageMemory[i]);
    }
    report["memory_model"] = "byte-accurate";
  }
  json::Value value(std::move(report));
  return writeFile(op, "report", path, [&](llvm::raw_ostream &os) {
    os << llvm::formatv("{0:2}", value) << '\n';
  });
}

void SimulatePass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<pp::pp::ScheduleOp> schedules(
      module.getBody()->getOps<pp::pp::ScheduleOp>());
  if (schedules.empty()) {
    mlir::emitError(module.getLoc())
        << "pp-simulate: the module holds no 'pp.schedule' "
           "(run pp-schedule first)";
    return signalPassFailure();
  }
  std::string report = this->report;
  bool writesFiles = !report.empty() || !trace.empty() || !timeline.empty();
  if (schedules.size() > 1 && writesFiles) {
    mlir::emitError(module.getLoc())
        << "pp-simulate: the module holds " << schedules.size()
        << " 'pp.schedule' ops; report, trace and timeline "
           "describe one";
    return signalPassFailure();
  }

  for (pp::pp::ScheduleOp op : schedules) {
    if (failed(pp::verifyScheduleOp(op)))
      return signalPassFailure();
    sched::Schedule s = pp::toSchedule(op);
    std::optional<sched::CostModel> costs = pp::getCostModel(op);
    StringRef costSource = costs ? "pp.schedule" : "uniform";
    if (!costs) {
      mlir::emitRemark(op.getLoc())
          << "pp-simulate: the schedule has no costs; "
             "simulating with uniform F = B = W = 1 per stage";
      costs = sched::CostModel::uniform(s.NumStages);
    }
    // A compute-only schedule runs with the communication pp-insert-send-recv
    // would insert, so that transfers wait for their receive as they will.
    bool inserted = false;
    if (!s.hasCommunication() && s.NumStages > 1) {
      llvm::Expected<sched::Schedule> lowered =
          sched::lowerCommunication(s, &*costs);
      if (!lowered) {
        mlir::emitError(op.getLoc())
            << "pp-simulate: cannot insert communication: "
            << llvm::toString(lowered.takeError());
        return signalPassFailure();
      }
      s = std::move(*lowered);
      inserted = true;
    }
    // The byte-accurate memory model, once the stage functions exist.
    int states = getOptimizerStateCount(optimizer);
    std::optional<std::vector<sched::StageMemory>> memory =
        pp::computeStageMemory(module, s.NumStages, s.NumChunks, states);
    if (memory)
      costs->Memory = std::move(*memory);
    llvm::Expected<sched::SimResult> result = sched::simulate(s, *costs);
    if (!result) {
      mlir::emitError(op.getLoc())
          << "pp-simulate: " << llvm::toString(result.takeError());
      return signalPassFailure();
    }

    std::string reason;
    if (DictionaryAttr selection = op.getSelectionAttr())
      if (auto r = selection.getAs<StringAttr>("reason"))
        reason = r.getValue().str();

    if (report == "-") {
      printSummary(llvm::errs(), s, *result, costSource, reason,
                   module->hasAttr(pp::pp::PPDialect::kDeviceAttrName),
                   !costs->Memory.empty());
    } else if (!report.empty()) {
      json::Value sim = sched::toJSON(*result);
      json::Object &obj = *sim.getAsObject();
      obj["schedule"] = s.Name;
      obj["kind"] = s.Name;
      obj["num_stages"] = s.NumStages;
      obj["num_microbatches"] = s.NumMicrobatches;
      obj["virtual_stages"] = s.NumChunks;
      obj["placement"] = sched::placementName(s.Place);
      obj["num_actions"] = static_cast<int64_t>(s.numActions());
      obj["verified"] = true;
      obj["costs"] = costSource;
      obj["communication"] =
          inserted ? "inserted for the simulation" : "as scheduled";
      if (DictionaryAttr selection = op.getSelectionAttr())
        obj["auto"] = attrToJSON(selection);
      std::vector<json::Value> stageMemory;
      for (size_t i = 0; i < costs->Memory.size(); ++i)
        stageMemory.push_back(
            memoryToJSON(costs->Memory[i], result->Stages[i], s, int(i)));
      if (!costs->Memory.empty()) {
        obj["memory_model"] = "byte-accurate";
        obj["optimizer"] = getPlanOptimizerName(optimizer);
      }
      if (failed(mergeIntoReport(op, report, std::move(sim),
                                 std::move(stageMemory))))
        return signalPassFailure();
    }
    bool deviceTimes = module->hasAttr(pp::pp::PPDialect::kDeviceAttrName);
    if (!trace.empty() &&
        failed(writeFile(op, "trace", trace, [&](llvm::raw_ostream &os) {
          sched::writeTrace(os, s, *result, deviceTimes);
        })))
      return signalPassFailure();
    if (!timeline.empty() &&
        failed(writeFile(op, "timeline", timeline, [&](llvm::raw_ostream &os) {
          sched::writeSvg(os, s, *result, deviceTimes);
        })))
      return signalPassFailure();
  }
  markAllAnalysesPreserved();
}
