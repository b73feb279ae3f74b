//===- TextForm.h - Reading and writing schedules as text -------*- C++ -*-===//
//
// One line per stage, e.g.
//
//   schedule 1f1b stages=2 microbatches=2 chunks=1 placement=loop
//   s0: F0 SF0>1 F1 SF1>1 RB0<1 BW0 RB1<1 BW1 OPT
//   s1: RF0<0 F0 RF1<0 F1 BW0 SB0>0 BW1 SB1>0 OPT
//
// The grammar is documented in docs/Schedules.md.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_TEXTFORM_H
#define PP_PLANNING_SCHEDULE_TEXTFORM_H

#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace pp::sched {

/// Prints the header line and one line per stage.
void printSchedule(llvm::raw_ostream &OS, const Schedule &S);
std::string scheduleToString(const Schedule &S);

/// Parses the text form. Without a header line, the stage count is the
/// number of stage lines, and the microbatch and chunk counts are one more
/// than the largest used. Syntax errors name the line and the token.
llvm::Expected<Schedule> parseSchedule(llvm::StringRef Text);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_TEXTFORM_H
