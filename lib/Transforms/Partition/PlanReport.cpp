//===- PlanReport.cpp - The stage plan as JSON and as a table -------------===//

#include "PlanReport.h"
#include "StageOptions.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Support/Format.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"

#include "llvm/Support/FormatVariadic.h"

using llvm::json::Array;
using llvm::json::Object;

namespace pp {

/// Version of the report's schema (docs/PlanReport.md).
static constexpr int64_t kPlanReportVersion = 1;

/// Names of the repeated blocks with at least one node in [begin, end).
static std::vector<std::string> blocksOf(const StageGraph &graph,
                                         unsigned begin, unsigned end) {
  std::vector<std::string> blocks;
  int64_t last = -1;
  for (unsigned i = begin; i < end; ++i) {
    int64_t unit = graph.layers.unitOfNode[i];
    if (!graph.layers.inBlock[i] || unit == last)
      continue;
    last = unit;
    const std::string &name = graph.layers.unitNames[unit];
    if (!llvm::is_contained(blocks, name))
      blocks.push_back(name);
  }
  return blocks;
}

static Array transfers(const StageGraph &graph,
                       const std::vector<partition::Transfer> &list) {
  Array out;
  for (const partition::Transfer &t : list)
    out.push_back(Object{{"tensor", graph.problem.tensors[t.tensor].name},
                         {"bytes", t.bytes},
                         {"peer", (int64_t)t.peer},
                         {"relayed", t.relayed}});
  return out;
}

std::optional<TrainingSummary> summarizeTraining(mlir::ModuleOp module,
                                                 mlir::func::FuncOp func) {
  using namespace mlir;
  if (!module->hasAttr(::pp::pp::PPDialect::kLossAttrName))
    return std::nullopt;
  llvm::DenseSet<StringAttr> statistics, read;
  func.walk([&](nn::BatchNormOp norm) {
    for (Value statistic : {norm.getMean(), norm.getVar()})
      if (auto load = statistic.getDefiningOp<ml_program::GlobalLoadOp>())
        statistics.insert(load.getGlobalAttr().getRootReference());
  });
  func.walk([&](Operation *op) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
      read.insert(load.getGlobalAttr().getRootReference());
    else if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
      read.insert(load.getGlobalAttr().getRootReference());
  });
  TrainingSummary summary;
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    if (!read.contains(global.getSymNameAttr()))
      continue;
    if (auto reason = global->getAttrOfType<StringAttr>(
            ::pp::pp::PPDialect::kFrozenAttrName)) {
      StringRef name = global.getSymName();
      if (auto external =
              dyn_cast_or_null<nn::ExternalDataAttr>(global.getValueAttr()))
        name = external.getKey().getValue();
      summary.frozen.emplace_back(name.str(), reason.getValue().str());
      continue;
    }
    auto type = cast<ShapedType>(global.getType());
    if (global.getIsMutable() && nn::isDifferentiableType(type) &&
        !statistics.contains(global.getSymNameAttr())) {
      ++summary.trainedParameters;
      summary.trainedElements += type.getNumElements();
    }
  }
  return summary;
}

llvm::json::Value buildPlanReport(const StageGraph &graph,
                                  const partition::Partition &plan,
                                  const PlanSettings &settings) {
  const partition::PartitionProblem &problem = graph.problem;
  Array stages;
  double totalCompute = 0;
  for (unsigned i = 0; i < plan.stages.size(); ++i) {
    const partition::StageReport &s = plan.stages[i];
    totalCompute += s.computeTime();
    Array ops, params, tied;
    for (unsigned n = s.begin; n < s.end; ++n)
      ops.push_back(problem.nodes[n].name);
    for (unsigned p : s.ownedParams)
      params.push_back(problem.params[p].name);
    for (const partition::TiedUse &use : s.tiedUses)
      tied.push_back(Object{{"name", problem.params[use.param].name},
                            {"owner", (int64_t)use.owner},
                            {"bytes", use.bytes}});
    std::vector<std::string> blocks = blocksOf(graph, s.begin, s.end);
    Array blockNames;
    for (std::string &b : blocks)
      blockNames.push_back(std::move(b));
    Object stage{
        {"stage", (int64_t)i},
        {"ops", std::move(ops)},
        {"num_ops", (int64_t)(s.end - s.begin)},
        {"blocks", std::move(blockNames)},
        {"num_blocks", (int64_t)blocks.size()},
        {"forward_time", s.forward},
        {"backward_input_time", s.backwardInput},
        {"backward_weight_time", s.backwardWeight},
        {"communication_time", s.activationCommTime},
        {"tied_reduce_time", s.tiedReduceTime},
        {"time", s.time},
        {"parameters", std::move(params)},
        {"parameter_bytes", s.ownedParamBytes},
        {"tied_parameters", std::move(tied)},
        {"activation_bytes", s.activationBytes},
        {"in_flight", s.inFlight},
        {"peak_memory", s.peakMemory},
        {"receives", transfers(graph, s.received)},
        {"sends", transfers(graph, s.sent)},
    };
    if (settings.virtualStages > 1) {
      // The plan's stages are virtual stages; say where each runs.
      stage["virtual_stage"] = (int64_t)i;
      stage["stage"] = (int64_t)stageOfVirtualStage(
          settings.schedule, i, settings.numStages, settings.virtualStages);
      stage["chunk"] = (int64_t)(i / settings.numStages);
    }
    stages.push_back(std::move(stage));
  }
  Array inFlight;
  for (double f : settings.inFlight)
    inFlight.push_back(f);
  llvm::json::Value training = nullptr;
  if (settings.training) {
    Array frozen;
    for (const auto &[name, reason] : settings.training->frozen)
      frozen.push_back(Object{{"name", name}, {"reason", reason}});
    training =
        Object{{"trained_parameters", settings.training->trainedParameters},
               {"trained_elements", settings.training->trainedElements},
               {"frozen", std::move(frozen)}};
  }
  return Object{
      {"format", "pp-plan"},
      {"training", std::move(training)},
      {"version", kPlanReportVersion},
      {"function", settings.function},
      {"num_stages", (int64_t)settings.numStages},
      {"virtual_stages", (int64_t)settings.virtualStages},
      {"method", settings.method},
      {"granularity", settings.granularity},
      {"device", settings.device},
      {"microbatches", (int64_t)settings.microbatches},
      {"schedule",
       Object{{"kind", settings.schedule}, {"in_flight", std::move(inFlight)}}},
      {"memory_limit", settings.memoryLimit > 0
                           ? llvm::json::Value(settings.memoryLimit)
                           : llvm::json::Value(nullptr)},
      {"fits_memory", plan.fitsMemory},
      {"link", Object{{"bandwidth", problem.link.bandwidth},
                      {"latency", problem.link.latency}}},
      {"bottleneck_time", plan.bottleneck},
      {"lower_bound_time", plan.lowerBound},
      {"total_compute_time", totalCompute},
      {"stages", std::move(stages)},
  };
}

