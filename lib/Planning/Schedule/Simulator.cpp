//===- Simulator.cpp - Event-driven timing of a schedule ------------------===//
//
// Each stage is a process that runs its list in order on its compute stream
// and blocks only when a compute needs a tensor that has not arrived yet, or
// at a tied reduction until its peer gets there. Every arrival, every
// posted RECV and every peer reaching a reduction is an event that wakes the
// stage waiting for it. Transfers run on the sender's link to the receiver,
// one at a time in SEND order, and start once the SEND is issued, the RECV
// is posted and the link is free.
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Schedule/Simulator.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <limits>

using namespace llvm;

namespace pp::sched {

namespace {
constexpr double Unknown = -1;

struct Link {
  std::vector<size_t> Queue; // tensors, in SEND order
  size_t Head = 0;
  double Free = 0;
};

struct Sim {
  const Schedule &S;
  const CostModel &Costs;
  int P, M, V, NV;
  bool CommMode;
  SimResult R;

  // Per tensor (dir, mb, producer virtual stage).
  std::vector<double> Produced, Issued, Posted, Arrival;
  std::vector<int> Waiter;
  std::vector<std::pair<int, int>> SendPos, RecvPos;
  // Per (mb, virtual stage): F end and B end, for local dependencies.
  std::vector<double> FEnd, BEnd;

  std::vector<Link> Links;
  DenseMap<int, int> LinkIndex;

  std::vector<size_t> Pc;
  std::vector<double> Cursor;
  // When the stage's program reached its latest compute: computes block the
  // program only until they start (the host runs ahead of the device), so
  // SENDs and RECVs behind a running compute are issued when it starts.
  std::vector<double> Issue;
  std::vector<int> Work;
  // Tied reductions: (stage, peer) -> when the stage started waiting.
  DenseMap<std::pair<int, int>, double> TiedWaiting;
  // Memory, in chunks.
  std::vector<int> HeldChunks, PendingChunks;
  std::vector<double> HeldBytes;

  Sim(const Schedule &S, const CostModel &Costs)
      : S(S), Costs(Costs), P(S.NumStages), M(S.NumMicrobatches),
        V(S.NumChunks), NV(S.numVirtualStages()),
        CommMode(S.hasCommunication()) {}

  size_t tensor(bool Grad, int Mb, int K) const {
    return (size_t(Grad) * M + Mb) * NV + K;
  }
  size_t local(int Mb, int K) const { return size_t(Mb) * NV + K; }

  Link &link(int From, int To) {
    auto [It, Inserted] = LinkIndex.try_emplace(From * P + To, Links.size());
    if (Inserted)
      Links.emplace_back();
    return Links[It->second];
  }

  void wake(size_t T) {
    if (Waiter[T] >= 0) {
      Work.push_back(Waiter[T]);
      Waiter[T] = -1;
    }
  }

  /// Transfer time of tensor T (the output of virtual stage K, or the
  /// gradient of that output).
  double transferTime(bool Grad, int K) const {
    auto [St, C] = S.locate(Grad ? K - 1 : K);
    return Costs.transferTime(St, C, V);
  }
  double transferBytes(bool Grad, int K) const {
    auto [St, C] = S.locate(Grad ? K - 1 : K);
    return Costs.transferBytes(St, C, V);
  }

  void tryLink(int From, int To) {
    Link &L = link(From, To);
    while (L.Head < L.Queue.size()) {
      size_t T = L.Queue[L.Head];
      if (Posted[T] == Unknown)
        return;
      bool Grad = T >= size_t(M) * NV;
      int K = static_cast<int>(T % NV);
      double Start = std::max({Issued[T], Posted[T], L.Free, Produced[T]});
      double End = Start + transferTime(Grad, K);
      L.Free = End;
      Arrival[T] = End;
      ++L.Head;
      auto [SS, SI] = SendPos[T];
      auto [RS, RI] = RecvPos[T];
      R.Timings[SS][SI].End = End;
      R.Timings[RS][RI].End = End;
      double Bytes = transferBytes(Grad, K);
      R.Stages[From].NumTransfersSent++;
      R.Stages[From].BytesSent += Bytes;
      R.TotalCommTime += End - Start;
      Transfer Tr;
      Tr.From = From;
      Tr.To = To;
      Tr.Send = S.Stages[SS][SI];
      Tr.Start = Start;
      Tr.End = End;
      Tr.Bytes = Bytes;
      R.Transfers.push_back(Tr);
      wake(T);
    }
  }

