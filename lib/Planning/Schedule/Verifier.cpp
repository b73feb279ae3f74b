//===- Verifier.cpp - Order, dependency, matching and deadlock checks -----===//

#include "pp/Planning/Schedule/Verifier.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <vector>

using namespace llvm;

namespace pp::sched {

char ScheduleError::ID = 0;

void ScheduleError::log(raw_ostream &OS) const {
  if (Index >= 0)
    OS << "stage " << Stage << ", action " << Index << " '" << ActionText
       << "': " << Message;
  else
    OS << "stage " << Stage << ": " << Message;
}

std::error_code ScheduleError::convertToErrorCode() const {
  return inconvertibleErrorCode();
}

namespace {
struct Verifier {
  const Schedule &S;
  int P, M, V, NV;
  bool CommMode;

  Verifier(const Schedule &S)
      : S(S), P(S.NumStages), M(S.NumMicrobatches), V(S.NumChunks),
        NV(S.numVirtualStages()), CommMode(S.hasCommunication()) {}

  std::string text(const Action &A) const { return actionToString(A, V); }
  Error fail(int Stage, int Index, const Twine &Msg) const {
    std::string Text =
        Index >= 0 ? text(S.Stages[Stage][Index]) : std::string();
    return make_error<ScheduleError>(Stage, Index, Text, Msg.str());
  }
  std::string name(ActionKind K, int Mb, int Chunk, int Peer = -1) const {
    return text(Action{K, Mb, Chunk, Peer});
  }
  size_t tensor(bool Grad, int Mb, int K) const {
    return (size_t(Grad) * M + Mb) * NV + K;
  }

  Error checkShape() {
    if (P < 1 || M < 1 || V < 1)
      return createStringError(inconvertibleErrorCode(),
                               "stages, microbatches and chunks must be >= 1");
    // The tables below are sized by these counts.
    if (Error E = checkScheduleSize(P, M, V))
      return E;
    if (static_cast<int>(S.Stages.size()) != P)
      return createStringError(
          inconvertibleErrorCode(),
          formatv("the schedule has {0} stage lists for {1} stages",
                  S.Stages.size(), P));
    if (S.Place == Placement::VShape && V != 2)
      return createStringError(inconvertibleErrorCode(),
                               "placement 'v' needs exactly 2 chunks");
    for (int St = 0; St < P; ++St) {
      for (size_t I = 0; I < S.Stages[St].size(); ++I) {
        const Action &A = S.Stages[St][I];
        if (A.Kind == ActionKind::OptimizerStep)
          continue;
        if (A.Kind != ActionKind::TiedReduce) {
          if (A.Microbatch < 0 || A.Microbatch >= M)
            return fail(St, I,
                        formatv("microbatch {0} out of range (the "
                                "schedule has {1} microbatches)",
                                A.Microbatch, M));
          if (A.Chunk < 0 || A.Chunk >= V)
            return fail(St, I,
                        formatv("chunk {0} out of range (the schedule has {1} "
                                "chunks per stage)",
                                A.Chunk, V));
        }
        if ((isComm(A.Kind) || A.Kind == ActionKind::TiedReduce) &&
            (A.Peer < 0 || A.Peer >= P || A.Peer == St))
          return fail(St, I,
                      formatv("peer stage {0} is not another stage of the {1}",
                              A.Peer, P));
      }
    }
    return Error::success();
  }

