//===- PartitionStages.cpp - The pp-partition-stages pass -----------------===//
//
// A thin adapter: builds a PartitionProblem from func @forward (OpCosts,
// ProblemBuilder), calls pp::partition::partition(), writes pp.stage on every
// op and pp.num_stages on the module, and reports the plan (PlanReport).
//
//===----------------------------------------------------------------------===//

#include "PlanReport.h"
#include "ProblemBuilder.h"
#include "StageOptions.h"

#include "pp/Support/OutputFiles.h"
#include "pp/Transforms/PartitionPasses.h"
#include "pp/Transforms/PlanDefaults.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

namespace pp {
#define GEN_PASS_DEF_PPPARTITIONSTAGES
#include "pp/Transforms/PartitionPasses.h.inc"
} // namespace pp

using namespace mlir;

namespace pp {
namespace {

/// "1.05 MiB (1097728 bytes)".
std::string describeBytes(double n) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double scaled = n;
  int u = 0;
  while (scaled >= 1024 && u < 4) {
    scaled /= 1024;
    ++u;
  }
  return llvm::formatv("{0:F2} {1} ({2:F0} bytes)", scaled, units[u], n).str();
}

struct PartitionStagesPass : impl::PPPartitionStagesBase<PartitionStagesPass> {
  using PPPartitionStagesBase::PPPartitionStagesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("forward");
    if (!func || func.isExternal()) {
      module.emitError("pp-partition-stages: no func.func @forward with a "
                       "body to partition");
      return signalPassFailure();
    }
    if (failed(partitionFunction(module, func)))
      signalPassFailure();
  }