  void memory(int St, double T, int DHeld, int DPending, double DBytes) {
    StageResult &SR = R.Stages[St];
    HeldChunks[St] += DHeld;
    PendingChunks[St] += DPending;
    HeldBytes[St] += DBytes;
    SR.PeakActivations =
        std::max(SR.PeakActivations, double(HeldChunks[St]) / V);
    SR.PeakPendingBackward =
        std::max(SR.PeakPendingBackward, double(PendingChunks[St]) / V);
    SR.PeakBytes = std::max(SR.PeakBytes, HeldBytes[St]);
    MemoryPoint Pt{T, double(HeldChunks[St]) / V, HeldBytes[St]};
    if (SR.Memory.size() > 1 && SR.Memory.back().Time == T)
      SR.Memory.back() = Pt;
    else
      SR.Memory.push_back(Pt);
  }

  /// When the input of compute `A` (on `St`, virtual stage K) is there, or
  /// Unknown (then the stage is registered as waiting for it).
  double inputReady(int St, const Action &A, int K) {
    bool Fwd = A.Kind == ActionKind::Forward;
    int From = Fwd ? K - 1 : K + 1;
    if (A.Kind == ActionKind::BackwardWeight || From < 0 || From >= NV)
      return 0;
    if (S.locate(From).first == St) {
      double T = Fwd ? FEnd[local(A.Microbatch, From)]
                     : BEnd[local(A.Microbatch, From)];
      return T; // Unknown only for unverified lists
    }
    size_t T = tensor(!Fwd, A.Microbatch, From);
    if (Arrival[T] == Unknown && !CommMode && Produced[T] != Unknown)
      Arrival[T] = Produced[T] + transferTime(!Fwd, From);
    if (Arrival[T] == Unknown)
      Waiter[T] = St;
    return Arrival[T];
  }

