//===- DualPipeV.cpp - DeepSeek's DualPipe, cut in half (the V) -----------===//
//
// DualPipeV runs two chunks per stage in the V placement (chunk 0 of stage s
// is virtual stage s, chunk 1 is virtual stage 2p-1-s) and, in its steady
// state, pairs the forward of one chunk with the backward of the other (an
// "overlapped" F&B slot that hides one's communication behind the other's
// compute). The order is the one of DeepSeek's reference implementation
// (dualpipe/dualpipev.py, `DualPipeV.step`), which torch.distributed.
// pipelining's ScheduleDualPipeV follows, in eight phases per stage s:
//
//   1. 2(p-s-1) forwards of chunk 0;
//   2. s+1 times: F chunk 0, F chunk 1;
//   3. p-s-1 times: B chunk 1 (W deferred), the oldest deferred W, F chunk 1;
//   4. m-2p+s+1 times: F&B (F chunk 0, BW chunk 1), F&B (F chunk 1, BW
//      chunk 0);
//   5. p-s-1 times: BW chunk 1, F&B (F chunk 1, BW chunk 0);
//   6. s+1 times: B chunk 1, B chunk 0, their Ws fused (BW) in the first
//      half and deferred in the second;
//   7. p-s-1 times: the oldest deferred W, B chunk 0 (W deferred);
//   8. the remaining s+1 deferred Ws.
//
// pp's stages run one compute stream, so an F&B slot is its F followed by
// its BW (what ScheduleDualPipeV does without an overlap hook). Needs
// m >= 2p.
//
//===----------------------------------------------------------------------===//

#include "GreedyGenerator.h"

#include "llvm/Support/FormatVariadic.h"

#include <deque>

using namespace llvm;

namespace pp::sched {

Expected<Schedule> makeDualPipeV(const ScheduleOptions &Opts) {
  int P = Opts.NumStages, M = Opts.NumMicrobatches;
  if (M < 2 * P)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("dualpipev needs at least 2 microbatches per stage (its "
                "steady state pairs a forward with a backward of the other "
                "chunk): --microbatches {0} is below 2 x --stages {1}; use "
                "--microbatches {2} or more",
                M, P, 2 * P));
  Schedule S;
  S.Name = kindName(Opts.Kind).str();
  S.NumStages = P;
  S.NumMicrobatches = M;
  S.NumChunks = 2;
  S.Place = Placement::VShape;
  S.Stages.assign(P, {});
  for (int St = 0; St < P; ++St) {
    std::vector<Action> &List = S.Stages[St];
    List.reserve(size_t(6) * M);
    int NextF[2] = {0, 0}, NextB[2] = {0, 0};
    std::deque<std::pair<int, int>> Deferred; // (microbatch, chunk)
    auto forward = [&](int C) {
      List.push_back(Action::compute(ActionKind::Forward, NextF[C]++, C));
    };
    auto backward = [&](int C, bool DeferW) {
      int Mb = NextB[C]++;
      if (DeferW) {
        List.push_back(Action::compute(ActionKind::BackwardInput, Mb, C));
        Deferred.push_back({Mb, C});
      } else {
        List.push_back(Action::compute(ActionKind::FullBackward, Mb, C));
      }
    };
    auto weight = [&] {
      auto [Mb, C] = Deferred.front();
      Deferred.pop_front();
      List.push_back(Action::compute(ActionKind::BackwardWeight, Mb, C));
    };
    auto overlapped = [&](int FChunk, int BChunk) {
      forward(FChunk);
      backward(BChunk, /*DeferW=*/false);
    };
    int Later = P - St - 1;             // stages after this one
    for (int I = 0; I < 2 * Later; ++I) // 1
      forward(0);
    for (int I = 0; I < St + 1; ++I) { // 2
      forward(0);
      forward(1);
    }
    for (int I = 0; I < Later; ++I) { // 3
      backward(1, /*DeferW=*/true);
      weight();
      forward(1);
    }
    for (int I = 0; I < M - 2 * P + St + 1; ++I) { // 4
      overlapped(0, 1);
      overlapped(1, 0);
    }
    for (int I = 0; I < Later; ++I) { // 5
      backward(1, /*DeferW=*/false);
      overlapped(1, 0);
    }
    bool DeferW = false; // 6
    for (int I = 0; I < St + 1; ++I) {
      if (I == (St + 1) / 2 && St % 2 == 1)
        DeferW = true;
      backward(1, DeferW);
      if (I == (St + 1) / 2 && St % 2 == 0)
        DeferW = true;
      backward(0, DeferW);
    }
    for (int I = 0; I < Later; ++I) { // 7
      weight();
      backward(0, /*DeferW=*/true);
    }
    while (!Deferred.empty()) // 8
      weight();
  }
  return S;
}

} // namespace pp::sched
