//===- PlanReport.h - The stage plan as JSON and as a table -----*- C++ -*-===//
//
// The schema is documented in docs/PlanReport.md; keep the two in step.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_PARTITION_PLANREPORT_H
#define PP_LIB_TRANSFORMS_PARTITION_PLANREPORT_H

#include "ProblemBuilder.h"

#include "pp/Planning/Partition/Partition.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>

namespace pp {

/// What a training step trains: its parameters, and the initializers
/// pp-attach-loss froze (pp.frozen) with the reason.
struct TrainingSummary {
  int64_t trainedParameters = 0, trainedElements = 0;
  std::vector<std::pair<std::string, std::string>> frozen;
};

/// The summary of `func`'s module when it has a loss (pp.loss), else none.
std::optional<TrainingSummary> summarizeTraining(mlir::ModuleOp module,
                                                 mlir::func::FuncOp func);

/// What the plan was made for, as the options spelled it.
struct PlanSettings {
  std::string function;
  std::string method, granularity, device, schedule;
  unsigned microbatches = 0;
  double memoryLimit = 0; ///< 0: none
  std::vector<double> inFlight;
  /// Stages (devices) and chunks per stage: the plan's stages are the
  /// numStages * virtualStages virtual stages.
  unsigned numStages = 1, virtualStages = 1;
  std::optional<TrainingSummary> training;
};

llvm::json::Value buildPlanReport(const StageGraph &graph,
                                  const partition::Partition &plan,
                                  const PlanSettings &settings);

void printPlanTable(llvm::raw_ostream &os, const StageGraph &graph,
                    const partition::Partition &plan,
                    const PlanSettings &settings);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_PARTITION_PLANREPORT_H
