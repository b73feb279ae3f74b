//===- MemoryReport.h - pp-run --report: memory, measured and planned
//-*-C++-*-//
//
// After training, per stage the most bytes its buffer pool held at once
// (parameters, gradients, optimizer state, activations, workspace and
// communication buffers, as the stage's accounting counts them) next to
// the plan's prediction (the manifest's `memory`, docs/Memory.md) for the
// optimizer the run used, and the peak resident set size of this process
// for context.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_MEMORYREPORT_H
#define PP_TOOLS_PPRUN_MEMORYREPORT_H

#include "Driver.h"
#include "Options.h"

#include "pp/Runtime/Device.h"

#include <string>
#include <vector>

namespace pp::run {

/// Buffers of optimizer state per trainable parameter: AdamW 2, SGD with
/// momentum 1, SGD 0.
int optimizerStateCount(const rt::OptimizerOptions &optimizer);

/// Stage `stage`'s peak bytes the plan predicts (the manifest's `memory`)
/// for `optimizer`'s state; -1 when the program carries no plan for it.
double predictedPeakBytes(const rt::program::Manifest &manifest, uint32_t stage,
                          const rt::OptimizerOptions &optimizer);

/// Before any stage is made: an error when the peaks the plan predicts for
/// `stages` (those that share `device`) add up to more than the device has
/// free, naming each stage's peak, the device and what to do. Nothing to
/// check where the device does not say its memory or the program carries
/// no plan.
rt::Status checkPlanFitsDevice(const rt::program::Manifest &manifest,
                               const std::vector<uint32_t> &stages,
                               const rt::OptimizerOptions &optimizer,
                               const rt::Device &device);

/// The report as JSON text.
std::string formatMemoryReport(const rt::program::Manifest &manifest,
                               const std::vector<StageSummary> &stages,
                               const Options &opts);

/// Writes it to `opts.reportPath` whole or not at all.
rt::Status writeMemoryReport(const rt::program::Manifest &manifest,
                             const std::vector<StageSummary> &stages,
                             const Options &opts);

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_MEMORYREPORT_H
