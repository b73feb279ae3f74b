//===- PlanReport.cpp - pp-run --plan-report: measured against planned ----===//

#include "PlanReport.h"

#include "pp/Runtime/ProfileReplay.h"
#include "pp/Runtime/ProfileReport.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <map>

using namespace pp;
using namespace pp::run;

namespace {

template <typename... Args> std::string format(const char *fmt, Args... args) {
  char text[512];
  std::snprintf(text, sizeof(text), fmt, args...);
  return text;
}

std::string seconds(double s) {
  if (s >= 1)
    return format("%.3f s", s);
  if (s >= 1e-3)
    return format("%.2f ms", s * 1e3);
  return format("%.1f us", s * 1e6);
}

std::string percent(double fraction) {
  return format("%.1f%%", 100 * fraction);
}

/// What was measured of the counted steps.
struct Measured {
  int64_t firstStep = 0, lastStep = 0;
  double stepTime = 0;      ///< mean over the counted steps
  std::vector<double> busy; ///< per stage, mean per step
  /// Means over the counted steps that replay (ProfileReplay.h): measured
  /// and replayed step time; 0 when none does.
  double replayMeasured = 0, replayed = 0;
};

Measured measure(const std::vector<StageSummary> &stages) {
  Measured m;
  int64_t last = 0, first = std::numeric_limits<int64_t>::max();
  for (const StageSummary &s : stages)
    for (const rt::ProfileEvent &e : s.profiler->events())
      if (e.kind == rt::ProfileEvent::Kind::Step) {
        last = std::max(last, e.step);
        first = std::min(first, e.step);
      }
  if (!last)
    return m;
  m.lastStep = last;
  m.firstStep = last > first ? first + 1 : first; // the first is warm-up
  // Per step: the earliest start and the latest end over the stages.
  std::map<int64_t, std::pair<int64_t, int64_t>> spans;
  m.busy.assign(stages.size(), 0);
  for (size_t s = 0; s < stages.size(); ++s)
    for (const rt::ProfileEvent &e : stages[s].profiler->events()) {
      if (e.step < m.firstStep || e.step > m.lastStep)
        continue;
      if (e.kind == rt::ProfileEvent::Kind::Step) {
        auto it = spans.try_emplace(e.step, e.startNs, e.endNs).first;
        it->second.first = std::min(it->second.first, e.startNs);
        it->second.second = std::max(it->second.second, e.endNs);
      } else if (e.kind == rt::ProfileEvent::Kind::Function) {
        m.busy[s] += e.seconds();
      }
    }
  double total = 0;
  for (auto &[step, span] : spans)
    total += double(span.second - span.first) * 1e-9;
  double steps = double(m.lastStep - m.firstStep + 1);
  m.stepTime = total / steps;
  for (double &b : m.busy)
    b /= steps;
  std::vector<const rt::Profiler *> profilers;
  for (const StageSummary &s : stages)
    profilers.push_back(s.profiler.get());
  int counted = 0;
  for (const rt::ReplayedStep &r : rt::replaySteps(profilers))
    if (r.step >= m.firstStep && r.step <= m.lastStep) {
      m.replayMeasured += r.measured;
      m.replayed += r.replayed;
      ++counted;
    }
  if (counted) {
    m.replayMeasured /= counted;
    m.replayed /= counted;
  }
  return m;
}

/// The replayed step against the measured one, when several stages ran.
std::string replayLine(const Measured &m) {
  if (m.replayed <= 0)
    return "";
  return format("replayed   the actions as measured, no wait added: %s; "
                "the runtime's time between actions: %.1f%% of the step\n",
                seconds(m.replayed).c_str(),
                100 * std::max(0.0, 1 - m.replayed / m.replayMeasured));
}

} // namespace

