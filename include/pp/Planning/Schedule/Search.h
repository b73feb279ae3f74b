//===- Search.h - Schedules built for the stages' real costs ----*- C++ -*-===//
//
// `search` builds a one-chunk schedule for the stages' actual F, B, W and
// transfer times under a memory limit per stage, in the spirit of the
// zero-bubble paper's automatic scheduler: it list-schedules (ready B
// first, then F within the in-flight limits, then the oldest W) under
// several in-flight limits that fit the memory, adds the hand-made orders
// that fit (1F1B, ZB-H1), simulates every candidate with the costs and
// keeps the fastest. `solveExactSchedule` finds the optimum of small cases
// with an integer program (GLPK), to check the heuristic against.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_SEARCH_H
#define PP_PLANNING_SCHEDULE_SEARCH_H

#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace pp::sched {

/// The microbatches stage `Stage` may hold from F to the end of W under
/// `Opts`' limits (MemoryLimit in microbatches, MemoryLimitBytes against
/// the stage's activation bytes per microbatch), at most m; at least 1
/// (a stage that cannot hold one microbatch makes `search` fail).
double stageCapacity(const ScheduleOptions &Opts, const CostModel &Costs,
                     int Stage);

struct SearchResult {
  Schedule Chosen; ///< compute-only
  double StepTime = 0;
  /// The busiest stage's work, m (F + B + W): no schedule is faster.
  double LowerBound = 0;
  int Candidates = 0;
  std::string Label; ///< the candidate chosen, e.g. "list H=4 P=s"
};

/// The fastest candidate that fits; an error naming the stage and the
/// memory it would need when none fits.
llvm::Expected<SearchResult> searchSchedule(const ScheduleOptions &Opts,
                                            const CostModel &Costs);

struct ExactResult {
  Schedule Best;   ///< compute-only, one chunk per stage
  double StepTime; ///< of Best, as the integer program computes it
  bool Optimal;    ///< false if the time limit stopped the solver first
  int Variables, Constraints;
};

/// The fastest one-chunk schedule with B and W split that runs each kind
/// (F, B, W) in microbatch order on every stage (as every hand-made
/// schedule does) under the per-stage capacities, by a mixed-integer
/// program solved with GLPK: start times, one binary per pair of actions
/// of different kinds on a stage, big-M disjunctions, makespan objective.
/// Small cases only (p * m up to about 24); `TimeLimitMs` bounds the solver.
llvm::Expected<ExactResult> solveExactSchedule(const ScheduleOptions &Opts,
                                               const CostModel &Costs,
                                               int TimeLimitMs = 60000);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_SEARCH_H
