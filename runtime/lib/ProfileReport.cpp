//===- ProfileReport.cpp - Where a training step's time goes --------------===//
//
// Sums the events of the counted steps per op and per role, and prints them
// as a fixed-width table.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/ProfileReport.h"

#include <algorithm>
#include <cstdio>
#include <map>

using namespace pp::rt;

const char *pp::rt::roleMnemonic(program::FunctionRole role) {
  switch (role) {
  case program::FORWARD:
    return "F";
  case program::BACKWARD_INPUT:
    return "B";
  case program::BACKWARD_WEIGHT:
    return "W";
  default:
    return "?";
  }
}

ProfileSummary pp::rt::summarizeProfile(const Profiler &profiler) {
  ProfileSummary summary;
  // Steps are numbered by the trainer: profiling may start after step 1.
  int64_t firstRecorded = 0;
  for (const ProfileEvent &e : profiler.events())
    if (e.kind == ProfileEvent::Kind::Step) {
      summary.lastStep = std::max(summary.lastStep, e.step);
      firstRecorded = firstRecorded ? std::min(firstRecorded, e.step) : e.step;
    }
  if (summary.lastStep) {
    summary.warmUpExcluded = summary.lastStep > firstRecorded;
    summary.firstStep = firstRecorded + (summary.warmUpExcluded ? 1 : 0);
  }
  // Without steps (a profiled inference or a bare runner) every event
  // counts, and the step time is that of the runs and updates.
  auto counted = [&](const ProfileEvent &e) {
    return !summary.lastStep ||
           (e.step >= summary.firstStep && e.step <= summary.lastStep);
  };

  std::map<std::string, ProfileRow> ops;
  std::map<program::FunctionRole, ProfileRow> roles;
  summary.optimizer.name = "optimizer step";
  summary.communication.name = "send, receive, reduce (waits included)";
  double kernelSeconds = 0, runSeconds = 0;
  for (const ProfileEvent &e : profiler.events()) {
    if (!counted(e))
      continue;
    ProfileRow *row = nullptr;
    switch (e.kind) {
    case ProfileEvent::Kind::Step:
      summary.stepSeconds += e.seconds();
      continue;
    case ProfileEvent::Kind::Kernel: {
      const ProfiledKernel &kernel = profiler.kernels().at(e.kernel);
      row = &ops[kernel.op];
      row->name = kernel.op;
      row->flops += kernel.flops;
      kernelSeconds += e.seconds();
      break;
    }
    case ProfileEvent::Kind::Function:
      row = &roles[e.role];
      row->name = roleMnemonic(e.role);
      runSeconds += e.seconds();
      break;
    case ProfileEvent::Kind::Optimizer:
      row = &summary.optimizer;
      runSeconds += e.seconds();
      break;
    case ProfileEvent::Kind::Action:
      // A fused backward's time is in its B and W runs.
      if (e.action == program::Action::BACKWARD)
        continue;
      row = &summary.communication;
      break;
    }
    ++row->calls;
    row->seconds += e.seconds();
  }
  if (!summary.lastStep)
    summary.stepSeconds = runSeconds;
  summary.otherSeconds = std::max(0.0, summary.stepSeconds - kernelSeconds -
                                           summary.optimizer.seconds -
                                           summary.communication.seconds);

  for (auto &entry : ops)
    summary.ops.push_back(entry.second);
  std::stable_sort(summary.ops.begin(), summary.ops.end(),
                   [](const ProfileRow &a, const ProfileRow &b) {
                     return a.seconds > b.seconds;
                   });
  for (program::FunctionRole role :
       {program::FORWARD, program::BACKWARD_INPUT, program::BACKWARD_WEIGHT})
    if (roles.count(role))
      summary.roles.push_back(roles[role]);
  return summary;
}

