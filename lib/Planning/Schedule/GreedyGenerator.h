//===- GreedyGenerator.h - The zero-bubble family (internal) ----*- C++ -*-===//

#ifndef PP_LIB_PLANNING_SCHEDULE_GREEDYGENERATOR_H
#define PP_LIB_PLANNING_SCHEDULE_GREEDYGENERATOR_H

#include "pp/Planning/Schedule/Generators.h"

namespace pp::sched {

/// Memory bounds of the greedy list scheduler, per stage, in chunks.
struct GreedyLimits {
  /// Most chunks whose F has started and whose B has not finished.
  std::vector<int> PendingBackward;
  /// Most chunks whose F has started and whose W has not finished.
  std::vector<int> Held;
};

/// The limits zb-h1, zb-h2 and zb-v use (see docs/Schedules.md).
GreedyLimits zeroBubbleLimits(ScheduleKind Kind, int NumStages, int NumChunks);

/// Builds compute-only lists by list scheduling against the costs
/// (Opts.Costs, or F = B = W = 1): whenever a stage is free it runs a ready
/// B (the critical path), else a ready F if the limits allow it, else the
/// oldest pending W, else waits for the next arrival.
llvm::Expected<Schedule> makeGreedy(const ScheduleOptions &Opts, int NumChunks,
                                    Placement Place,
                                    const GreedyLimits &Limits);

/// DeepSeek's DualPipeV order (DualPipeV.cpp); needs m >= 2p.
llvm::Expected<Schedule> makeDualPipeV(const ScheduleOptions &Opts);

/// makeGreedy with zeroBubbleLimits(Opts.Kind, ...).
llvm::Expected<Schedule> makeZeroBubble(const ScheduleOptions &Opts,
                                        int NumChunks, Placement Place);

} // namespace pp::sched

#endif // PP_LIB_PLANNING_SCHEDULE_GREEDYGENERATOR_H
