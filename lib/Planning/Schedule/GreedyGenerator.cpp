//===- GreedyGenerator.cpp - zb-h2 and zb-v by list scheduling ------------===//
//
// The zero-bubble schedules split the backward into B (input gradient, on
// the critical path) and W (weight gradient, movable) and use W to fill the
// gaps 1F1B leaves. Like the zero-bubble paper's own scheduler, this one
// simulates the pipeline and decides greedily, so it adapts to uneven costs;
// the kinds differ in how much activation memory each stage may hold.
//
//===----------------------------------------------------------------------===//

#include "GreedyGenerator.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <queue>

using namespace llvm;

namespace pp::sched {

GreedyLimits zeroBubbleLimits(ScheduleKind Kind, int P, int V) {
  GreedyLimits L;
  L.PendingBackward.resize(P);
  L.Held.resize(P);
  for (int S = 0; S < P; ++S) {
    switch (Kind) {
    case ScheduleKind::ZBH1: // 1F1B's stage-0 memory on every stage.
      L.PendingBackward[S] = P - S;
      L.Held[S] = P;
      break;
    case ScheduleKind::ZBH2:
      L.PendingBackward[S] = 2 * (P - S) - 1;
      L.Held[S] = 2 * P - 1;
      break;
    default: // zb-v: 1F1B's first-stage memory, p microbatches.
      L.PendingBackward[S] = P;
      L.Held[S] = P;
      break;
    }
  }
  return L;
}

namespace {
constexpr double Inf = std::numeric_limits<double>::infinity();

struct Greedy {
  const ScheduleOptions &Opts;
  const CostModel &Costs;
  Schedule S;
  int P, M, V, NV;

  // Per (microbatch, virtual stage): when the F output / the input gradient
  // of that virtual stage is available on the stage that consumes it.
  std::vector<double> FOutArrival, BOutArrival;
  std::vector<double> FEnd, BEnd;

  struct StageState {
    double Free = 0;
    std::vector<int> NextF, NextB;            // per chunk: next microbatch
    std::deque<std::pair<int, int>> PendingW; // (mb, chunk), B done
    // Microbatches started here whose Bs (Ws) have not all finished.
    int PendingBackward = 0, Held = 0;
    std::vector<int> BDoneChunks, WDoneChunks; // per microbatch
    int Done = 0;
    // Waiting for an arrival at WakeAt (infinity: for one that no action
    // has announced yet).
    bool Waiting = false;
    double WakeAt = Inf;
    // Bumped whenever the stage is queued again; older entries are stale.
    uint64_t Version = 0;
  };
  std::vector<StageState> St;

  /// Stages to look at, earliest first (ties: the lower stage), each at the
  /// time it is free or, if waiting, at the next arrival it knows of. Only
  /// an arrival changes what a waiting stage can do, so the stage an action
  /// sends to is the only one it wakes: each action costs O(log p).
  struct Entry {
    double When;
    int Stage;
    uint64_t Version;
    bool operator>(const Entry &O) const {
      return When != O.When ? When > O.When : Stage > O.Stage;
    }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> Queue;

  void enqueue(int Stage) {
    StageState &State = St[Stage];
    double When = State.Waiting ? State.WakeAt : State.Free;
    ++State.Version;
    if (When < Inf)
      Queue.push({When, Stage, State.Version});
  }
  /// Something stage `Stage` needs arrives at `At`.
  void arrives(int Stage, double At) {
    StageState &State = St[Stage];
    if (!State.Waiting || At >= State.WakeAt)
      return;
    State.WakeAt = std::max(At, State.Free);
    enqueue(Stage);
  }

  Greedy(const ScheduleOptions &Opts, const CostModel &Costs, int V,
         Placement Place)
      : Opts(Opts), Costs(Costs), P(Opts.NumStages), M(Opts.NumMicrobatches),
        V(V), NV(P * V) {
    S.Name = kindName(Opts.Kind).str();
    S.NumStages = P;
    S.NumMicrobatches = M;
    S.NumChunks = V;
    S.Place = Place;
    S.Stages.assign(P, {});
    FOutArrival.assign(size_t(M) * NV, Inf);
    BOutArrival.assign(size_t(M) * NV, Inf);
    FEnd.assign(size_t(M) * NV, Inf);
    BEnd.assign(size_t(M) * NV, Inf);
    St.resize(P);
    for (auto &State : St) {
      State.NextF.assign(V, 0);
      State.NextB.assign(V, 0);
      State.BDoneChunks.assign(M, 0);
      State.WDoneChunks.assign(M, 0);
    }
  }

  size_t idx(int Mb, int K) const { return size_t(Mb) * NV + K; }

  /// When F of (Mb, virtual stage K) may start: its input is there.
  double fReady(int Mb, int K) const {
    return K == 0 ? 0 : FOutArrival[idx(Mb, K - 1)];
  }
  /// When B of (Mb, K) may start: the output gradient is there.
  double bReady(int Mb, int K) const {
    return K == NV - 1 ? FEnd[idx(Mb, K)] : BOutArrival[idx(Mb, K + 1)];
  }

  void finish(int Stage, int Chunk, int Mb, bool Forward, double End) {
    int K = S.virtualStage(Stage, Chunk);
    if (Forward) {
      FEnd[idx(Mb, K)] = End;
      if (K + 1 < NV) {
        int To = S.locate(K + 1).first;
        FOutArrival[idx(Mb, K)] =
            End + (To == Stage ? 0 : Costs.transferTime(Stage, Chunk, V));
        arrives(To, FOutArrival[idx(Mb, K)]);
      }
    } else {
      BEnd[idx(Mb, K)] = End;
      if (K > 0) {
        auto [To, ToChunk] = S.locate(K - 1);
        BOutArrival[idx(Mb, K)] =
            End + (To == Stage ? 0 : Costs.transferTime(To, ToChunk, V));
        arrives(To, BOutArrival[idx(Mb, K)]);
      }
    }
  }

