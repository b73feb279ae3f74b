//===- GeneratorTests.cpp - Closed forms and validity of every generator --===//

#include "TestUtil.h"

#include "pp/Planning/Schedule/Lowering.h"

#include <algorithm>
#include <cmath>

using namespace pp::sched;
using namespace pp::sched::test;

namespace {

constexpr double Eps = 1e-9;

double maxPeak(const SimResult &R) {
  double Peak = 0;
  for (const StageResult &S : R.Stages)
    Peak = std::max(Peak, S.PeakActivations);
  return Peak;
}

/// Every kind, every p <= 16, every m <= 64 (including m < p): the
/// generated schedule with its SEND/RECV passes the verifier (so it does
/// not deadlock with blocking sends and receives) and the simulated numbers
/// follow the closed forms. Uniform F = B = W = 1, free communication.
class AllSizes : public ::testing::TestWithParam<ScheduleKind> {};

TEST_P(AllSizes, VerifiesAndMatchesClosedForms) {
  ScheduleKind K = GetParam();
  for (int P = 1; P <= 16; ++P) {
    CostModel Unit = CostModel::uniform(P);
    for (int M = 1; M <= 64; ++M) {
      int V = K == ScheduleKind::Interleaved1F1B ? 2 + (M % 3) : 0;
      llvm::Expected<Schedule> Gen = generate(options(K, P, M, V));
      if (!Gen && K == ScheduleKind::Interleaved1F1B && M > P && M % P) {
        // Allowed only where a short last round would deadlock; the error
        // names the nearest multiples of p.
        std::string E = llvm::toString(Gen.takeError());
        EXPECT_NE(E.find("nearest valid: --microbatches " +
                         std::to_string(M / P * P)),
                  std::string::npos)
            << E;
        continue;
      }
      if (!Gen && K == ScheduleKind::DualPipeV && M < 2 * P) {
        // Refused below 2p microbatches, naming the smallest valid count.
        std::string E = llvm::toString(Gen.takeError());
        EXPECT_NE(E.find("use --microbatches " + std::to_string(2 * P)),
                  std::string::npos)
            << E;
        continue;
      }
      ASSERT_TRUE(bool(Gen)) << kindName(K).str() << " p=" << P << " m=" << M
                             << ": " << llvm::toString(Gen.takeError());
      Schedule S = std::move(*Gen);
      ASSERT_EQ(verifyMessage(S), "")
          << kindName(K).str() << " p=" << P << " m=" << M;
      SimResult R = mustSimulate(S, Unit);
      ASSERT_EQ(R.Stages.size(), size_t(P));
      SCOPED_TRACE(kindName(K).str() + " p=" + std::to_string(P) +
                   " m=" + std::to_string(M));
      // Every stage does 3m units of work in every schedule.
      for (const StageResult &SR : R.Stages)
        EXPECT_NEAR(SR.BusyTime, 3.0 * M, Eps);
      double OneFOneB = double(P - 1) / (M + P - 1);
      switch (K) {
      case ScheduleKind::GPipe:
        EXPECT_NEAR(R.BubbleFraction, OneFOneB, Eps);
        for (const StageResult &SR : R.Stages)
          EXPECT_NEAR(SR.PeakActivations, M, Eps);
        break;
      case ScheduleKind::OneFOneB:
        EXPECT_NEAR(R.BubbleFraction, OneFOneB, Eps);
        for (int I = 0; I < P; ++I)
          EXPECT_NEAR(R.Stages[I].PeakActivations, std::min(P - I, M), Eps);
        break;
      case ScheduleKind::Interleaved1F1B:
        if (M % P == 0)
          EXPECT_NEAR(R.BubbleFraction, double(P - 1) / (V * M + P - 1), Eps);
        // Never worse than plain 1F1B when rounds are full (a short last
        // round of m mod p microbatches can cost more, as in Megatron).
        if (M % P == 0 || M <= P)
          EXPECT_LE(R.BubbleFraction, OneFOneB + Eps);
        break;
      case ScheduleKind::ZBH1:
        for (int I = 0; I < P; ++I) {
          // F to B, as 1F1B.
          EXPECT_NEAR(R.Stages[I].PeakPendingBackward, std::min(P - I, M), Eps);
          // Counted until W, no stage above 1F1B's stage-0 peak.
          EXPECT_LE(R.Stages[I].PeakActivations, std::min(P, M) + Eps);
        }
        if (M >= P) {
          // ZB paper: bubble (p-1)(F+B-W) per stage, vs 1F1B's
          // (p-1)(F+B+W): a third when F = B = W.
          for (const StageResult &SR : R.Stages)
            EXPECT_NEAR(SR.IdleTime, (P - 1) * (1.0 + 1.0 - 1.0), Eps);
        }
        EXPECT_LE(R.BubbleFraction, OneFOneB + Eps);
        break;
      case ScheduleKind::ZBH2:
        EXPECT_LE(maxPeak(R), 2 * P - 1 + Eps);
        if (M >= 2 * P) {
          // No idle time inside any stage's window: with the optimizer step
          // not synchronising stages (the ZB paper's post-validation),
          // consecutive steps tile with zero bubble.
          EXPECT_NEAR(R.WindowBubbleFraction, 0, Eps);
        }
        // With a synchronous step no schedule beats 3m + p - 1 here.
        if (M >= P)
          EXPECT_NEAR(R.StepTime, 3.0 * M + P - 1, Eps);
        break;
      case ScheduleKind::ZBV:
        // Same activation memory as 1F1B's first stage.
        EXPECT_LE(maxPeak(R), std::min(P, M) + Eps);
        // At most two thirds of 1F1B's idle time (often close to ZB-H1's
        // third) at 1F1B's memory; the greedy order is not optimal.
        if (M >= 2 * P)
          EXPECT_LE(R.StepTime, 3.0 * M + 2.0 * (P - 1) + Eps);
        break;
      case ScheduleKind::DualPipeV:
        // DeepSeek's DualPipeV (chunks of half a stage: F = B = W = 1/2):
        // every stage idles (p-1)(F+B-W) of a chunk, ZB-V's, and holds at
        // most 2p+1 chunks (p + 1/2 microbatches) until W, the "PP+1" of
        // the DeepSeek-V3 report.
        ASSERT_GE(M, 2 * P);
        for (const StageResult &SR : R.Stages)
          EXPECT_NEAR(SR.IdleTime, (P - 1) * 0.5, Eps);
        EXPECT_LE(maxPeak(R), P + 0.5 + Eps);
        break;
      case ScheduleKind::Auto:
        break;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, AllSizes,
    ::testing::Values(ScheduleKind::GPipe, ScheduleKind::OneFOneB,
                      ScheduleKind::Interleaved1F1B, ScheduleKind::ZBH1,
                      ScheduleKind::ZBH2, ScheduleKind::ZBV,
                      ScheduleKind::DualPipeV),
    [](const auto &Info) {
      std::string N = kindName(Info.param).str();
      std::replace(N.begin(), N.end(), '-', '_');
      return N;
    });

TEST(Generators, ZBH1IsAThirdOf1F1BIdle) {
  for (int P : {2, 4, 8, 16}) {
    int M = 4 * P;
    CostModel Unit = CostModel::uniform(P);
    SimResult ZB =
        mustSimulate(mustGenerate(options(ScheduleKind::ZBH1, P, M)), Unit);
    SimResult OneF =
        mustSimulate(mustGenerate(options(ScheduleKind::OneFOneB, P, M)), Unit);
    double IdleZB = ZB.BubbleFraction * ZB.StepTime;
    double Idle1F = OneF.BubbleFraction * OneF.StepTime;
    EXPECT_NEAR(IdleZB * 3, Idle1F, 1e-6) << "p=" << P;
  }
}

/// The compute list of each stage of `Kind` at (p, m) without OPT, in the
/// text form ("F0 B0 W0 ...").
std::vector<std::string> computeOrder(ScheduleKind Kind, int P, int M) {
  ScheduleOptions O = options(Kind, P, M);
  O.OptimizerStep = false;
  llvm::Expected<Schedule> S = generateComputeOnly(O);
  EXPECT_TRUE(bool(S));
  if (!S) {
    ADD_FAILURE() << llvm::toString(S.takeError());
    return {};
  }
  std::vector<std::string> Lists;
  for (const auto &List : S->Stages) {
    std::string T;
    for (const Action &A : List)
      T += actionToString(A, S->NumChunks) + " ";
    Lists.push_back(T);
  }
  return Lists;
}

TEST(Generators, ZBH1MatchesThePapersOrder) {
  // Zero-bubble paper, figure 3 (p=4): stage s warms up with p-s forwards
  // and keeps s weight gradients pending, then runs B, W, F in turn.
  std::vector<std::string> Lists = computeOrder(ScheduleKind::ZBH1, 4, 8);
  ASSERT_EQ(Lists.size(), 4u);
  EXPECT_EQ(Lists[0], "F0 F1 F2 F3 B0 W0 F4 B1 W1 F5 B2 W2 F6 B3 W3 F7 B4 W4 "
                      "B5 W5 B6 W6 B7 W7 ");
  EXPECT_EQ(Lists[3], "F0 B0 F1 B1 F2 B2 F3 B3 W0 F4 B4 W1 F5 B5 W2 F6 B6 W3 "
                      "F7 B7 W4 W5 W6 W7 ");
}

TEST(Generators, DualPipeVMatchesDeepSeeksOrder) {
  // dualpipev.py's phases for p=2, m=4. Stage 0: 2 forwards of chunk 0;
  // F chunk 0, F chunk 1; B chunk 1 (W deferred), W, F chunk 1; F&B pairs;
  // BW chunk 1 and an F&B; BW chunk 1, B chunk 0 (W deferred); W, B; W.
  // Stage 1 (the last): F, F twice; four F&B pairs; two B pairs, the second
  // with its Ws deferred to the end.
  std::vector<std::string> Lists = computeOrder(ScheduleKind::DualPipeV, 2, 4);
  ASSERT_EQ(Lists.size(), 2u);
  EXPECT_EQ(Lists[0], "F0.0 F1.0 F2.0 F0.1 B0.1 W0.1 F1.1 F3.0 BW1.1 F2.1 "
                      "BW0.0 BW2.1 F3.1 BW1.0 BW3.1 B2.0 W2.0 B3.0 W3.0 ");
  EXPECT_EQ(Lists[1], "F0.0 F0.1 F1.0 F1.1 F2.0 BW0.1 F2.1 BW0.0 F3.0 BW1.1 "
                      "F3.1 BW1.0 BW2.1 BW2.0 B3.1 B3.0 W3.1 W3.0 ");
}

TEST(Generators, InterleavedMatchesMegatronOrder) {
  // p=2, m=4, v=2 on stage 0: warm-up (v-1)p + 2(p-1) = 4 forwards over
  // chunk 0 then chunk 1 in rounds of p, then 1F1B, backwards chunk 1 first.
  ScheduleOptions O = options(ScheduleKind::Interleaved1F1B, 2, 4, 2);
  O.OptimizerStep = false;
  llvm::Expected<Schedule> S = generateComputeOnly(O);
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  std::string Text;
  for (const Action &A : S->Stages[0])
    Text += actionToString(A, 2) + " ";
  EXPECT_EQ(Text, "F0.0 F1.0 F0.1 F1.1 F2.0 BW0.1 F3.0 BW1.1 F2.1 BW0.0 F3.1 "
                  "BW1.0 BW2.1 BW3.1 BW2.0 BW3.0 ");
}

TEST(Generators, GreedyHandlesUnevenCosts) {
  // A heavy last stage (the LM head) and costly transfers: zero-bubble
  // schedules adapt and stay valid.
  for (ScheduleKind K :
       {ScheduleKind::ZBH1, ScheduleKind::ZBH2, ScheduleKind::ZBV}) {
    CostModel C = CostModel::uniform(4, 1, 1.3, 0.7, 0.2);
    C.Stages[3].F = 2.5;
    C.Stages[3].B = 3;
    C.Stages[0].W = 0;
    ScheduleOptions O = options(K, 4, 12);
    O.Costs = &C;
    Schedule S = mustGenerate(O);
    EXPECT_EQ(verifyMessage(S), "") << kindName(K).str();
    SimResult R = mustSimulate(S, C);
    EXPECT_GT(R.StepTime, 0);
  }
}

TEST(Generators, ErrorsSayWhatIsValid) {
  auto Msg = [](const ScheduleOptions &O) {
    llvm::Expected<Schedule> S = generate(O);
    return S ? std::string() : llvm::toString(S.takeError());
  };
  std::string E = Msg(options(ScheduleKind::Interleaved1F1B, 4, 9, 3));
  EXPECT_NE(E.find("nearest valid: --microbatches 8 or --microbatches 12"),
            std::string::npos)
      << E;
  E = Msg(options(ScheduleKind::ZBV, 4, 8, 3));
  EXPECT_NE(E.find("use --virtual-stages 2"), std::string::npos) << E;
  E = Msg(options(ScheduleKind::OneFOneB, 4, 8, 2));
  EXPECT_NE(E.find("--schedule interleaved-1f1b"), std::string::npos) << E;
  E = Msg(options(ScheduleKind::GPipe, 0, 8));
  EXPECT_NE(E.find("--stages must be at least 1"), std::string::npos) << E;
  E = Msg(options(ScheduleKind::GPipe, 2, 0));
  EXPECT_NE(E.find("--microbatches must be at least 1"), std::string::npos)
      << E;
}

TEST(Generators, TiedReductionAndOptimizerStep) {
  ScheduleOptions O = options(ScheduleKind::OneFOneB, 3, 4);
  O.TiedEmbedding = true;
  Schedule S = mustGenerate(O);
  EXPECT_EQ(verifyMessage(S), "");
  EXPECT_EQ(S.Stages[0].back().Kind, ActionKind::OptimizerStep);
  EXPECT_EQ(S.Stages[0][S.Stages[0].size() - 2],
            (Action{ActionKind::TiedReduce, 0, 0, 2}));
  EXPECT_EQ(S.Stages[2][S.Stages[2].size() - 2],
            (Action{ActionKind::TiedReduce, 0, 0, 0}));
  CostModel C = CostModel::uniform(3);
  C.TiedReduceTime = 0.5;
  C.OptimizerTime = 0.25;
  SimResult R = mustSimulate(S, C);
  // 1F1B's 3(m+p-1) = 18, then the reduction, then the optimizer step.
  EXPECT_NEAR(R.StepTime, 18 + 0.5 + 0.25, Eps);
}

/// The TRs of one stage's list, in order: the peers it reduces with.
std::vector<int> tiedPeers(const Schedule &S, int Stage) {
  std::vector<int> Peers;
  for (const Action &A : S.Stages[Stage])
    if (A.Kind == ActionKind::TiedReduce)
      Peers.push_back(A.Peer);
  return Peers;
}

TEST(Generators, TiedGroupsReducePairwiseInOneOrder) {
  // A parameter shared by virtual stages 0, 2 and 3 of four stages, another
  // by 1 and 3: pairs (0,2) (0,3) (1,3) (2,3), each stage in pair order.
  ScheduleOptions O = options(ScheduleKind::OneFOneB, 4, 6);
  O.TiedGroups = {{0, 2, 3}, {1, 3}, {3, 3}};
  Schedule S = mustGenerate(O);
  EXPECT_EQ(verifyMessage(S), "");
  EXPECT_EQ(tiedPeers(S, 0), (std::vector<int>{2, 3}));
  EXPECT_EQ(tiedPeers(S, 1), (std::vector<int>{3}));
  EXPECT_EQ(tiedPeers(S, 2), (std::vector<int>{0, 3}));
  EXPECT_EQ(tiedPeers(S, 3), (std::vector<int>{0, 1, 2}));
  // Virtual stages map through the placement: with zb-v's V, virtual
  // stages 0 and 3 of p = 2 are both on stage 0, so nothing is reduced.
  ScheduleOptions V = options(ScheduleKind::ZBV, 2, 4);
  V.TiedGroups = {{0, 3}};
  Schedule SV = mustGenerate(V);
  EXPECT_TRUE(tiedPeers(SV, 0).empty());
  EXPECT_TRUE(tiedPeers(SV, 1).empty());
  // The same group under interleaving (virtual stage 3 on stage 1).
  ScheduleOptions I = options(ScheduleKind::Interleaved1F1B, 2, 4, 2);
  I.TiedGroups = {{0, 3}};
  Schedule SI = mustGenerate(I);
  EXPECT_EQ(tiedPeers(SI, 0), (std::vector<int>{1}));
  EXPECT_EQ(tiedPeers(SI, 1), (std::vector<int>{0}));
}

TEST(CostModel, VirtualStagesFollowThePlacement) {
  CostModel C = CostModel::uniform(2);
  for (double F : {1.0, 2.0, 4.0, 8.0}) {
    StageCost SC;
    SC.F = F;
    SC.B = 10 * F;
    SC.W = 100 * F;
    SC.OutputBytes = {1000 * F};
    SC.ActivationBytes = F;
    C.Virtual.push_back(SC);
  }
  // Loop: virtual stage 2 is stage 0's chunk 1.
  EXPECT_EQ(C.computeTime(ActionKind::Forward, 0, 1, 2), 4);
  EXPECT_EQ(C.computeTime(ActionKind::FullBackward, 1, 1, 2), 880);
  EXPECT_EQ(C.transferBytes(1, 0, 2), 2000);
  EXPECT_EQ(C.activationBytes(0, 2), 2.5);
  // V: virtual stage 3 is stage 0's chunk 1.
  C.Place = Placement::VShape;
  EXPECT_EQ(C.computeTime(ActionKind::Forward, 0, 1, 2), 8);
  EXPECT_EQ(C.computeTime(ActionKind::BackwardInput, 1, 1, 2), 40);
  EXPECT_EQ(C.activationBytes(0, 2), 4.5);
  // Another chunk count falls back to the per-stage costs.
  EXPECT_EQ(C.computeTime(ActionKind::Forward, 0, 0, 1), 1);
}

TEST(Lowering, StripGivesBackTheComputeLists) {
  for (ScheduleKind K : {ScheduleKind::GPipe, ScheduleKind::OneFOneB,
                         ScheduleKind::Interleaved1F1B, ScheduleKind::ZBH1,
                         ScheduleKind::ZBH2, ScheduleKind::ZBV}) {
    ScheduleOptions O = options(K, 4, 8);
    llvm::Expected<Schedule> C = generateComputeOnly(O);
    ASSERT_TRUE(bool(C)) << llvm::toString(C.takeError());
    EXPECT_EQ(verifyMessage(*C), "");
    llvm::Expected<Schedule> L = lowerCommunication(*C);
    ASSERT_TRUE(bool(L)) << llvm::toString(L.takeError());
    EXPECT_TRUE(L->hasCommunication());
    EXPECT_EQ(stripCommunication(*L), *C) << kindName(K).str();
    // Simulating with or without explicit SEND/RECV gives the same timing
    // when communication is free.
    CostModel Unit = CostModel::uniform(4);
    EXPECT_NEAR(mustSimulate(*C, Unit).StepTime,
                mustSimulate(*L, Unit).StepTime, Eps);
  }
}

TEST(Auto, PicksTheFastestThatFits) {
  CostModel Unit = CostModel::uniform(4);
  ScheduleOptions O = options(ScheduleKind::Auto, 4, 16);
  llvm::Expected<AutoResult> R = chooseSchedule(O, Unit);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_EQ(verifyMessage(R->Chosen), "");
  double Chosen = mustSimulate(R->Chosen, Unit).StepTime;
  for (const AutoCandidate &C : R->Candidates)
    if (C.Rejected.empty())
      EXPECT_LE(Chosen, C.StepTime + Eps) << C.Label;
  EXPECT_NE(R->Reason.find("auto chose"), std::string::npos);

  // A tight memory limit rules out GPipe (m) and ZB-H2 (2p-1).
  O.MemoryLimit = 4;
  R = chooseSchedule(O, Unit);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  for (const AutoCandidate &C : R->Candidates)
    if (C.Label == "gpipe" || C.Label == "zb-h2")
      EXPECT_NE(C.Rejected.find("exceed the limit 4"), std::string::npos)
          << C.Label << ": " << C.Rejected;
  SimResult Sim = mustSimulate(R->Chosen, Unit);
  EXPECT_LE(maxPeak(Sim), 4 + Eps);

  // Nothing fits: the error lists every candidate and why.
  O.MemoryLimit = 0.25;
  R = chooseSchedule(O, Unit);
  ASSERT_FALSE(bool(R));
  std::string E = llvm::toString(R.takeError());
  EXPECT_NE(E.find("no schedule fits"), std::string::npos) << E;
  EXPECT_NE(E.find("gpipe: peak activations 16 exceed"), std::string::npos)
      << E;
}

} // namespace
