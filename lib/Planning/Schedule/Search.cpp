//===- Search.cpp - schedule=search: list scheduling under memory limits --===//

#include "pp/Planning/Schedule/Search.h"
#include "GreedyGenerator.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/Verifier.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <set>

using namespace llvm;

namespace pp::sched {

double stageCapacity(const ScheduleOptions &Opts, const CostModel &Costs,
                     int Stage) {
  double Cap = Opts.NumMicrobatches;
  if (Opts.MemoryLimit > 0)
    Cap = std::min(Cap, Opts.MemoryLimit);
  if (Opts.MemoryLimitBytes > 0 && size_t(Stage) < Costs.Memory.size()) {
    // The memory model: what stays, the largest working set of one run,
    // and what each microbatch in flight keeps.
    const StageMemory &Mem = Costs.Memory[Stage];
    double Fixed =
        Mem.Parameters + Mem.OptimizerState + Mem.TiedReceived + Mem.Workspace;
    double PerMicrobatch = 0, Working = 0;
    for (const ChunkMemory &C : Mem.Chunks) {
      PerMicrobatch += C.heldAfterF();
      Fixed += C.ParamGrads;
      Working = std::max({Working, C.PeakF, C.Seeds + C.PeakB, C.PeakW});
    }
    if (PerMicrobatch > 0)
      Cap = std::min(Cap,
                     (Opts.MemoryLimitBytes - Fixed - Working) / PerMicrobatch);
    return Cap;
  }
  double Bytes = Costs.activationBytes(Stage, 1);
  if (Opts.MemoryLimitBytes > 0 && Bytes > 0)
    Cap = std::min(Cap, Opts.MemoryLimitBytes / Bytes);
  return Cap;
}

Expected<SearchResult> searchSchedule(const ScheduleOptions &Opts,
                                      const CostModel &Costs) {
  int P = Opts.NumStages, M = Opts.NumMicrobatches;
  if (Opts.VirtualStages > 1)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("search builds one-chunk schedules, but --virtual-stages {0} "
                "was given; use --virtual-stages 1",
                Opts.VirtualStages));
  std::vector<int> Cap(P);
  for (int S = 0; S < P; ++S) {
    double C = stageCapacity(Opts, Costs, S);
    if (C < 1 - 1e-9) {
      if (Opts.MemoryLimit > 0 && Opts.MemoryLimit < 1)
        return createStringError(inconvertibleErrorCode(),
                                 formatv("max-in-flight {0} leaves no room for "
                                         "one microbatch's activations",
                                         formatNumber(Opts.MemoryLimit)));
      return createStringError(
          inconvertibleErrorCode(),
          formatv("stage {0} cannot hold one microbatch's activations ({1} "
                  "bytes) within the memory limit of {2} bytes",
                  S,
                  formatNumber(size_t(S) < Costs.Memory.size()
                                   ? Costs.Memory[S].Chunks[0].heldAfterF()
                                   : Costs.activationBytes(S, 1)),
                  formatNumber(Opts.MemoryLimitBytes)));
    }
    Cap[S] = int(std::floor(C + 1e-9));
  }

  SearchResult Result;
  double BestPeak = 0;
  for (int S = 0; S < P; ++S) {
    double Work = M * (Costs.computeTime(ActionKind::Forward, S, 0, 1) +
                       Costs.computeTime(ActionKind::BackwardInput, S, 0, 1) +
                       Costs.computeTime(ActionKind::BackwardWeight, S, 0, 1));
    Result.LowerBound = std::max(Result.LowerBound, Work);
  }

  // Candidates: the list scheduler under in-flight limits (F to B, F to W)
  // from 1F1B's to the most the memory allows, and the hand-made orders.
  std::set<std::pair<std::vector<int>, std::vector<int>>> Seen;
  double Best = 0;
  auto consider = [&](Expected<Schedule> S, const std::string &Label) {
    if (!S) {
      consumeError(S.takeError());
      return;
    }
    if (Error E = verify(*S)) {
      consumeError(std::move(E));
      return;
    }
    Expected<SimResult> R = simulate(*S, Costs);
    if (!R) {
      consumeError(R.takeError());
      return;
    }
    ++Result.Candidates;
    for (int St = 0; St < P; ++St)
      if (R->Stages[St].PeakActivations > Cap[St] + 1e-9 ||
          (!Costs.Memory.empty() && Opts.MemoryLimitBytes > 0 &&
           R->Stages[St].PeakBytes > Opts.MemoryLimitBytes * (1 + 1e-9)))
        return;
    double Peak = 0;
    for (const StageResult &SR : R->Stages)
      Peak = std::max(Peak, SR.PeakActivations);
    // The fastest; among equally fast ones, the one holding least.
    if (!Result.Label.empty() &&
        (R->StepTime > Best * (1 + 1e-9) ||
         (R->StepTime >= Best * (1 - 1e-9) && Peak >= BestPeak)))
      return;
    Best = R->StepTime;
    BestPeak = Peak;
    Result.StepTime = R->StepTime;
    Result.Chosen = std::move(*S);
    Result.Label = Label;
  };
  // Compute lists only: the caller appends TR and OPT, which every
  // candidate would share.
  ScheduleOptions Base = Opts;
  Base.Costs = &Costs;
  Base.OptimizerStep = false;
  Base.TiedEmbedding = false;
  Base.TiedGroups.clear();
  // F-to-W limits stop at ZB-H2's 2p-1, which the partitioner plans for.
  for (int HeldPolicy = 0; HeldPolicy < 2; ++HeldPolicy)
    for (int PendingPolicy = 0; PendingPolicy < 3; ++PendingPolicy) {
      GreedyLimits L;
      L.Held.resize(P);
      L.PendingBackward.resize(P);
      for (int S = 0; S < P; ++S) {
        int Held = HeldPolicy == 0 ? P : 2 * P - 1;
        int Pending = PendingPolicy == 0   ? P - S
                      : PendingPolicy == 1 ? 2 * (P - S) - 1
                                           : M;
        L.Held[S] = std::max(1, std::min({Held, Cap[S], M}));
        L.PendingBackward[S] = std::max(1, std::min(Pending, L.Held[S]));
      }
      if (!Seen.insert({L.Held, L.PendingBackward}).second)
        continue;
      ScheduleOptions O = Base;
      O.Kind = ScheduleKind::ZBH2; // the list scheduler
      Expected<Schedule> S = makeGreedy(O, 1, Placement::Loop, L);
      consider(std::move(S), formatv("list scheduling, F-to-W limit {0}, "
                                     "F-to-B limit {1}",
                                     HeldPolicy == 0 ? "p" : "2p-1",
                                     PendingPolicy == 0   ? "p-s"
                                     : PendingPolicy == 1 ? "2(p-s)-1"
                                                          : "m")
                                 .str());
    }
  for (ScheduleKind K : {ScheduleKind::OneFOneB, ScheduleKind::ZBH1}) {
    ScheduleOptions O = Base;
    O.Kind = K;
    consider(generateComputeOnly(O), kindName(K).str());
  }
  if (Result.Label.empty())
    return createStringError(
        inconvertibleErrorCode(),
        formatv("no schedule of {0} candidates fits the memory "
                "limit; the stages can hold {1} microbatches",
                Result.Candidates, [&] {
                  std::string S;
                  for (int C : Cap)
                    S += (S.empty() ? "" : ", ") + std::to_string(C);
                  return S;
                }()));
  Result.Chosen.Name = "search";
  return Result;
}

} // namespace pp::sched
