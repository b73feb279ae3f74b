//===- MemoryModelTests.cpp - The stage memory walk -----------------------===//

#include "TestUtil.h"

#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Planning/Schedule/TextForm.h"

using namespace pp::sched;
using namespace pp::sched::test;

namespace {

/// Every term distinct, so that a term counted at the wrong action shows.
ChunkMemory distinctChunk() {
  ChunkMemory C;
  C.Received = 1;
  C.PeakF = 20;
  C.SavedB = 100;
  C.SavedW = 1000;
  C.Outputs = 3;
  C.BoundaryOut = 5;
  C.GradsReceived = 7;
  C.Seeds = 9;
  C.PeakB = 200;
  C.BoundaryInGrad = 11;
  C.ForW = 10000;
  C.PeakW = 40;
  C.ParamGrads = 5;
  return C;
}

TEST(MemoryModel, EveryActionAllocatesAndFreesItsTerms) {
  // The middle stage of three: it receives and sends both ways.
  Schedule S = parse("s0: F0 SF0>1 RB0<1 BW0\n"
                     "s1: RF0<0 F0 SF0>2 RB0<2 B0 SB0>0 W0 OPT\n"
                     "s2: RF0<1 F0 BW0 SB0>1\n");
  StageMemory M;
  M.Parameters = 300000;
  M.OptimizerState = 600000;
  M.Workspace = 64;
  M.Chunks = {distinctChunk()};
  MemoryWalk W = walkStageMemory(S.Stages[1], M);
  double Base = 900064;
  EXPECT_DOUBLE_EQ(W.Base, Base);
  std::vector<double> After = {
      Base + 1,                  // RF: received
      Base + 100 + 1000 + 3 + 5, // F: saved, outputs, boundary out
      Base + 100 + 1000 + 3,     // SF
      Base + 100 + 1000 + 3 + 7, // RB
      Base + 1000 + 11 + 10000,  // B: frees SavedB and the outputs
      Base + 1000 + 10000,       // SB
      Base + 5,                  // W: its gradients, the accumulators
      Base + 5,                  // OPT
  };
  ASSERT_EQ(W.After.size(), After.size());
  for (size_t I = 0; I < After.size(); ++I)
    EXPECT_DOUBLE_EQ(W.After[I], After[I]) << "action " << I;
  // While F runs its received input is held; B also holds its seeds.
  EXPECT_DOUBLE_EQ(W.During[1],
                   Base + 1 + 20 > After[1] ? Base + 21 : After[1]);
  EXPECT_DOUBLE_EQ(W.During[4], std::max(Base + 1110 + 7 + 9 + 200, After[4]));
  EXPECT_DOUBLE_EQ(W.During[6], Base + 1000 + 10000 + 40);
  EXPECT_DOUBLE_EQ(W.Peak, Base + 11040);
  EXPECT_EQ(W.PeakAction, 6);
}

TEST(MemoryModel, LaterGradientsAreAddedToTheAccumulators) {
  Schedule S = parse("s0: F0 F1 BW0 BW1\n");
  StageMemory M;
  ChunkMemory C;
  C.SavedB = 10;
  C.ParamGrads = 100;
  M.Chunks = {C};
  MemoryWalk W = walkStageMemory(S.Stages[0], M);
  EXPECT_EQ(W.After, (std::vector<double>{10, 20, 110, 100}));
}

TEST(MemoryModel, LocalChunksPassTheirBoundaryOn) {
  // A V: chunk 0's output feeds chunk 1 on the same stage; chunk 1's input
  // gradient feeds chunk 0's B. No SEND/RECV between them.
  Schedule S = parse("schedule custom stages=1 microbatches=1 chunks=2 "
                     "placement=v\n"
                     "s0: F0.0 F0.1 B0.1 B0.0\n");
  StageMemory M;
  ChunkMemory C0, C1;
  C0.BoundaryOut = 8;
  C0.SavedB = 1;
  C0.GradsReceived = 4; // the gradient of its output, from chunk 1
  C1.Received = 8;      // its input, from chunk 0
  C1.SavedB = 2;
  C1.BoundaryInGrad = 4;
  M.Chunks = {C0, C1};
  MemoryWalk W = walkStageMemory(S.Stages[0], M);
  // F0.1 takes chunk 0's output over; B0.0 takes chunk 1's gradient.
  EXPECT_EQ(W.After, (std::vector<double>{9, 3, 5, 0}));
}

/// Property: with only SavedB per microbatch (nothing transient, nothing
/// for W), a stage's peak is SavedB times the most microbatches it holds
/// between F and B, which the simulator counts independently
/// (peak_pending_backward), for every one-chunk kind and size.
TEST(MemoryModel, PeakIsTheSimulatorsCountOfMicrobatchesUntilB) {
  for (ScheduleKind K : {ScheduleKind::GPipe, ScheduleKind::OneFOneB,
                         ScheduleKind::ZBH1, ScheduleKind::ZBH2})
    for (int P = 1; P <= 4; ++P)
      for (int M = 1; M <= 8; ++M) {
        llvm::Expected<Schedule> S = generate(options(K, P, M));
        ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
        SimResult R = mustSimulate(*S, CostModel::uniform(P));
        for (int St = 0; St < P; ++St) {
          StageMemory Mem;
          ChunkMemory C;
          C.SavedB = 1;
          Mem.Chunks = {C};
          MemoryWalk W = walkStageMemory(S->Stages[St], Mem);
          EXPECT_DOUBLE_EQ(W.Peak, R.Stages[St].PeakPendingBackward)
              << kindName(K).str() << " p=" << P << " m=" << M << " stage "
              << St;
          // Everything a microbatch held is freed by the end.
          EXPECT_DOUBLE_EQ(W.After.back(), 0);
        }
      }
}

TEST(MemoryModel, OptimizerStates) {
  EXPECT_EQ(optimizerStateCount("adamw"), 2);
  EXPECT_EQ(optimizerStateCount("momentum"), 1);
  EXPECT_EQ(optimizerStateCount("sgd"), 0);
}

} // namespace
