//===- ProfileTrace.h - Measured timeline as a Perfetto trace ---*- C++ -*-===//
//
// Writes a profiler's events (Profiler.h) as Chrome trace-event JSON, in the
// layout pp-simulate's `trace=` uses for a planned step (Schedules.md,
// "Trace"), so that the two open side by side in ui.perfetto.dev: process
// 0, one track per stage (`stage 0`), complete events named like schedule
// actions (`F3`, `B3`, `W3` for microbatch 3, `OPT`) with the action kind as
// category and the same colours. Measured traces add a `step N` event
// around each step and the kernels (named by op, category `kernel`) nested
// inside their function's event. Timestamps are microseconds since the
// profiler was created.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PROFILETRACE_H
#define PP_RUNTIME_PROFILETRACE_H

#include "pp/Runtime/Profiler.h"

#include <ostream>
#include <string>
#include <vector>

namespace pp::rt {

/// Writes the trace of `profiler` to `os`; `processName` names the process
/// ("pp-run DIR").
void writeProfileTrace(std::ostream &os, const Profiler &profiler,
                       const std::string &processName);

/// Writes the traces of a pipeline's stages, one track per stage (`stage
/// 0`, `stage 1`, ...), with their actions named as the simulator names
/// them (`F3.1`, `BW0`, `SF2>1`, `RB0<2`, `TR~1`, `OPT`; the chunk suffix
/// when stages have several `chunks`). The profilers must share one origin.
void writePipelineTrace(std::ostream &os,
                        const std::vector<const Profiler *> &stages,
                        const std::string &processName, uint32_t chunks);

/// `text` as a JSON string literal, quotes included: `"` and `\` escaped,
/// control characters as \uXXXX (other bytes as they are: UTF-8 text stays
/// UTF-8).
std::string jsonString(const std::string &text);

} // namespace pp::rt

#endif // PP_RUNTIME_PROFILETRACE_H
