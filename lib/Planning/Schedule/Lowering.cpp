//===- Lowering.cpp - Inserting matched SEND/RECV pairs -------------------===//

#include "pp/Planning/Schedule/Lowering.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <limits>
#include <queue>

using namespace llvm;

namespace pp::sched {

Schedule stripCommunication(const Schedule &S) {
  Schedule R = S;
  for (auto &List : R.Stages)
    List.erase(std::remove_if(List.begin(), List.end(),
                              [](const Action &A) { return isComm(A.Kind); }),
               List.end());
  return R;
}

namespace {
/// Runs compute-only lists in time order and numbers every compute start
/// and every compute end in one global sequence.
struct GlobalOrder {
  const Schedule &S;
  const CostModel &Costs;
  int P, M, NV;
  // Sequence number of each action's start, per stage.
  std::vector<std::vector<uint64_t>> StartSeq;
  // Per (dir, mb, virtual stage): sequence number at which the tensor the
  // compute produced is available (its end), or none yet.
  std::vector<uint64_t> ProducedSeq;
  std::vector<int> Waiter;
  static constexpr uint64_t None = std::numeric_limits<uint64_t>::max();

  GlobalOrder(const Schedule &S, const CostModel &Costs)
      : S(S), Costs(Costs), P(S.NumStages), M(S.NumMicrobatches),
        NV(S.numVirtualStages()) {}

  size_t tensor(bool Grad, int Mb, int K) const {
    return (size_t(Grad) * M + Mb) * NV + K;
  }

  /// The tensor that compute `A` on `Stage` consumes from another stage, or
  /// -1 if it consumes nothing from another stage.
  long long consumed(int Stage, const Action &A) const {
    int K = S.virtualStage(Stage, A.Chunk);
    if (A.Kind == ActionKind::Forward && K > 0 &&
        S.locate(K - 1).first != Stage)
      return tensor(false, A.Microbatch, K - 1);
    if (isInputGrad(A.Kind) && K + 1 < NV && S.locate(K + 1).first != Stage)
      return tensor(true, A.Microbatch, K + 1);
    return -1;
  }
  /// The tensor that compute `A` on `Stage` produces for another stage.
  long long produced(int Stage, const Action &A) const {
    int K = S.virtualStage(Stage, A.Chunk);
    if (A.Kind == ActionKind::Forward && K + 1 < NV &&
        S.locate(K + 1).first != Stage)
      return tensor(false, A.Microbatch, K);
    if (isInputGrad(A.Kind) && K > 0 && S.locate(K - 1).first != Stage)
      return tensor(true, A.Microbatch, K);
    return -1;
  }

  Error run() {
    StartSeq.assign(P, {});
    for (int St = 0; St < P; ++St)
      StartSeq[St].assign(S.Stages[St].size(), None);
    ProducedSeq.assign(size_t(2) * M * NV, None);
    Waiter.assign(ProducedSeq.size(), -1);
    // Events: (time, push order, stage, index of a finishing action or -1).
    using Event = std::tuple<double, uint64_t, int, long long>;
    std::priority_queue<Event, std::vector<Event>, std::greater<Event>> Q;
    uint64_t Pushed = 0, Seq = 0;
    std::vector<size_t> Pc(P, 0);
    std::vector<bool> Busy(P, false);
    for (int St = 0; St < P; ++St)
      Q.push({0.0, Pushed++, St, -1});
    while (!Q.empty()) {
      auto [T, Order, St, Finishing] = Q.top();
      Q.pop();
      (void)Order;
      if (Finishing >= 0) {
        const Action &A = S.Stages[St][Finishing];
        long long Out = isCompute(A.Kind) ? produced(St, A) : -1;
        if (Out >= 0) {
          ProducedSeq[Out] = Seq;
          if (Waiter[Out] >= 0)
            Q.push({T, Pushed++, Waiter[Out], -1});
        }
        ++Seq;
        Busy[St] = false;
        Q.push({T, Pushed++, St, -1});
        continue;
      }
      if (Busy[St] || Pc[St] >= S.Stages[St].size())
        continue;
      const Action &A = S.Stages[St][Pc[St]];
      long long In = isCompute(A.Kind) ? consumed(St, A) : -1;
      if (In >= 0 && ProducedSeq[In] == None) {
        Waiter[In] = St;
        continue;
      }
      StartSeq[St][Pc[St]] = Seq++;
      Busy[St] = true;
      double D = Costs.computeTime(A.Kind, St, A.Chunk, S.NumChunks);
      Q.push({T + D, Pushed++, St, static_cast<long long>(Pc[St]++)});
    }
    for (int St = 0; St < P; ++St) {
      if (Pc[St] == S.Stages[St].size())
        continue;
      const Action &A = S.Stages[St][Pc[St]];
      return createStringError(
          inconvertibleErrorCode(),
          formatv("cannot insert communication: the compute lists deadlock; "
                  "stage {0}, action {1} '{2}' never gets its input",
                  St, Pc[St], actionToString(A, S.NumChunks)));
    }
    return Error::success();
  }
};
} // namespace

Expected<Schedule> lowerCommunication(const Schedule &In,
                                      const CostModel *Costs) {
  if (In.hasCommunication())
    return createStringError(inconvertibleErrorCode(),
                             "the schedule already has SEND/RECV actions");
  CostModel Uniform = CostModel::uniform(In.NumStages);
  GlobalOrder G(In, Costs ? *Costs : Uniform);
  if (Error E = G.run())
    return std::move(E);

  // Every list becomes the projection of one global sequence: its own
  // actions at their start numbers, and each pair at its producer's end.
  std::vector<std::vector<std::pair<uint64_t, Action>>> Merged(In.NumStages);
  for (int St = 0; St < In.NumStages; ++St) {
    Merged[St].reserve(In.Stages[St].size() * 2);
    for (size_t I = 0; I < In.Stages[St].size(); ++I)
      Merged[St].push_back({G.StartSeq[St][I], In.Stages[St][I]});
  }
  for (int St = 0; St < In.NumStages; ++St) {
    for (const Action &A : In.Stages[St]) {
      if (!isCompute(A.Kind))
        continue;
      long long Out = G.produced(St, A);
      if (Out < 0)
        continue;
      int K = In.virtualStage(St, A.Chunk);
      bool Forward = A.Kind == ActionKind::Forward;
      auto [To, ToChunk] = In.locate(Forward ? K + 1 : K - 1);
      uint64_t Seq = G.ProducedSeq[Out];
      Merged[St].push_back(
          {Seq, Action::comm(Forward ? ActionKind::SendF : ActionKind::SendB,
                             A.Microbatch, A.Chunk, To)});
      Merged[To].push_back(
          {Seq, Action::comm(Forward ? ActionKind::RecvF : ActionKind::RecvB,
                             A.Microbatch, ToChunk, St)});
    }
  }
  Schedule Out = In;
  for (int St = 0; St < In.NumStages; ++St) {
    auto &List = Merged[St];
    std::stable_sort(
        List.begin(), List.end(),
        [](const auto &A, const auto &B) { return A.first < B.first; });
    Out.Stages[St].clear();
    Out.Stages[St].reserve(List.size());
    for (auto &[Seq, A] : List)
      Out.Stages[St].push_back(A);
  }
  return Out;
}

} // namespace pp::sched
