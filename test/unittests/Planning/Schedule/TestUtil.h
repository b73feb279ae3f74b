//===- TestUtil.h - Helpers shared by the schedule tests --------*- C++ -*-===//

#ifndef PP_TEST_PLANNING_SCHEDULE_TESTUTIL_H
#define PP_TEST_PLANNING_SCHEDULE_TESTUTIL_H

#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/TextForm.h"
#include "pp/Planning/Schedule/Verifier.h"

#include "gtest/gtest.h"

namespace pp::sched::test {

inline ScheduleOptions options(ScheduleKind K, int P, int M, int V = 0) {
  ScheduleOptions O;
  O.Kind = K;
  O.NumStages = P;
  O.NumMicrobatches = M;
  O.VirtualStages = V;
  return O;
}

/// Generates (with communication), or fails the test with the error.
inline Schedule mustGenerate(const ScheduleOptions &O) {
  llvm::Expected<Schedule> S = generate(O);
  if (!S) {
    ADD_FAILURE() << kindName(O.Kind).str() << " p=" << O.NumStages
                  << " m=" << O.NumMicrobatches << ": "
                  << llvm::toString(S.takeError());
    return Schedule();
  }
  return std::move(*S);
}

inline SimResult mustSimulate(const Schedule &S, const CostModel &C) {
  llvm::Expected<SimResult> R = simulate(S, C);
  if (!R) {
    ADD_FAILURE() << llvm::toString(R.takeError());
    return SimResult();
  }
  return std::move(*R);
}

inline std::string verifyMessage(const Schedule &S) {
  llvm::Error E = verify(S);
  return E ? llvm::toString(std::move(E)) : std::string();
}

/// The schedule of a text form (TextForm.h); an empty one, with a failed
/// expectation, when it does not parse.
inline Schedule parse(const char *Text) {
  llvm::Expected<Schedule> S = parseSchedule(Text);
  EXPECT_TRUE(bool(S));
  if (!S) {
    llvm::consumeError(S.takeError());
    return Schedule();
  }
  return std::move(*S);
}

} // namespace pp::sched::test

#endif