  /// Per-stage order: F before B before W, one of each, dependencies local
  /// or received before use, sends after their producer and to the right
  /// stage, nothing after OPT, compute complete at the end.
  Error checkStageOrder() {
    enum : uint8_t { FDone = 1, BDone = 2, WDone = 4, Fused = 8 };
    std::vector<uint8_t> State(size_t(M) * V);
    std::vector<int> ReceivedStamp(size_t(2) * M * NV, -1);
    for (int St = 0; St < P; ++St) {
      std::fill(State.begin(), State.end(), 0);
      const auto &List = S.Stages[St];
      int OptAt = -1, TiedAt = -1;
      for (size_t I = 0; I < List.size(); ++I) {
        const Action &A = List[I];
        if (OptAt >= 0)
          return fail(St, I,
                      formatv("comes after the optimizer step (action "
                              "{0}); OPT must be last",
                              OptAt));
        if (A.Kind == ActionKind::OptimizerStep) {
          OptAt = I;
          continue;
        }
        if (A.Kind == ActionKind::TiedReduce) {
          TiedAt = I;
          continue;
        }
        if (TiedAt >= 0 && isCompute(A.Kind))
          return fail(St, I,
                      formatv("compute after the tied-gradient reduction "
                              "(action {0}), which needs every gradient done",
                              TiedAt));
        uint8_t &Mine = State[size_t(A.Microbatch) * V + A.Chunk];
        int Mb = A.Microbatch, C = A.Chunk;
        int K = S.virtualStage(St, C);
        switch (A.Kind) {
        case ActionKind::Forward: {
          if (Mine & FDone)
            return fail(St, I,
                        "a second forward of the same microbatch and "
                        "chunk");
          if (K > 0) {
            auto [PS, PC] = S.locate(K - 1);
            if (PS == St) {
              if (!(State[size_t(Mb) * V + PC] & FDone))
                return fail(St, I,
                            "needs the output of " +
                                name(ActionKind::Forward, Mb, PC) +
                                " (the previous virtual stage, on this "
                                "stage), which has not run before it");
            } else if (CommMode &&
                       ReceivedStamp[tensor(false, Mb, K - 1)] != St) {
              return fail(St, I,
                          "needs its input from stage " + Twine(PS) + ", but " +
                              name(ActionKind::RecvF, Mb, C, PS) +
                              " does not come before it");
            }
          }
          Mine |= FDone;
          break;
        }
        case ActionKind::BackwardInput:
        case ActionKind::FullBackward: {
          if (!(Mine & FDone))
            return fail(St, I,
                        "backward before its forward " +
                            name(ActionKind::Forward, Mb, C) +
                            " on this stage");
          if (Mine & BDone)
            return fail(St, I,
                        "a second backward of the same microbatch and "
                        "chunk");
          if (K + 1 < NV) {
            auto [NS, NC] = S.locate(K + 1);
            if (NS == St) {
              if (!(State[size_t(Mb) * V + NC] & BDone))
                return fail(St, I,
                            "needs the input gradient of the next virtual "
                            "stage (" +
                                name(ActionKind::BackwardInput, Mb, NC) +
                                " on this stage), which has not run before "
                                "it");
            } else if (CommMode &&
                       ReceivedStamp[tensor(true, Mb, K + 1)] != St) {
              return fail(St, I,
                          "needs the gradient from stage " + Twine(NS) +
                              ", but " + name(ActionKind::RecvB, Mb, C, NS) +
                              " does not come before it");
            }
          }
          Mine |= BDone;
          if (A.Kind == ActionKind::FullBackward)
            Mine |= WDone | Fused;
          break;
        }
        case ActionKind::BackwardWeight:
          if (Mine & Fused)
            return fail(St, I,
                        "weight gradient already computed by " +
                            name(ActionKind::FullBackward, Mb, C));
          if (!(Mine & BDone))
            return fail(
                St, I,
                "W before its B: " + name(ActionKind::BackwardInput, Mb, C) +
                    " has not run on this stage");
          if (Mine & WDone)
            return fail(St, I, "a second W of the same microbatch and chunk");
          Mine |= WDone;
          break;
        case ActionKind::SendF:
        case ActionKind::SendB: {
          bool Fwd = A.Kind == ActionKind::SendF;
          int To = Fwd ? K + 1 : K - 1;
          if (To < 0 || To >= NV)
            return fail(St, I,
                        Fwd ? "the last virtual stage has no forward output "
                              "to send"
                            : "the first virtual stage has no input gradient "
                              "to send");
          int Dest = S.locate(To).first;
          if (Dest != A.Peer)
            return fail(St, I,
                        formatv("sends to stage {0}, but virtual stage {1} "
                                "that consumes it is on stage {2}",
                                A.Peer, To, Dest));
          if (!(Mine & (Fwd ? FDone : BDone)))
            return fail(
                St, I,
                "sent before it is produced by " +
                    name(Fwd ? ActionKind::Forward : ActionKind::BackwardInput,
                         Mb, C));
          break;
        }
        case ActionKind::RecvF:
        case ActionKind::RecvB: {
          bool Fwd = A.Kind == ActionKind::RecvF;
          int From = Fwd ? K - 1 : K + 1;
          if (From < 0 || From >= NV)
            return fail(St, I,
                        Fwd ? "the first virtual stage receives no forward "
                              "input"
                            : "the last virtual stage receives no gradient");
          int Src = S.locate(From).first;
          if (Src != A.Peer)
            return fail(St, I,
                        formatv("receives from stage {0}, but virtual stage "
                                "{1} that produces it is on stage {2}",
                                A.Peer, From, Src));
          ReceivedStamp[tensor(!Fwd, Mb, From)] = St;
          break;
        }
        default:
          break;
        }
      }
      for (int Mb = 0; Mb < M; ++Mb)
        for (int C = 0; C < V; ++C) {
          uint8_t St8 = State[size_t(Mb) * V + C];
          const char *Missing = !(St8 & FDone)   ? "F"
                                : !(St8 & BDone) ? "B"
                                : !(St8 & WDone) ? "W"
                                                 : nullptr;
          if (Missing)
            return fail(
                St, -1,
                formatv("missing {0}{1}{2} (every microbatch needs F "
                        "then B then W, or F then BW, on every chunk)",
                        Missing, Mb,
                        V > 1 ? "." + std::to_string(C) : std::string()));
        }
    }
    return Error::success();
  }

