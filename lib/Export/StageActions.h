//===- StageActions.h - A stage's schedule as program actions ---*- C++ -*-===//
//
// The verified schedule of a `pp.schedule` op, communication included, as
// the action list of one stage program: what pp-run executes, in order.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_STAGEACTIONS_H
#define PP_LIB_EXPORT_STAGEACTIONS_H

#include "pp/Planning/Schedule/Schedule.h"

#include "program.pb.h"

namespace pp::exporter {

/// Appends stage `stage`'s actions of `schedule` to `program.actions`.
void encodeActions(const sched::Schedule &schedule, unsigned stage,
                   program::Program &program);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_STAGEACTIONS_H