  LogicalResult partitionFunction(ModuleOp module, func::FuncOp func) {
    auto fail = [&](const Twine &message) {
      return func.emitError() << "pp-partition-stages: " << message;
    };
    auto failWith = [&](llvm::Error error) {
      return fail(llvm::toString(std::move(error)));
    };

    if (numStages == 0)
      return fail("option 'num-stages': must be at least 1");
    if (virtualStages == 0)
      return fail("option 'virtual-stages': must be at least 1");
    unsigned pieces = numStages * virtualStages;
    partition::PartitionOptions options;
    options.numStages = pieces;
    options.microbatches = microbatches ? microbatches : numStages;
    std::string scheduleName = sched::kindName(schedule).str();
    options.method = this->method;
    options.granularity = this->granularity;
    auto inFlight = getInFlight(scheduleName, numStages, options.microbatches,
                                virtualStages);
    if (!inFlight)
      return failWith(inFlight.takeError());
    options.inFlight = *inFlight;
    options.recompute = recompute;
    if (virtualStages > 1 && !memoryLimit.empty())
      return fail("option 'memory-limit': not supported with "
                  "virtual-stages > 1 (a stage's memory is the sum of its "
                  "chunks, which are not contiguous in the cut)");
    std::string deviceName = resolvePlanDevice(device, module, defaultDevice);
    auto profile = device::resolveDeviceProfile(deviceName);
    if (!profile)
      return fail("option 'device': " + llvm::toString(profile.takeError()));
    if (memoryLimit == "device") {
      if (profile->memoryCapacity <= 0)
        return fail("option 'memory-limit': device '" + profile->name +
                    "' states no memory capacity");
      options.memoryLimit = profile->memoryCapacity;
    } else if (!memoryLimit.empty()) {
      auto limit = parseByteSize(memoryLimit);
      if (!limit)
        return failWith(limit.takeError());
      options.memoryLimit = *limit;
    }

    FailureOr<FunctionCosts> costs = FunctionCosts::compute(func, *profile);
    if (failed(costs))
      return failure();
    if (costs->getNodes().empty())
      return fail("@" + func.getSymName() + " has no compute ops to partition");
    StageGraph graph = buildStageGraph(std::move(*costs), *profile, layerLevel);

    llvm::Expected<partition::Partition> plan =
        partition::partition(graph.problem, options);
    if (!plan) {
      std::string message;
      llvm::handleAllErrors(
          plan.takeError(),
          [&](const partition::InfeasibleMemoryError &e) {
            message = llvm::formatv(
                "no cut into {0} stages fits memory-limit={1} per device; "
                "the smallest limit that fits is {2}",
                numStages.getValue(), describeBytes(e.getMemoryLimit()),
                describeBytes(e.getMinimumFeasibleMemory()));
          },
          [&](const llvm::ErrorInfoBase &e) {
            message = e.message();
            if (llvm::StringRef(message).starts_with("partition: "))
              message = message.substr(11);
            // The library cuts virtual stages; name the options that made
            // their count.
            if (virtualStages > 1 &&
                llvm::StringRef(message).starts_with("num-stages ("))
              message = "num-stages * virtual-stages" + message.substr(10);
          });
      return fail("cannot cut @" + func.getSymName() + " into " +
                  Twine(numStages.getValue()) + " stages" +
                  (virtualStages > 1
                       ? " of " + Twine(virtualStages.getValue()) + " chunks"
                       : Twine()) +
                  ": " + message);
    }

    annotate(module, func, graph, *plan);
    recordPlanDevice(module, deviceName);
    Builder b(module.getContext());
    module->setAttr(::pp::pp::PPDialect::kNumStagesAttrName,
                    b.getI64IntegerAttr(numStages));
    if (virtualStages > 1)
      module->setAttr(::pp::pp::PPDialect::kVirtualStagesAttrName,
                      b.getI64IntegerAttr(virtualStages));
    else
      module->removeAttr(::pp::pp::PPDialect::kVirtualStagesAttrName);

    std::string report = this->report;
    if (!report.empty()) {
      PlanSettings settings{func.getSymName().str(),
                            getMethodName(this->method).str(),
                            getGranularityName(this->granularity).str(),
                            profile->name,
                            scheduleName,
                            options.microbatches,
                            options.memoryLimit,
                            options.inFlight,
                            numStages,
                            virtualStages,
                            summarizeTraining(module, func)};
      if (report == "-") {
        printPlanTable(llvm::errs(), graph, *plan, settings);
      } else {
        llvm::Error e =
            ::pp::writeOutputFile(report, [&](llvm::raw_ostream &os) {
              os << llvm::formatv("{0:2}",
                                  buildPlanReport(graph, *plan, settings))
                 << "\n";
              return llvm::Error::success();
            });
        if (e)
          return fail("option 'report': " + llvm::toString(std::move(e)));
      }
    }
    return success();
  }

  /// pp.stage on every op of the function (its virtual stage).
  void annotate(ModuleOp module, func::FuncOp func, const StageGraph &graph,
                const partition::Partition &plan) {
    Builder b(module.getContext());
    auto stageAttr = [&](int64_t stage) { return b.getI64IntegerAttr(stage); };
    StringRef name = ::pp::pp::PPDialect::kStageAttrName;
    auto stageOfValue = [&](Value v) -> int64_t {
      int j = graph.costs.getNodeIndex(v.getDefiningOp());
      return j < 0 ? 0 : plan.stageOfNode[j];
    };
    for (Operation &op : func.getBody().getOps()) {
      int j = graph.costs.getNodeIndex(&op);
      int64_t stage = 0;
      if (j >= 0) {
        stage = plan.stageOfNode[j];
      } else if (op.hasTrait<OpTrait::IsTerminator>()) {
        for (Value v : op.getOperands())
          stage = std::max(stage, stageOfValue(v));
      } else {
        // Constants and parameter loads live with their first user.
        int first = -1;
        for (Operation *user : op.getUsers()) {
          int u = graph.costs.getNodeIndex(user);
          if (u >= 0 && (first < 0 || u < first))
            first = u;
        }
        stage = first < 0 ? 0 : plan.stageOfNode[first];
      }
      op.setAttr(name, stageAttr(stage));
    }
  }
};

} // namespace
} // namespace pp
