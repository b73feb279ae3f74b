//===- OptionValues.h - The values of pp's enumerated options ---*- C++ -*-===//
//
// The enumerated options pp's passes share (the loss, the schedule, the
// partition method and granularity) and their cl::values, so that every pass
// and pp-pipeline accept and print the same names.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_OPTIONVALUES_H
#define PP_TRANSFORMS_OPTIONVALUES_H

#include "pp/Planning/Partition/Problem.h"
#include "pp/Planning/Schedule/Generators.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ErrorHandling.h"

namespace pp {

/// The loss pp-attach-loss attaches (`kind`); pp-pipeline's `loss` adds
/// None (no loss: inference).
enum class LossKind { CrossEntropy, MSE, Output, None };

/// The option value of `kind`, as pp.loss records it.
inline llvm::StringRef getLossName(LossKind kind) {
  switch (kind) {
  case LossKind::CrossEntropy:
    return "cross-entropy";
  case LossKind::MSE:
    return "mse";
  case LossKind::Output:
    return "output";
  case LossKind::None:
    return "none";
  }
  llvm_unreachable("unknown loss kind");
}

/// `kind` of pp-attach-loss; `loss` of pp-pipeline with `withNone`.
inline llvm::cl::ValuesClass getLossValues(bool withNone) {
  if (withNone)
    return llvm::cl::values(
        clEnumValN(LossKind::CrossEntropy, "cross-entropy",
                   "softmax cross-entropy against integer labels"),
        clEnumValN(LossKind::MSE, "mse", "mean squared error"),
        clEnumValN(LossKind::Output, "output", "the output is the loss"),
        clEnumValN(LossKind::None, "none",
                   "no loss: plan (and export) inference"));
  return llvm::cl::values(
      clEnumValN(LossKind::CrossEntropy, "cross-entropy",
                 "softmax cross-entropy against integer labels"),
      clEnumValN(LossKind::MSE, "mse", "mean squared error"),
      clEnumValN(LossKind::Output, "output", "the output is the loss"));
}

/// `schedule` of pp-schedule, pp-partition-stages and pp-pipeline (the stage
/// cut refuses auto, which pp-pipeline resolves before it).
inline llvm::cl::ValuesClass getScheduleValues() {
  using sched::ScheduleKind;
  return llvm::cl::values(
      clEnumValN(ScheduleKind::GPipe, "gpipe", "GPipe"),
      clEnumValN(ScheduleKind::OneFOneB, "1f1b", "1F1B"),
      clEnumValN(ScheduleKind::Interleaved1F1B, "interleaved-1f1b",
                 "interleaved 1F1B (virtual-stages chunks per stage)"),
      clEnumValN(ScheduleKind::Interleaved1F1B, "interleaved",
                 "the same as interleaved-1f1b"),
      clEnumValN(ScheduleKind::ZBH1, "zb-h1", "zero bubble H1"),
      clEnumValN(ScheduleKind::ZBH2, "zb-h2", "zero bubble H2"),
      clEnumValN(ScheduleKind::ZBV, "zb-v",
                 "zero bubble V (2 chunks per stage)"),
      clEnumValN(ScheduleKind::DualPipeV, "dualpipev",
                 "DualPipeV (2 chunks per stage)"),
      clEnumValN(ScheduleKind::Search, "search",
                 "searched for the stages' costs"),
      clEnumValN(ScheduleKind::Auto, "auto", "the fastest one-chunk schedule"));
}

/// `method`: optimal, uniform or parameters.
inline llvm::cl::ValuesClass getMethodValues() {
  return llvm::cl::values(
      clEnumValN(partition::Method::Optimal, "optimal",
                 "the fastest slowest stage within the memory limit"),
      clEnumValN(partition::Method::Uniform, "uniform",
                 "the same number of blocks per stage"),
      clEnumValN(partition::Method::Parameters, "parameters",
                 "the same parameter bytes per stage"));
}

/// `granularity`: op or layer.
inline llvm::cl::ValuesClass getGranularityValues() {
  return llvm::cl::values(
      clEnumValN(partition::Granularity::Op, "op", "between any two ops"),
      clEnumValN(partition::Granularity::Layer, "layer",
                 "only between blocks (layer-level)"));
}

/// pp-recompute's `policy` and pp-pipeline's `recompute` (docs/Memory.md).
enum class RecomputePolicy { None, Selective, Full, Auto };

inline llvm::StringRef getRecomputePolicyName(RecomputePolicy policy) {
  switch (policy) {
  case RecomputePolicy::None:
    return "none";
  case RecomputePolicy::Selective:
    return "selective";
  case RecomputePolicy::Full:
    return "full";
  case RecomputePolicy::Auto:
    return "auto";
  }
  llvm_unreachable("unknown recomputation policy");
}

inline llvm::cl::ValuesClass getRecomputePolicyValues() {
  return llvm::cl::values(
      clEnumValN(RecomputePolicy::None, "none", "keep every activation"),
      clEnumValN(RecomputePolicy::Selective, "selective",
                 "recompute what costs least per byte, within a budget"),
      clEnumValN(RecomputePolicy::Full, "full",
                 "keep each chunk's inputs, recompute its forward in B"),
      clEnumValN(RecomputePolicy::Auto, "auto",
                 "recompute what a memory limit needs, per stage"));
}

/// The optimizer whose state the memory plan counts (`optimizer` of
/// pp-recompute, pp-schedule, pp-simulate, pp-fit-memory, pp-pipeline).
enum class PlanOptimizer { AdamW, Momentum, SGD };

/// Its state buffers per trainable parameter.
inline int getOptimizerStateCount(PlanOptimizer optimizer) {
  return optimizer == PlanOptimizer::AdamW      ? 2
         : optimizer == PlanOptimizer::Momentum ? 1
                                                : 0;
}

inline llvm::StringRef getPlanOptimizerName(PlanOptimizer optimizer) {
  switch (optimizer) {
  case PlanOptimizer::AdamW:
    return "adamw";
  case PlanOptimizer::Momentum:
    return "momentum";
  case PlanOptimizer::SGD:
    return "sgd";
  }
  llvm_unreachable("unknown optimizer");
}

inline llvm::cl::ValuesClass getPlanOptimizerValues() {
  return llvm::cl::values(
      clEnumValN(PlanOptimizer::AdamW, "adamw", "two moments per parameter"),
      clEnumValN(PlanOptimizer::Momentum, "momentum",
                 "SGD with momentum: one buffer per parameter"),
      clEnumValN(PlanOptimizer::SGD, "sgd", "no state"));
}

/// pp-outline-stages' `placement` of a cut into chunks.
enum class OutlinePlacement { Schedule, Loop, V };

inline llvm::cl::ValuesClass getOutlinePlacementValues() {
  return llvm::cl::values(
      clEnumValN(OutlinePlacement::Schedule, "schedule",
                 "the module's pp.schedule's"),
      clEnumValN(OutlinePlacement::Loop, "loop",
                 "virtual stage k on stage k mod p"),
      clEnumValN(OutlinePlacement::V, "v", "ZB-V's and DualPipeV's V"));
}

} // namespace pp

#endif // PP_TRANSFORMS_OPTIONVALUES_H
