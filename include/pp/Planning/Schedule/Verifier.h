//===- Verifier.h - Checking a schedule -------------------------*- C++ -*-===//

#ifndef PP_PLANNING_SCHEDULE_VERIFIER_H
#define PP_PLANNING_SCHEDULE_VERIFIER_H

#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/Support/Error.h"

#include <string>

namespace pp::sched {

/// The first offending action of a schedule that fails verification.
class ScheduleError : public llvm::ErrorInfo<ScheduleError> {
public:
  static char ID;
  /// `Index` is the position in the stage's list, or -1 when the problem is
  /// an action that is missing from the stage.
  ScheduleError(int Stage, int Index, std::string ActionText,
                std::string Message)
      : Stage(Stage), Index(Index), ActionText(std::move(ActionText)),
        Message(std::move(Message)) {}

  /// "stage 1, action 4 'RF2<0': no SF2>1 on stage 0 sends it"
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

  int Stage;
  int Index;
  std::string ActionText;
  std::string Message;
};

/// Checks, in this order, and reports the first failure:
///  1. every action's microbatch, chunk and peer are in range;
///  2. per stage and chunk, every microbatch has one F, then either one BW
///     or one B followed later by one W, and nothing else twice; at most one
///     OPT, after all compute;
///  3. data dependencies: F of virtual stage k > 0 needs k-1's F output (a
///     RECV earlier on this stage, or k-1's F earlier here when k-1 is local);
///     B/BW of k < last needs k+1's input gradient likewise; each SEND comes
///     after the compute that produces its tensor and goes to the stage that
///     consumes it; each SEND is matched by exactly one RECV of the same
///     tensor and vice versa;
///  4. no deadlock: the lists are run with blocking sends and receives
///     (rendezvous) and blocking tied reductions; if every unfinished stage
///     is blocked, the first blocked stage's action is reported with what
///     its peer is waiting on.
/// Compute-only schedules (no SEND/RECV at all) skip the matching and are
/// checked for deadlock with transfers that never block.
llvm::Error verify(const Schedule &S);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_VERIFIER_H
