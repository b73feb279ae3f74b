//===- InputCheck.cpp - Checking a schedule read from text ----------------===//

#include "pp/Planning/Schedule/InputCheck.h"

#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/Verifier.h"

using namespace llvm;

namespace pp::sched {

static Error prefixed(StringRef Name, StringRef What, Error E) {
  return createStringError(inconvertibleErrorCode(),
                           Name + ": " + What + toString(std::move(E)));
}

Expected<Schedule> checkInputSchedule(Schedule S, const CostModel &Costs,
                                      StringRef Name) {
  if (Error E = verify(S))
    return prefixed(Name, "schedule rejected: ", std::move(E));
  if (S.hasCommunication() || S.NumStages <= 1)
    return std::move(S);
  Expected<Schedule> Lowered = lowerCommunication(S, &Costs);
  if (!Lowered)
    return prefixed(Name, "", Lowered.takeError());
  if (Error E = verify(*Lowered))
    return prefixed(Name, "lowered schedule rejected: ", std::move(E));
  return Lowered;
}

} // namespace pp::sched