  void advance(int St) {
    const auto &List = S.Stages[St];
    StageResult &SR = R.Stages[St];
    while (Pc[St] < List.size()) {
      size_t I = Pc[St];
      const Action &A = List[I];
      ActionTiming &Tm = R.Timings[St][I];
      int K = A.Kind == ActionKind::OptimizerStep ||
                      A.Kind == ActionKind::TiedReduce
                  ? 0
                  : S.virtualStage(St, A.Chunk);
      if (isCompute(A.Kind) || A.Kind == ActionKind::OptimizerStep) {
        double Ready = 0;
        if (isCompute(A.Kind)) {
          Ready = inputReady(St, A, K);
          if (Ready == Unknown)
            return;
        }
        double D = Costs.computeTime(A.Kind, St, A.Chunk, V);
        double Start = std::max(Cursor[St], Ready), End = Start + D;
        if (SR.BusyTime == 0 && D > 0)
          SR.FirstStart = Start;
        Tm = {Start, End};
        Cursor[St] = End;
        Issue[St] = Start;
        SR.BusyTime += D;
        double Bytes = Costs.activationBytes(St, V);
        switch (A.Kind) {
        case ActionKind::Forward:
          FEnd[local(A.Microbatch, K)] = End;
          memory(St, Start, 1, 1, Bytes);
          if (K + 1 < NV)
            Produced[tensor(false, A.Microbatch, K)] = End;
          break;
        case ActionKind::BackwardInput:
        case ActionKind::FullBackward:
          BEnd[local(A.Microbatch, K)] = End;
          if (A.Kind == ActionKind::FullBackward)
            memory(St, End, -1, -1, -Bytes);
          else
            memory(St, End, 0, -1, -Bytes * Costs.FreedByB);
          if (K > 0)
            Produced[tensor(true, A.Microbatch, K)] = End;
          break;
        case ActionKind::BackwardWeight:
          memory(St, End, -1, 0, -Bytes * (1 - Costs.FreedByB));
          break;
        default:
          break;
        }
        if (!CommMode && isCompute(A.Kind)) {
          // Without SEND/RECV, transfers leave when the producer ends.
          long long Out = -1;
          if (A.Kind == ActionKind::Forward && K + 1 < NV &&
              S.locate(K + 1).first != St)
            Out = tensor(false, A.Microbatch, K);
          if (isInputGrad(A.Kind) && K > 0 && S.locate(K - 1).first != St)
            Out = tensor(true, A.Microbatch, K);
          if (Out >= 0) {
            bool Grad = A.Kind != ActionKind::Forward;
            Arrival[Out] = End + transferTime(Grad, K);
            auto [To, ToC] = S.locate(Grad ? K - 1 : K + 1);
            Transfer Tr{
                St,
                To,
                Action::comm(Grad ? ActionKind::SendB : ActionKind::SendF,
                             A.Microbatch, A.Chunk, To),
                End,
                Arrival[Out],
                transferBytes(Grad, K)};
            R.Transfers.push_back(Tr);
            R.TotalCommTime += Tr.End - Tr.Start;
            SR.NumTransfersSent++;
            SR.BytesSent += Tr.Bytes;
            wake(Out);
          }
        }
      } else if (isComm(A.Kind)) {
        bool Grad = A.Kind == ActionKind::SendB || A.Kind == ActionKind::RecvB;
        int Producer = isSend(A.Kind) ? K : (Grad ? K + 1 : K - 1);
        size_t T = tensor(Grad, A.Microbatch, Producer);
        Tm = {Issue[St], Issue[St]};
        if (isSend(A.Kind)) {
          Issued[T] = Issue[St];
          SendPos[T] = {St, static_cast<int>(I)};
          link(St, A.Peer).Queue.push_back(T);
          tryLink(St, A.Peer);
        } else {
          Posted[T] = Issue[St];
          RecvPos[T] = {St, static_cast<int>(I)};
          if (Issued[T] != Unknown)
            tryLink(A.Peer, St);
        }
      } else if (A.Kind == ActionKind::TiedReduce) {
        // A blocking pairwise reduction: both stages leave it together.
        // Each stage's n-th TR~peer pairs with the peer's n-th TR~stage.
        int Peer = A.Peer;
        auto PeerWaiting = TiedWaiting.find({Peer, St});
        if (PeerWaiting == TiedWaiting.end()) {
          TiedWaiting[{St, Peer}] = Cursor[St];
          Tm.Start = Cursor[St];
          return; // the peer moves this stage on when it gets there
        }
        double Start = std::max(PeerWaiting->second, Cursor[St]);
        double End = Start + Costs.tiedReduceTime(St, Peer, V);
        TiedWaiting.erase(PeerWaiting);
        Tm = {Start, End};
        Cursor[St] = Issue[St] = End;
        R.Timings[Peer][Pc[Peer]] = {Start, End};
        Cursor[Peer] = Issue[Peer] = End;
        ++Pc[Peer];
        Work.push_back(Peer);
      }
      ++Pc[St];
    }
  }

  Error run() {
    size_t N = size_t(2) * M * NV;
    Produced.assign(N, Unknown);
    Issued.assign(N, Unknown);
    Posted.assign(N, Unknown);
    Arrival.assign(N, Unknown);
    Waiter.assign(N, -1);
    SendPos.assign(N, {-1, -1});
    RecvPos.assign(N, {-1, -1});
    FEnd.assign(size_t(M) * NV, Unknown);
    BEnd.assign(size_t(M) * NV, Unknown);
    Pc.assign(P, 0);
    Cursor.assign(P, 0);
    Issue.assign(P, 0);
    HeldChunks.assign(P, 0);
    PendingChunks.assign(P, 0);
    HeldBytes.assign(P, 0);
    R.Stages.assign(P, {});
    R.Timings.resize(P);
    for (int St = 0; St < P; ++St) {
      R.Timings[St].assign(S.Stages[St].size(), {});
      R.Stages[St].Memory.reserve(2 * M * V + 1);
      R.Stages[St].Memory.push_back({0, 0, 0});
    }
    for (int St = P - 1; St >= 0; --St)
      Work.push_back(St);
    while (!Work.empty()) {
      int St = Work.back();
      Work.pop_back();
      advance(St);
    }
    for (int St = 0; St < P; ++St)
      if (Pc[St] < S.Stages[St].size())
        return createStringError(
            inconvertibleErrorCode(),
            formatv("simulation stuck: stage {0}, action {1} '{2}' never "
                    "becomes ready (verify the schedule first)",
                    St, Pc[St], actionToString(S.Stages[St][Pc[St]], V)));
    double Step = 0;
    for (int St = 0; St < P; ++St) {
      R.Stages[St].EndTime = Cursor[St];
      Step = std::max(Step, Cursor[St]);
    }
    R.StepTime = Step;
    double Idle = 0, WindowIdle = 0, Window = 0;
    for (StageResult &SR : R.Stages) {
      SR.IdleTime = Step - SR.BusyTime;
      SR.Bubble = Step > 0 ? SR.IdleTime / Step : 0;
      Idle += SR.IdleTime;
      double W = SR.EndTime - SR.FirstStart;
      Window += W;
      WindowIdle += W - SR.BusyTime;
    }
    R.BubbleFraction = Step > 0 ? Idle / (P * Step) : 0;
    R.WindowBubbleFraction =
        Window > 0 ? std::max(0.0, WindowIdle / Window) : 0;
    if (Costs.Memory.size() == size_t(P))
      for (int St = 0; St < P; ++St)
        wholeMemory(St);
    return Error::success();
  }