  // Matching: Partner[St][I] = (stage, index) of the other end.
  std::vector<std::vector<std::pair<int, int>>> Partner;

  /// The tensor a SEND or RECV on stage `St` moves: the output of virtual
  /// stage K's F (activation) or B (gradient), K being the sender's.
  size_t transferredTensor(int St, const Action &A) const {
    int K = S.virtualStage(St, A.Chunk);
    bool Grad = A.Kind == ActionKind::SendB || A.Kind == ActionKind::RecvB;
    int Producer = isSend(A.Kind) ? K : (Grad ? K + 1 : K - 1);
    return tensor(Grad, A.Microbatch, Producer);
  }

  Error checkMatching() {
    Partner.assign(P, {});
    for (int St = 0; St < P; ++St)
      Partner[St].assign(S.Stages[St].size(), {-1, -1});
    size_t N = size_t(2) * M * NV;
    std::vector<std::pair<int, int>> SendAt(N, {-1, -1}), RecvAt(N, {-1, -1});
    for (int St = 0; St < P; ++St) {
      for (size_t I = 0; I < S.Stages[St].size(); ++I) {
        const Action &A = S.Stages[St][I];
        if (!isComm(A.Kind))
          continue;
        auto &Slot =
            (isSend(A.Kind) ? SendAt : RecvAt)[transferredTensor(St, A)];
        if (Slot.first >= 0)
          return fail(St, I,
                      formatv("the same tensor is already {0} by action {1}",
                              isSend(A.Kind) ? "sent" : "received",
                              Slot.second));
        Slot = {St, static_cast<int>(I)};
      }
    }
    for (int St = 0; St < P; ++St) {
      for (size_t I = 0; I < S.Stages[St].size(); ++I) {
        const Action &A = S.Stages[St][I];
        if (!isComm(A.Kind))
          continue;
        size_t T = transferredTensor(St, A);
        auto Other = isSend(A.Kind) ? RecvAt[T] : SendAt[T];
        if (Other.first < 0) {
          // The peer's virtual stage: the receiver of a send, the producer
          // of a receive.
          int Peer = A.Peer;
          int K = S.virtualStage(St, A.Chunk);
          bool Grad =
              A.Kind == ActionKind::SendB || A.Kind == ActionKind::RecvB;
          int PeerK = Grad == isSend(A.Kind) ? K - 1 : K + 1;
          int PeerChunk = S.locate(PeerK).second;
          ActionKind Want =
              isSend(A.Kind) ? (Grad ? ActionKind::RecvB : ActionKind::RecvF)
                             : (Grad ? ActionKind::SendB : ActionKind::SendF);
          return fail(St, I,
                      formatv("no matching {0} on stage {1}",
                              name(Want, A.Microbatch, PeerChunk, St), Peer));
        }
        Partner[St][I] = Other;
      }
    }
    return Error::success();
  }

