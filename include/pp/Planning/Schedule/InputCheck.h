//===- InputCheck.h - Checking a schedule read from text --------*- C++ -*-===//
//
// A hand-written schedule (`pp-sched --input`) goes through the same steps
// wherever it is read: parsed (TextForm.h), verified, given the SEND/RECV
// pairs a compute-only schedule of several stages lacks, and verified again
// before it is simulated. The fuzz target of the text form
// (tools/pp-sched-fuzzer) runs these steps exactly as pp-sched does.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_INPUTCHECK_H
#define PP_PLANNING_SCHEDULE_INPUTCHECK_H

#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace pp::sched {

/// Verifies `S`, read from `Name`; a compute-only schedule of several stages
/// gets its communication placed with `Costs` (lowerCommunication) and is
/// verified again. Returns the schedule to simulate. Errors start with
/// "NAME: " and say whether the schedule as written or its lowering failed.
llvm::Expected<Schedule> checkInputSchedule(Schedule S, const CostModel &Costs,
                                            llvm::StringRef Name);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_INPUTCHECK_H
