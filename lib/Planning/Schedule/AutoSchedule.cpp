//===- AutoSchedule.cpp - Pick the fastest schedule that fits -------------===//

#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/Verifier.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace pp::sched {

Expected<AutoResult> chooseSchedule(const ScheduleOptions &Opts,
                                    const CostModel &Costs) {
  struct Try {
    ScheduleKind Kind;
    int V;
  };
  std::vector<Try> Tries = {{ScheduleKind::GPipe, 1},
                            {ScheduleKind::OneFOneB, 1},
                            {ScheduleKind::Interleaved1F1B, 2},
                            {ScheduleKind::Interleaved1F1B, 3},
                            {ScheduleKind::Interleaved1F1B, 4},
                            {ScheduleKind::ZBH1, 1},
                            {ScheduleKind::ZBH2, 1},
                            {ScheduleKind::ZBV, 2},
                            {ScheduleKind::DualPipeV, 2},
                            {ScheduleKind::Search, 1}};
  AutoResult Result;
  int Best = -1;
  std::optional<Schedule> BestSchedule;
  for (const Try &T : Tries) {
    if (Opts.VirtualStages > 0 && T.V != Opts.VirtualStages && T.V > 1)
      continue; // the user fixed the chunk count
    AutoCandidate C;
    C.Label = kindName(T.Kind).str();
    if (T.Kind == ScheduleKind::Interleaved1F1B)
      C.Label += " v=" + std::to_string(T.V);
    if (Opts.CutChunks > 0 && T.V != Opts.CutChunks) {
      C.Rejected = formatv("the stage cut has {0} chunk{1} per stage, this "
                           "schedule runs {2}",
                           Opts.CutChunks, Opts.CutChunks == 1 ? "" : "s", T.V);
      Result.Candidates.push_back(C);
      continue;
    }
    // Costs per virtual stage follow the candidate's placement.
    CostModel CandidateCosts = Costs;
    CandidateCosts.Place =
        isVShaped(T.Kind) ? Placement::VShape : Placement::Loop;
    ScheduleOptions O = Opts;
    O.Kind = T.Kind;
    O.VirtualStages = T.V;
    O.Costs = &CandidateCosts;
    Expected<Schedule> S = generate(O);
    if (!S) {
      C.Rejected = toString(S.takeError());
      Result.Candidates.push_back(C);
      continue;
    }
    if (Error E = verify(*S)) {
      C.Rejected = "failed verification: " + toString(std::move(E));
      Result.Candidates.push_back(C);
      continue;
    }
    Expected<SimResult> R = simulate(*S, CandidateCosts);
    if (!R) {
      C.Rejected = toString(R.takeError());
      Result.Candidates.push_back(C);
      continue;
    }
    C.StepTime = R->StepTime;
    C.Bubble = R->BubbleFraction;
    for (const StageResult &SR : R->Stages)
      C.PeakActivations = std::max(C.PeakActivations, SR.PeakActivations);
    double PeakBytes = 0;
    for (const StageResult &SR : R->Stages)
      PeakBytes = std::max(PeakBytes, SR.PeakBytes);
    if (Opts.MemoryLimit > 0 && C.PeakActivations > Opts.MemoryLimit + 1e-9)
      C.Rejected = "peak activations " + formatNumber(C.PeakActivations) +
                   " exceed the limit " + formatNumber(Opts.MemoryLimit);
    else if (Opts.MemoryLimitBytes > 0 &&
             PeakBytes > Opts.MemoryLimitBytes * (1 + 1e-9))
      C.Rejected =
          std::string(Costs.Memory.empty() ? "peak activation bytes "
                                           : "predicted peak memory ") +
          formatNumber(PeakBytes) + " exceed the limit " +
          formatNumber(Opts.MemoryLimitBytes);
    Result.Candidates.push_back(C);
    if (!C.Rejected.empty())
      continue;
    const AutoCandidate *B = Best >= 0 ? &Result.Candidates[Best] : nullptr;
    bool Better = !B || C.StepTime < B->StepTime * (1 - 1e-9) ||
                  (C.StepTime <= B->StepTime * (1 + 1e-9) &&
                   C.PeakActivations < B->PeakActivations);
    if (Better) {
      Best = Result.Candidates.size() - 1;
      BestSchedule = std::move(*S);
    }
  }
  if (Best < 0) {
    std::string Why;
    for (const AutoCandidate &C : Result.Candidates)
      Why += "\n  " + C.Label + ": " + C.Rejected;
    return createStringError(
        inconvertibleErrorCode(),
        formatv("auto: no schedule fits (--max-in-flight {0}):{1}",
                formatNumber(Opts.MemoryLimit), Why));
  }
  const AutoCandidate &B = Result.Candidates[Best];
  // The runner-up, to say by how much the choice wins.
  const AutoCandidate *Second = nullptr;
  for (const AutoCandidate &C : Result.Candidates)
    if (&C != &B && C.Rejected.empty() &&
        (!Second || C.StepTime < Second->StepTime))
      Second = &C;
  std::string Reason = formatv(
      "auto chose {0}: the fastest of {1} candidates that fit{2} "
      "(step time {3}, bubble {4:f1}%, peak activations {5})",
      B.Label,
      std::count_if(Result.Candidates.begin(), Result.Candidates.end(),
                    [](const AutoCandidate &C) { return C.Rejected.empty(); }),
      Opts.MemoryLimit > 0 ? " max-in-flight " + formatNumber(Opts.MemoryLimit)
                           : std::string(),
      formatNumber(B.StepTime), 100 * B.Bubble,
      formatNumber(B.PeakActivations));
  if (Second)
    Reason += "; next best " + Second->Label + " at step time " +
              formatNumber(Second->StepTime);
  Result.Reason = Reason;
  Result.Chosen = std::move(*BestSchedule);
  return Result;
}

} // namespace pp::sched