  /// Pairs the k-th TR~t of stage s with the k-th TR~s of stage t.
  Error matchTiedReductions() {
    if (Partner.empty()) {
      Partner.assign(P, {});
      for (int St = 0; St < P; ++St)
        Partner[St].assign(S.Stages[St].size(), {-1, -1});
    }
    // Only the pairs that reduce: a dense p x p table would grow with the
    // square of the stage count.
    std::map<std::pair<int, int>, std::vector<int>> ByPeer;
    for (int St = 0; St < P; ++St)
      for (size_t I = 0; I < S.Stages[St].size(); ++I)
        if (S.Stages[St][I].Kind == ActionKind::TiedReduce)
          ByPeer[{St, S.Stages[St][I].Peer}].push_back(I);
    static const std::vector<int> None;
    for (const auto &[Pair, Mine] : ByPeer) {
      auto [St, T] = Pair;
      auto It = ByPeer.find({T, St});
      const std::vector<int> &Theirs = It == ByPeer.end() ? None : It->second;
      for (size_t J = 0; J < Mine.size(); ++J) {
        if (J >= Theirs.size())
          return fail(St, Mine[J],
                      formatv("no matching TR~{0} on stage {1}", St, T));
        Partner[St][Mine[J]] = {T, Theirs[J]};
      }
    }
    return Error::success();
  }

  /// Runs the lists with blocking sends, receives and tied reductions.
  Error checkDeadlock() {
    std::vector<size_t> Pc(P, 0);
    std::vector<int> Work;
    std::vector<uint8_t> Done(size_t(2) * M * NV, 0);
    std::vector<int> Waiter(Done.size(), -1);
    for (int St = P - 1; St >= 0; --St)
      Work.push_back(St);
    auto Produced = [&](int St, const Action &A) -> long long {
      int K = S.virtualStage(St, A.Chunk);
      if (A.Kind == ActionKind::Forward && K + 1 < NV)
        return tensor(false, A.Microbatch, K);
      if (isInputGrad(A.Kind) && K > 0)
        return tensor(true, A.Microbatch, K);
      return -1;
    };
    auto Consumed = [&](int St, const Action &A) -> long long {
      int K = S.virtualStage(St, A.Chunk);
      if (A.Kind == ActionKind::Forward && K > 0)
        return tensor(false, A.Microbatch, K - 1);
      if (isInputGrad(A.Kind) && K + 1 < NV)
        return tensor(true, A.Microbatch, K + 1);
      return -1;
    };
    while (!Work.empty()) {
      int St = Work.back();
      Work.pop_back();
      const auto &List = S.Stages[St];
      while (Pc[St] < List.size()) {
        const Action &A = List[Pc[St]];
        if (isComm(A.Kind) || A.Kind == ActionKind::TiedReduce) {
          auto [Ps, Pi] = Partner[St][Pc[St]];
          if (Pc[Ps] != static_cast<size_t>(Pi))
            break; // the peer will complete the pair when it gets there
          ++Pc[Ps];
          ++Pc[St];
          Work.push_back(Ps);
          continue;
        }
        if (!CommMode && isCompute(A.Kind)) {
          long long In = Consumed(St, A);
          if (In >= 0 && !Done[In]) {
            Waiter[In] = St;
            break;
          }
          long long Out = Produced(St, A);
          if (Out >= 0) {
            Done[Out] = 1;
            if (Waiter[Out] >= 0)
              Work.push_back(Waiter[Out]);
          }
        }
        ++Pc[St];
      }
    }
    for (int St = 0; St < P; ++St) {
      if (Pc[St] == S.Stages[St].size())
        continue;
      const Action &A = S.Stages[St][Pc[St]];
      if (isComm(A.Kind) || A.Kind == ActionKind::TiedReduce) {
        auto [Ps, Pi] = Partner[St][Pc[St]];
        std::string PeerAt = Pc[Ps] < S.Stages[Ps].size()
                                 ? formatv("is blocked at action {0} '{1}'",
                                           Pc[Ps], text(S.Stages[Ps][Pc[Ps]]))
                                       .str()
                                 : std::string("has finished");
        return fail(St, Pc[St],
                    formatv("deadlock: blocks until stage {0} reaches action "
                            "{1} '{2}', but stage {0} {3}",
                            Ps, Pi, text(S.Stages[Ps][Pi]), PeerAt));
      }
      return fail(St, Pc[St],
                  "deadlock: its input is never produced (the stage that "
                  "produces it is blocked behind this one)");
    }
    return Error::success();
  }

  Error run() {
    if (Error E = checkShape())
      return E;
    if (Error E = checkStageOrder())
      return E;
    if (CommMode)
      if (Error E = checkMatching())
        return E;
    if (Error E = matchTiedReductions())
      return E;
    return checkDeadlock();
  }
};
} // namespace

Error verify(const Schedule &S) { return Verifier(S).run(); }

} // namespace pp::sched