void printPlanTable(llvm::raw_ostream &os, const StageGraph &graph,
                    const partition::Partition &plan,
                    const PlanSettings &settings) {
  const partition::PartitionProblem &problem = graph.problem;
  os << llvm::formatv("plan of @{0}: {1} stages, method {2}, granularity {3}, "
                      "device {4}, schedule {5}, {6} microbatches",
                      settings.function, settings.numStages, settings.method,
                      settings.granularity, settings.device, settings.schedule,
                      settings.microbatches);
  if (settings.virtualStages > 1)
    os << llvm::formatv(", {0} chunks per stage: the rows are the {1} "
                        "virtual stages",
                        settings.virtualStages, plan.stages.size());
  os << "\n";
  if (settings.training) {
    const TrainingSummary &t = *settings.training;
    os << llvm::formatv("trained: {0} parameters, {1} elements; frozen:",
                        t.trainedParameters, t.trainedElements);
    if (t.frozen.empty())
      os << " none";
    for (const auto &[name, reason] : t.frozen)
      os << " " << name << " (" << reason << ")"
         << (&name == &t.frozen.back().first ? "" : ",");
    os << "\n";
  }
  os << llvm::formatv("{0,5} {1,6} {2,6} {3,11} {4,10} {5,10} {6,10} {7,10} "
                      "{8,10} {9,11} {10,6} {11,11}\n",
                      "stage", "ops", "blocks", "params", "F", "B", "W", "comm",
                      "time", "act/mb", "flight", "mem est");
  for (unsigned i = 0; i < plan.stages.size(); ++i) {
    const partition::StageReport &s = plan.stages[i];
    os << llvm::formatv(
        "{0,5} {1,6} {2,6} {3,11} {4,10} {5,10} {6,10} {7,10} {8,10} {9,11} "
        "{10,6} {11,11}{12}\n",
        i, s.end - s.begin, blocksOf(graph, s.begin, s.end).size(),
        formatBytes(s.ownedParamBytes), formatSeconds(s.forward),
        formatSeconds(s.backwardInput), formatSeconds(s.backwardWeight),
        formatSeconds(s.activationCommTime + s.tiedReduceTime),
        formatSeconds(s.time), formatBytes(s.activationBytes), s.inFlight,
        formatBytes(s.peakMemory),
        s.time == plan.bottleneck ? "  <- bottleneck" : "");
  }
  os << llvm::formatv("bottleneck {0} per microbatch; lower bound {1} "
                      "(max(total / p, heaviest unit)); mem est: the cut's "
                      "memory estimate (the simulation's peak memory is the "
                      "prediction)\n",
                      formatSeconds(plan.bottleneck),
                      formatSeconds(plan.lowerBound));
  if (settings.memoryLimit > 0)
    os << llvm::formatv("memory limit {0} per device: {1}\n",
                        formatBytes(settings.memoryLimit),
                        plan.fitsMemory ? "fits" : "exceeded");
  for (unsigned i = 0; i < plan.stages.size(); ++i) {
    const partition::StageReport &s = plan.stages[i];
    if (settings.virtualStages > 1)
      os << llvm::formatv(
          "virtual stage {0} (on stage {1}): {2} .. {3}\n", i,
          stageOfVirtualStage(settings.schedule, i, settings.numStages,
                              settings.virtualStages),
          problem.nodes[s.begin].name, problem.nodes[s.end - 1].name);
    else
      os << llvm::formatv("stage {0}: {1} .. {2}\n", i,
                          problem.nodes[s.begin].name,
                          problem.nodes[s.end - 1].name);
    const char *peer = settings.virtualStages > 1 ? "virtual stage" : "stage";
    for (const partition::Transfer &t : s.received)
      os << llvm::formatv("  recv {0} ({1}) from {2} {3}{4}\n",
                          problem.tensors[t.tensor].name, formatBytes(t.bytes),
                          peer, t.peer, t.relayed ? ", relayed" : "");
    for (const partition::Transfer &t : s.sent)
      os << llvm::formatv("  send {0} ({1}) to {2} {3}{4}\n",
                          problem.tensors[t.tensor].name, formatBytes(t.bytes),
                          peer, t.peer, t.relayed ? ", relayed" : "");
    for (const partition::TiedUse &use : s.tiedUses)
      os << llvm::formatv("  tied {0} ({1}) owned by stage {2}\n",
                          problem.params[use.param].name,
                          formatBytes(use.bytes), use.owner);
  }
}

} // namespace pp