std::string pp::run::formatPlanReport(int optimizerStates,
                                      const rt::program::Manifest &manifest,
                                      const std::vector<StageSummary> &stages) {
  Measured m = measure(stages);
  if (!m.lastStep)
    return "plan report: no step was measured\n";
  bool simulated = manifest.has_simulation() &&
                   manifest.simulation().stages_size() == int(stages.size());
  const auto &sim = manifest.simulation();
  std::string out = format(
      "plan vs measured: %u stages, schedule %s, %u microbatches; measured "
      "over step%s %lld%s\n",
      manifest.num_stages(),
      manifest.schedule().empty() ? "none" : manifest.schedule().c_str(),
      manifest.microbatches(), m.lastStep > m.firstStep ? "s" : "",
      (long long)m.firstStep,
      m.lastStep > m.firstStep
          ? format("-%lld (step 1 left out as warm-up)", (long long)m.lastStep)
                .c_str()
          : (m.firstStep > 1 ? " (step 1 left out as warm-up)" : ""));
  if (!simulated) {
    out += "the export holds no simulation (its schedule has no costs): "
           "measured only\n";
  } else {
    out += format("simulated on device '%s'\n",
                  sim.device().empty() ? "?" : sim.device().c_str());
  }
  double idle = 0;
  for (double b : m.busy)
    idle += std::max(0.0, m.stepTime - b);
  double bubble = m.stepTime > 0 ? idle / (m.stepTime * stages.size()) : 0;
  if (simulated) {
    out += format("step time  simulated %10s  measured %10s  (%+.1f%%)\n",
                  seconds(sim.step_time()).c_str(), seconds(m.stepTime).c_str(),
                  100 * (m.stepTime / sim.step_time() - 1));
    out +=
        format("bubble     simulated %10s  measured %10s  (%+.1f points)\n",
               percent(sim.bubble_fraction()).c_str(), percent(bubble).c_str(),
               100 * (bubble - sim.bubble_fraction()));
    out += replayLine(m);
    out += format("%5s %12s %12s %8s %10s %10s %14s %14s %7s\n", "stage",
                  "busy sim", "busy meas", "diff", "bubble sim", "bubble meas",
                  "peak pred", "peak meas", "diff");
  } else {
    out += format("step time %s, bubble %s\n", seconds(m.stepTime).c_str(),
                  percent(bubble).c_str());
    out += replayLine(m);
    out += format("%5s %12s %10s %14s\n", "stage", "busy", "bubble", "peak");
  }
  for (size_t s = 0; s < stages.size(); ++s) {
    double stageBubble =
        m.stepTime > 0 ? std::max(0.0, 1 - m.busy[s] / m.stepTime) : 0;
    if (!simulated) {
      out += format("%5zu %12s %10s %14s\n", s, seconds(m.busy[s]).c_str(),
                    percent(stageBubble).c_str(),
                    rt::formatBytes(stages[s].memory.peakTotal).c_str());
      continue;
    }
    const auto &ss = sim.stages(int(s));
    // The whole stage's peak: the memory plan's prediction for this run's
    // optimizer against the stage's accounting.
    int64_t measured = stages[s].memory.peakTotal;
    std::string predicted = "-", diff = "-";
    if (int(s) < manifest.memory_size()) {
      const auto &plan = manifest.memory(int(s));
      double bytes = plan.peak_bytes() + optimizerStates * plan.state_bytes();
      predicted = rt::formatBytes(int64_t(bytes));
      if (bytes > 0)
        diff = format("%+.1f%%", 100 * (measured / bytes - 1));
    }
    out += format(
        "%5zu %12s %12s %+7.1f%% %10s %10s %14s %14s %7s\n", s,
        seconds(ss.busy_time()).c_str(), seconds(m.busy[s]).c_str(),
        ss.busy_time() > 0 ? 100 * (m.busy[s] / ss.busy_time() - 1) : 0.0,
        percent(ss.bubble_fraction()).c_str(), percent(stageBubble).c_str(),
        predicted.c_str(), rt::formatBytes(measured).c_str(), diff.c_str());
  }
  return out;
}
