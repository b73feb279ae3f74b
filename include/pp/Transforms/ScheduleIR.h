//===- ScheduleIR.h - pp.schedule <-> pp::sched::Schedule -------*- C++ -*-===//
//
// The conversion between the op form of a schedule (`pp.schedule` holding one
// `pp.stage_actions` per stage) and the schedule library's `Schedule`, the
// cost model stored on the op, and the per-stage costs of a partitioned
// module. Shared by the schedule passes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_SCHEDULE_SCHEDULEIR_H
#define PP_LIB_TRANSFORMS_SCHEDULE_SCHEDULEIR_H

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
  /// Number of ops whose costs were counted.
  unsigned numOps = 0;
};

/// Sums the `pp.cost` of the ops of `module` per `pp.stage`: F, B and W
/// times and activation bytes; the output bytes of stage s are those of the
/// values produced on a stage <= s and used on a stage > s. Fails (with a
/// diagnostic) on an op whose stage is not below `numStages`.
llvm::FailureOr<ModuleStageCosts> computeModuleStageCosts(mlir::ModuleOp module,
                                                          int numStages);

/// Rewrites the schedule library's option spelling (`--microbatches 8`,
/// `--stages`) into the pass option spelling (`microbatches=8`,
/// `num-stages`).
std::string toPassOptionSpelling(llvm::StringRef message);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_SCHEDULE_SCHEDULEIR_H
