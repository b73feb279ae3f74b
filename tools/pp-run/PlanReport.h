//===- PlanReport.h - pp-run --plan-report: measured vs planned -*- C++ -*-===//
//
// After training, the measured step time, bubble and activation memory of
// every stage next to what pp-simulate predicted for the plan (the
// manifest's `simulation`): where the cost model was right, and where the
// runtime adds what the plan did not count.
//
//   measured: the counted steps (the first left out as warm-up when there
//   are several); the step time of one step runs from the first stage's
//   first action to the last stage's last; a stage's busy time is the time
//   in its F, B and W runs, its bubble 1 - busy / step time; its peak is
//   the most its pool held at once over the run, against the memory plan's
//   prediction (docs/Memory.md).
//
//   replayed: the measured actions replayed through the schedule without
//   the runtime's waits (ProfileReplay.h); the measured step minus it is
//   the runtime's time between actions.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_PLANREPORT_H
#define PP_TOOLS_PPRUN_PLANREPORT_H

#include "Driver.h"

#include <string>

namespace pp::run {

/// The report, or a line saying why there is nothing to compare.
/// `optimizerStates`: the buffers per trainable parameter of the run's
/// optimizer (AdamW 2, momentum 1, SGD 0), for the memory prediction.
std::string formatPlanReport(int optimizerStates,
                             const rt::program::Manifest &manifest,
                             const std::vector<StageSummary> &stages);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_PLANREPORT_H
