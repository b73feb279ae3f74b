//===- SvgWriter.h - Timeline picture of a simulated schedule ---*- C++ -*-===//

#ifndef PP_PLANNING_SCHEDULE_SVGWRITER_H
#define PP_PLANNING_SCHEDULE_SVGWRITER_H

#include "pp/Planning/Schedule/Simulator.h"

#include "llvm/Support/raw_ostream.h"

namespace pp::sched {

/// Writes a self-contained SVG in the style of the GPipe/1F1B figures: one
/// row per stage, one box per compute action placed at its simulated time,
/// labelled with its microbatch (and chunk), coloured by kind (later chunks
/// darker), a legend, a time axis, and a title with step time and bubble.
/// With `TimesInSeconds` (costs that are device times) the axis and the
/// title show us, ms or s; otherwise the costs' own unitless numbers.
void writeSvg(llvm::raw_ostream &OS, const Schedule &S, const SimResult &R,
              bool TimesInSeconds = false);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_SVGWRITER_H
