//===- TraceWriter.h - Perfetto/Chrome trace of a simulation ----*- C++ -*-===//

#ifndef PP_PLANNING_SCHEDULE_TRACEWRITER_H
#define PP_PLANNING_SCHEDULE_TRACEWRITER_H

#include "pp/Planning/Schedule/Simulator.h"

#include "llvm/Support/raw_ostream.h"

namespace pp::sched {

/// Writes Chrome trace-event JSON (opens in Perfetto and chrome://tracing):
/// one track ("thread") per stage with a complete event per compute action
/// (name = text form, category = kind, coloured by kind), one track per
/// stage for its outgoing transfers, and a counter track per stage for its
/// activations. Times from a device's costs (`TimesInSeconds`) are written
/// as what they are; abstract time units (hand-written costs, pp-sched) as
/// one millisecond each.
void writeTrace(llvm::raw_ostream &OS, const Schedule &S, const SimResult &R,
                bool TimesInSeconds = false);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_TRACEWRITER_H
