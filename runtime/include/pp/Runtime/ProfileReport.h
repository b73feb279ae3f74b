//===- ProfileReport.h - Where a training step's time goes ------*- C++ -*-===//
//
// Aggregates a profiler's events (Profiler.h) per op, per function role and
// for the optimizer, over the measured steps: every step recorded but the
// first (warm-up: first-touch page faults, BLAS buffers, scratch allocated
// on first use) when there are several, else the one step. `formatProfile`
// writes pp-run's --profile table, and `formatMemoryPeaks` the section on
// the stage's memory that follows it.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PROFILEREPORT_H
#define PP_RUNTIME_PROFILEREPORT_H

#include "pp/Runtime/BufferPool.h"
#include "pp/Runtime/Profiler.h"

#include <string>
#include <vector>

namespace pp::rt {

/// Calls and time of one row of the table.
struct ProfileRow {
  std::string name; // "nn.gemm", "optimizer step", "F"
  int64_t calls = 0;
  double seconds = 0;
  /// Operations of all calls (products and convolutions); 0 otherwise.
  double flops = 0;
};

struct ProfileSummary {
  /// The steps counted: firstStep..lastStep (0 and 0 when none ran).
  int64_t firstStep = 0, lastStep = 0;
  /// Whether the first step recorded (firstStep - 1) was left out as
  /// warm-up.
  bool warmUpExcluded = false;
  /// The counted steps' wall time, all of it.
  double stepSeconds = 0;
  /// One row per op, by decreasing time (ties by name).
  std::vector<ProfileRow> ops;
  /// The optimizer updates.
  ProfileRow optimizer;
  /// A pipeline stage's sends, receives and tied-gradient reductions, the
  /// time spent waiting for the peer included.
  ProfileRow communication;
  /// Step time in no kernel, outside the optimizer and communication:
  /// allocation, views,
  /// the routing of ports between functions, gradient accumulation.
  double otherSeconds = 0;
  /// F, B and W runs (named "F", "B", "W"), those that ran.
  std::vector<ProfileRow> roles;

  int64_t steps() const { return firstStep ? lastStep - firstStep + 1 : 0; }
};

/// The summary of `profiler`'s step, function, kernel and optimizer events.
ProfileSummary summarizeProfile(const Profiler &profiler);

/// The table pp-run --profile prints: a header naming the steps counted,
/// one line per op (calls, total ms, share of the step time, mean us,
/// GFLOP/s for products), the optimizer, the rest, then one line per role.
std::string formatProfile(const ProfileSummary &summary);

/// The "peak memory" section of pp-run --profile: a header, then for each
/// memory kind that held anything the most it held at once, and the peak
/// of the total (which is not the sum of the kinds' peaks: they need not
/// coincide), in B, KiB, MiB or GiB.
std::string formatMemoryPeaks(const MemoryStats &stats);

/// `bytes` in the largest binary unit that keeps it at least 1 ("512 B",
/// "1.5 KiB", "12.3 MiB", "2.00 GiB").
std::string formatBytes(int64_t bytes);

/// "F", "B", "W" for forward, backward-input and backward-weight; "?"
/// otherwise.
const char *roleMnemonic(program::FunctionRole role);

} // namespace pp::rt

#endif // PP_RUNTIME_PROFILEREPORT_H
