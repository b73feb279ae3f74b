//===- Progress.h - pp-run's step lines and progress line -------*- C++ -*-===//
//
// One line per step on stdout ("step 3/10  loss 2.3012  12.3 samples/s"),
// flushed at once so that a pipe sees each step as it ends; and, when
// stderr is a terminal, a progress line on stderr that each step rewrites
// in place and the end of the run erases; with --metrics, one JSON line per
// step in a file, for plotting tools.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TOOLS_PPRUN_PROGRESS_H
#define PP_TOOLS_PPRUN_PROGRESS_H

#include <cstdint>
#include <fstream>
#include <string>

namespace pp::run {

class StepReporter {
public:
  StepReporter(int64_t steps, int64_t samplesPerStep);
  /// Writes every step's metrics to `file` (opened by the caller).
  void setMetrics(std::ofstream *file) { metrics_ = file; }
  ~StepReporter() { finish(); }

  /// Shows on the progress line that step `step` (1-based) is running.
  void stepStarting(int64_t step);
  /// Prints the line of step `step`, which took `seconds`.
  void stepDone(int64_t step, double loss, double seconds);
  /// Erases the progress line (once; later calls do nothing).
  void finish();

private:
  int64_t steps_;
  int64_t samplesPerStep_;
  double elapsed_ = 0;
  bool progress_; // stderr is a terminal
  bool shown_ = false;
  std::ofstream *metrics_ = nullptr;
};

} // namespace pp::run

#endif // PP_TOOLS_PPRUN_PROGRESS_H
