//===- ScheduleIR.h - pp.schedule <-> pp::sched::Schedule -------*- C++ -*-===//
//
// The conversion between the op form of a schedule (`pp.schedule` holding one
// `pp.stage_actions` per stage) and the schedule library's `Schedule`, the
// cost model stored on the op, and the per-stage costs of a partitioned
// module. Shared by the schedule passes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_SCHEDULEIR_H
#define PP_TRANSFORMS_SCHEDULEIR_H

#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace pp {

/// The library form of `op`. Expects a verified op.
sched::Schedule toSchedule(pp::ScheduleOp op);

/// Builds the op form of `schedule` at the builder's insertion point.
/// `costs` and `selection` become the op's attributes when non-null.
pp::ScheduleOp buildScheduleOp(mlir::OpBuilder &builder, mlir::Location loc,
                               const sched::Schedule &schedule,
                               mlir::DictionaryAttr costs = {},
                               mlir::DictionaryAttr selection = {});

/// Replaces the action lists of `op` with those of `schedule` (same stage
/// count), keeping the op and its attributes.
void replaceActions(pp::ScheduleOp op, const sched::Schedule &schedule);

/// The op of action `index` of stage `stage`, or the stage's
/// `pp.stage_actions` when `index` is negative or past the end.
mlir::Operation *getActionOp(pp::ScheduleOp op, int stage, int index);

/// The costs stored on `op`, or std::nullopt if it has none.
std::optional<sched::CostModel> getCostModel(pp::ScheduleOp op);

/// The `costs` dictionary of a cost model with `numStages` stages.
mlir::DictionaryAttr buildCostsAttr(mlir::MLIRContext *context,
                                    const sched::CostModel &costs,
                                    int numStages);

/// Checks `op` with the schedule library's verifier. On failure emits an
/// error at the offending action op (or at the stage's list when an action
/// is missing), prefixed with `prefix`, and fails.
llvm::LogicalResult verifyScheduleOp(pp::ScheduleOp op,
                                     llvm::StringRef prefix = "");

/// Per-stage costs of a partitioned module.
struct ModuleStageCosts {
  sched::CostModel costs;
  /// Whether any op carried `pp.cost`; if not, `costs` is uniform.
  bool fromOps = false;
  /// Whether any op carried `pp.stage` (the module is partitioned).
  bool partitioned = false;
  /// Chunks per stage of the cut (`pp.virtual_stages`, 1 without).
  int chunks = 1;
  /// Number of ops whose costs were counted.
  unsigned numOps = 0;
};

/// Sums the `pp.cost` of the ops of `module` per `pp.stage` (the virtual
/// stage when the module records `pp.virtual_stages`): F, B and W times
/// and activation bytes; the output bytes of virtual stage k are those of
/// the values produced on a virtual stage <= k and used on one > k (the
/// return's operands excepted: each virtual stage returns its own outputs).
/// With several chunks per stage the sums fill `costs.Virtual`. Fails (with
/// a diagnostic) on an op whose stage is not below the virtual stage count.
llvm::FailureOr<ModuleStageCosts> computeModuleStageCosts(mlir::ModuleOp module,
                                                          int numStages);

/// The virtual stages that share each trainable parameter of a partitioned
/// module: for every mutable float global read by ops on several virtual
/// stages, the sorted list of those stages.
std::vector<std::vector<int>> computeTiedGroups(mlir::ModuleOp module);
/// The same groups with the bytes of each shared parameter (what a TR
/// all-reduces), one entry per parameter.
std::vector<sched::TiedParameters> computeTiedParameters(mlir::ModuleOp module);

/// Rewrites the schedule library's option spelling (`--microbatches 8`,
/// `--stages`) into the pass option spelling (`microbatches=8`,
/// `num-stages`).
std::string toPassOptionSpelling(llvm::StringRef message);

} // namespace pp

#endif // PP_TRANSFORMS_SCHEDULEIR_H
