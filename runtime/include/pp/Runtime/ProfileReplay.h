//===- ProfileReplay.h - Steps without the runtime's waits ------*- C++ -*-===//
//
// Why is a measured pipeline step longer than its plan? Either its actions
// took longer than planned, or the runtime added time between them (waking
// a stage that waits, handing a message over). replaySteps separates the
// two: it replays each measured step through the schedule, every action
// with its measured duration, started as soon as what it waits for has
// ended (its stage's previous action; a receive, the end of its send; a
// tied reduction, its peer reaching it, then taking the shorter of the two
// measured reductions, since the other holds a wait). The replayed step is
// what the actions alone make; the measured step minus it is the runtime's
// own time.
//
// The actions are read off each stage's profiler: Action events (fused
// backwards, sends, receives, tied reductions), the F, B and W runs not
// inside a fused backward, and the optimizer step. A receive takes no time
// of its own in the replay (its measured time is mostly waiting); the k-th
// send of a microbatch from stage s to t matches the k-th receive of it on
// t from s, and the k-th reduction of s with t the k-th of t with s.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_PROFILEREPLAY_H
#define PP_RUNTIME_PROFILEREPLAY_H

#include "pp/Runtime/Profiler.h"

#include <vector>

namespace pp::rt {

struct ReplayedStep {
  int64_t step = 0;
  double measured = 0; ///< seconds: first action of any stage to last
  double replayed = 0; ///< seconds: the same actions without waits added
};

/// Every step that all `stages` (a profiler per stage, in stage order, on
/// one clock) recorded, replayed. A step whose actions cannot be replayed
/// (a receive without its send, as after a failed step) is left out.
std::vector<ReplayedStep>
replaySteps(const std::vector<const Profiler *> &stages);

} // namespace pp::rt

#endif // PP_RUNTIME_PROFILEREPLAY_H