  /// Replaces stage St's activation timeline by its whole memory from the
  /// memory model: the peak while each action runs (at its start) and what
  /// it holds after (at its end); the microbatch counts stay.
  void wholeMemory(int St) {
    StageResult &SR = R.Stages[St];
    MemoryWalk Walk = walkStageMemory(S.Stages[St], Costs.Memory[St]);
    std::vector<MemoryPoint> Old = std::move(SR.Memory);
    auto ActivationsAt = [&](double T) {
      double A = 0;
      for (const MemoryPoint &Pt : Old) {
        if (Pt.Time > T)
          break;
        A = Pt.Activations;
      }
      return A;
    };
    SR.Memory.clear();
    SR.Memory.push_back({0, 0, Walk.Base});
    for (size_t I = 0; I < Walk.After.size(); ++I) {
      const ActionTiming &Tm = R.Timings[St][I];
      if (Walk.During[I] > Walk.After[I])
        SR.Memory.push_back(
            {Tm.Start, ActivationsAt(Tm.Start), Walk.During[I]});
      // A transfer's end is its arrival, after later actions may have run:
      // its memory changes when the stage issues or posts it.
      double T = isCompute(S.Stages[St][I].Kind) ? Tm.End : Tm.Start;
      SR.Memory.push_back({T, ActivationsAt(T), Walk.After[I]});
    }
    std::stable_sort(SR.Memory.begin(), SR.Memory.end(),
                     [](const MemoryPoint &A, const MemoryPoint &B) {
                       return A.Time < B.Time;
                     });
    SR.PeakBytes = Walk.Peak;
    SR.PeakAction = Walk.PeakAction;
  }
};
} // namespace

Expected<SimResult> simulate(const Schedule &S, const CostModel &Costs) {
  Sim Simulator(S, Costs);
  if (Error E = Simulator.run())
    return std::move(E);
  return std::move(Simulator.R);
}

json::Value toJSON(const SimResult &R) {
  json::Array Stages;
  for (size_t I = 0; I < R.Stages.size(); ++I) {
    const StageResult &SR = R.Stages[I];
    Stages.push_back(json::Object{
        {"stage", static_cast<int64_t>(I)},
        {"busy_time", SR.BusyTime},
        {"idle_time", SR.IdleTime},
        {"bubble_fraction", SR.Bubble},
        {"start_time", SR.FirstStart},
        {"end_time", SR.EndTime},
        {"peak_activations", SR.PeakActivations},
        {"peak_pending_backward", SR.PeakPendingBackward},
        {"peak_bytes", SR.PeakBytes},
        {"transfers_sent", static_cast<int64_t>(SR.NumTransfersSent)},
        {"bytes_sent", SR.BytesSent},
    });
  }
  return json::Object{
      {"step_time", R.StepTime},
      {"bubble_fraction", R.BubbleFraction},
      {"window_bubble_fraction", R.WindowBubbleFraction},
      {"comm_time", R.TotalCommTime},
      {"stages", std::move(Stages)},
  };
}

} // namespace pp::sched