namespace {

/// printf into a std::string.
template <typename... Args> std::string format(const char *fmt, Args... args) {
  char text[256];
  std::snprintf(text, sizeof(text), fmt, args...);
  return text;
}

/// One table line: name, calls, total ms, share, mean us and GFLOP/s (the
/// last blank without operations, the numbers blank without calls).
std::string formatRow(const ProfileRow &row, int nameWidth, double stepSeconds,
                      bool withCalls) {
  std::string line = format("%-*s", nameWidth, row.name.c_str());
  line +=
      withCalls ? format(" %8lld", (long long)row.calls) : format(" %8s", "");
  line += format(" %10.3f", row.seconds * 1e3);
  line += stepSeconds > 0 ? format(" %6.1f%%", 100 * row.seconds / stepSeconds)
                          : format(" %7s", "-");
  if (withCalls && row.calls)
    line += format(" %10.2f", row.seconds * 1e6 / double(row.calls));
  else
    line += format(" %10s", "");
  if (row.flops > 0 && row.seconds > 0)
    line += format(" %9.2f", row.flops / row.seconds * 1e-9);
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line + "\n";
}

} // namespace

std::string pp::rt::formatProfile(const ProfileSummary &summary) {
  std::string out;
  int64_t steps = summary.steps();
  if (steps == 0)
    out += "profile (no training step):";
  else if (!summary.warmUpExcluded)
    out += format("profile of step %lld (the only step, so warm-up "
                  "included):",
                  (long long)summary.firstStep);
  else if (steps == 1)
    out +=
        format("profile of step %lld (step %lld left out as warm-up):",
               (long long)summary.firstStep, (long long)summary.firstStep - 1);
  else
    out += format("profile of steps %lld-%lld (%lld steps; step %lld left "
                  "out as warm-up):",
                  (long long)summary.firstStep, (long long)summary.lastStep,
                  (long long)steps, (long long)summary.firstStep - 1);
  out += format(" %.3f ms per step\n",
                steps ? summary.stepSeconds * 1e3 / double(steps)
                      : summary.stepSeconds * 1e3);

  ProfileRow other{"other (allocation, views, ports)", 0, summary.otherSeconds,
                   0};
  int nameWidth = int(other.name.size());
  if (summary.communication.calls)
    nameWidth = std::max(nameWidth, int(summary.communication.name.size()));
  for (const ProfileRow &row : summary.ops)
    nameWidth = std::max(nameWidth, int(row.name.size()));
  out += format("%-*s %8s %10s %7s %10s %9s\n", nameWidth, "op", "calls",
                "total ms", "share", "mean us", "GFLOP/s");
  for (const ProfileRow &row : summary.ops)
    out += formatRow(row, nameWidth, summary.stepSeconds, true);
  if (summary.optimizer.calls)
    out += formatRow(summary.optimizer, nameWidth, summary.stepSeconds, true);
  if (summary.communication.calls)
    out +=
        formatRow(summary.communication, nameWidth, summary.stepSeconds, true);
  out += formatRow(other, nameWidth, summary.stepSeconds, false);
  out += format("%-*s %8s %10s %7s %10s\n", nameWidth, "function role", "runs",
                "total ms", "share", "mean us");
  for (const ProfileRow &row : summary.roles)
    out += formatRow(row, nameWidth, summary.stepSeconds, true);
  return out;
}

std::string pp::rt::formatBytes(int64_t bytes) {
  const double b = double(bytes);
  if (bytes < 1024)
    return format("%lld B", (long long)bytes);
  if (b < 1024.0 * 1024)
    return format("%.1f KiB", b / 1024);
  if (b < 1024.0 * 1024 * 1024)
    return format("%.1f MiB", b / (1024.0 * 1024));
  return format("%.2f GiB", b / (1024.0 * 1024 * 1024));
}

std::string pp::rt::formatMemoryPeaks(const MemoryStats &stats) {
  const int nameWidth = 16; // "optimizer state" and a space
  std::string out = "peak memory\n";
  for (size_t k = 0; k < kNumMemoryKinds; ++k)
    if (stats.peak[k] > 0)
      out += format("%-*s %12s\n", nameWidth, memoryKindName(MemoryKind(k)),
                    formatBytes(stats.peak[k]).c_str());
  out += format("%-*s %12s\n", nameWidth, "total",
                formatBytes(stats.peakTotal).c_str());
  return out;
}