  Error run(const GreedyLimits &Limits) {
    int Total = 3 * M * V;
    int Remaining = P;
    for (int I = 0; I < P; ++I)
      enqueue(I);
    while (Remaining) {
      if (Queue.empty())
        return createStringError(
            inconvertibleErrorCode(),
            formatv("{0}: no stage can proceed under the memory limits "
                    "(p={1}, m={2})",
                    S.Name, P, M));
      Entry Next = Queue.top();
      Queue.pop();
      int Stage = Next.Stage;
      StageState &Me = St[Stage];
      if (Next.Version != Me.Version || Me.Done == Total)
        continue;
      if (Me.Waiting) {
        Me.Free = Me.WakeAt;
        Me.Waiting = false;
        Me.WakeAt = Inf;
      }
      double T = Me.Free;
      double NextEvent = Inf;

      // 1. A ready B, lowest microbatch first, then the later virtual stage.
      int BestChunk = -1, BestMb = 0, BestK = -1;
      for (int C = 0; C < V; ++C) {
        int Mb = Me.NextB[C];
        if (Mb >= M || Me.NextF[C] <= Mb)
          continue;
        int K = S.virtualStage(Stage, C);
        double Ready = bReady(Mb, K);
        if (Ready > T) {
          NextEvent = std::min(NextEvent, Ready);
          continue;
        }
        if (BestChunk < 0 || Mb < BestMb || (Mb == BestMb && K > BestK)) {
          BestChunk = C;
          BestMb = Mb;
          BestK = K;
        }
      }
      if (BestChunk >= 0) {
        double End = T + Costs.computeTime(ActionKind::BackwardInput, Stage,
                                           BestChunk, V);
        S.Stages[Stage].push_back(
            Action::compute(ActionKind::BackwardInput, BestMb, BestChunk));
        Me.NextB[BestChunk]++;
        Me.PendingW.push_back({BestMb, BestChunk});
        if (++Me.BDoneChunks[BestMb] == V)
          Me.PendingBackward--;
        Me.Free = End;
        Me.Done++;
        finish(Stage, BestChunk, BestMb, false, End);
        enqueue(Stage);
        continue;
      }

      // 2. A ready F, the later virtual stage first. Only a microbatch's
      // first chunk here is held to the limits, which count microbatches:
      // its later chunks always fit, so the limits cannot deadlock.
      bool NewAllowed = Me.PendingBackward < Limits.PendingBackward[Stage] &&
                        (Me.Held < Limits.Held[Stage] || Me.PendingW.empty());
      {
        for (int C = 0; C < V; ++C) {
          int Mb = Me.NextF[C];
          if (Mb >= M || (C == 0 && !NewAllowed))
            continue;
          int K = S.virtualStage(Stage, C);
          double Ready = fReady(Mb, K);
          if (Ready > T) {
            NextEvent = std::min(NextEvent, Ready);
            continue;
          }
          if (BestChunk < 0 || K > BestK || (K == BestK && Mb < BestMb)) {
            BestChunk = C;
            BestMb = Mb;
            BestK = K;
          }
        }
      }
      if (BestChunk >= 0) {
        double End =
            T + Costs.computeTime(ActionKind::Forward, Stage, BestChunk, V);
        S.Stages[Stage].push_back(
            Action::compute(ActionKind::Forward, BestMb, BestChunk));
        Me.NextF[BestChunk]++;
        if (BestChunk == 0) {
          Me.PendingBackward++;
          Me.Held++;
        }
        Me.Free = End;
        Me.Done++;
        finish(Stage, BestChunk, BestMb, true, End);
        enqueue(Stage);
        continue;
      }

      // 3. The oldest pending W.
      if (!Me.PendingW.empty()) {
        auto [Mb, C] = Me.PendingW.front();
        Me.PendingW.pop_front();
        S.Stages[Stage].push_back(
            Action::compute(ActionKind::BackwardWeight, Mb, C));
        Me.Free =
            T + Costs.computeTime(ActionKind::BackwardWeight, Stage, C, V);
        if (++Me.WDoneChunks[Mb] == V)
          Me.Held--;
        Me.Done++;
        if (Me.Done == Total)
          --Remaining;
        else
          enqueue(Stage);
        continue;
      }

      // 4. Wait until the next known arrival, or one still to be announced.
      Me.Waiting = true;
      Me.WakeAt = NextEvent;
      enqueue(Stage);
    }
    return Error::success();
  }
};
} // namespace

Expected<Schedule> makeGreedy(const ScheduleOptions &Opts, int NumChunks,
                              Placement Place, const GreedyLimits &Limits) {
  CostModel Uniform = CostModel::uniform(Opts.NumStages);
  Greedy G(Opts, Opts.Costs ? *Opts.Costs : Uniform, NumChunks, Place);
  if (Error E = G.run(Limits))
    return std::move(E);
  return std::move(G.S);
}

Expected<Schedule> makeZeroBubble(const ScheduleOptions &Opts, int NumChunks,
                                  Placement Place) {
  return makeGreedy(Opts, NumChunks, Place,
                    zeroBubbleLimits(Opts.Kind, Opts.NumStages, NumChunks));
}

} // namespace pp::sched
