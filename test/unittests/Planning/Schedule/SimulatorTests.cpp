//===- SimulatorTests.cpp - Timing, memory, JSON, trace and SVG -----------===//

#include "TestUtil.h"

#include "pp/Planning/Schedule/SvgWriter.h"
#include "pp/Planning/Schedule/TextForm.h"
#include "pp/Planning/Schedule/TraceWriter.h"

#include "llvm/Support/JSON.h"

using namespace pp::sched;
using namespace pp::sched::test;

namespace {

TEST(Simulator, TransfersTakeLatencyPlusBytesOverBandwidth) {
  Schedule S = parse("s0: F0 SF0>1 RB0<1 BW0\n"
                     "s1: RF0<0 F0 BW0 SB0>0\n");
  CostModel C = CostModel::uniform(2, 1, 0.5, 0.5, 0.25);
  C.Bandwidth = 4;
  C.Stages[0].OutputBytes = {1}; // 0.25 + 1/4 = 0.5 per transfer
  C.Stages[1].OutputBytes = {1};
  SimResult R = mustSimulate(S, C);
  // F0 [0,1] -> [1,1.5] -> F0 [1.5,2.5] BW0 [2.5,3.5] -> [3.5,4] -> BW [4,5]
  EXPECT_DOUBLE_EQ(R.StepTime, 5);
  EXPECT_DOUBLE_EQ(R.Timings[1][1].Start, 1.5);
  EXPECT_DOUBLE_EQ(R.Timings[0][3].Start, 4);
  EXPECT_DOUBLE_EQ(R.TotalCommTime, 1);
  ASSERT_EQ(R.Transfers.size(), 2u);
  EXPECT_DOUBLE_EQ(R.Stages[0].BytesSent, 1);
  // Idle: stage 0 busy 2 of 5, stage 1 busy 2 of 5.
  EXPECT_DOUBLE_EQ(R.BubbleFraction, 0.6);
  EXPECT_DOUBLE_EQ(R.Stages[0].Bubble, 0.6);
}

TEST(Simulator, TiedReductionIsAnAllReduceOfTheSharedBytes) {
  // Stage 0 and 1 share an embedding of 4000 bytes (virtual stages 0 and
  // 1): the TR takes 2 latencies plus the bytes at the link's bandwidth.
  Schedule S = parse("s0: F0 BW0 TR~1\ns1: F0 BW0 TR~0\n");
  CostModel C = CostModel::uniform(2);
  C.Latency = 0.5;
  C.Bandwidth = 1000;
  C.Tied = {{{0, 1}, 4000}};
  EXPECT_DOUBLE_EQ(C.tiedReduceTime(0, 1, 1), 2 * 0.5 + 4.0);
  SimResult R = mustSimulate(S, C);
  const ActionTiming &TR = R.Timings[0][2];
  EXPECT_DOUBLE_EQ(TR.End - TR.Start, 5.0);
  // Stages that share nothing fall back to TiedReduceTime.
  C.Tied = {{{0, 2}, 4000}};
  C.TiedReduceTime = 0.25;
  EXPECT_DOUBLE_EQ(C.tiedReduceTime(0, 1, 1), 0.25);
  // Under the V placement virtual stage 3 of 4 is stage 0's second chunk:
  // with 2 stages, virtual stages 0 and 3 are both on stage 0, 1 and 2 on
  // stage 1.
  C.Place = Placement::VShape;
  C.Tied = {{{0, 2}, 4000}};
  EXPECT_DOUBLE_EQ(C.tiedReduceTime(0, 1, 2), 5.0);
  C.Tied = {{{0, 3}, 4000}};
  EXPECT_DOUBLE_EQ(C.tiedReduceTime(0, 1, 2), 0.25);
}

TEST(Simulator, TransfersOverlapCompute) {
  // Stage 0 keeps computing while its sends are in flight.
  Schedule S = mustGenerate(options(ScheduleKind::GPipe, 2, 4));
  CostModel C = CostModel::uniform(2, 1, 1, 1, 0.5);
  SimResult R = mustSimulate(S, C);
  for (int I = 0; I < 4; ++I) {
    // Stage 0's forwards run back to back.
    int Idx = 0, Seen = 0;
    for (; Idx < int(S.Stages[0].size()); ++Idx)
      if (S.Stages[0][Idx].Kind == ActionKind::Forward && Seen++ == I)
        break;
    EXPECT_DOUBLE_EQ(R.Timings[0][Idx].Start, I);
  }
  // GPipe with comm c: (m + p - 1)(F + BW) + 2(p-1)c.
  EXPECT_DOUBLE_EQ(R.StepTime, (4 + 1) * 3 + 2 * 0.5);
}

TEST(Simulator, SendsOnOneLinkQueue) {
  // Two sends on the same link: the second waits for the first.
  Schedule S = parse("s0: F0 F1 SF0>1 SF1>1 RB0<1 RB1<1 BW0 BW1\n"
                     "s1: RF0<0 RF1<0 F0 F1 BW0 SB0>0 BW1 SB1>0\n");
  ASSERT_EQ(verifyMessage(S), "");
  CostModel C = CostModel::uniform(2, 1, 1, 1, 3);
  SimResult R = mustSimulate(S, C);
  // SF0 is issued when F1 starts (1) but F0's output leaves at once: it
  // exists from 1. The RECVs are posted at 0.
  EXPECT_DOUBLE_EQ(R.Timings[1][2].Start, 1 + 3);     // F0: arrives at 4
  EXPECT_DOUBLE_EQ(R.Timings[1][3].Start, 1 + 3 + 3); // F1: queued, at 7
}

TEST(Simulator, MemoryTimelineCountsChunksAsFractions) {
  Schedule S = mustGenerate(options(ScheduleKind::Interleaved1F1B, 2, 2, 2));
  SimResult R = mustSimulate(S, CostModel::uniform(2));
  // Stage 0 holds 2 microbatches x 2 chunks of 1/2 at its peak.
  EXPECT_DOUBLE_EQ(R.Stages[0].PeakActivations, 2);
  // Timeline starts and ends at zero and never exceeds the peak.
  for (const StageResult &SR : R.Stages) {
    ASSERT_FALSE(SR.Memory.empty());
    EXPECT_DOUBLE_EQ(SR.Memory.front().Activations, 0);
    EXPECT_DOUBLE_EQ(SR.Memory.back().Activations, 0);
    for (const MemoryPoint &Pt : SR.Memory)
      EXPECT_LE(Pt.Activations, SR.PeakActivations);
  }
}

TEST(Simulator, BytesFreedByBAndW) {
  Schedule S = parse("s0: F0 F1 B0 B1 W0 W1\n");
  CostModel C = CostModel::uniform(1);
  C.Stages[0].ActivationBytes = 100;
  C.FreedByB = 0.75;
  SimResult R = mustSimulate(S, C);
  EXPECT_DOUBLE_EQ(R.Stages[0].PeakBytes, 200);
  EXPECT_DOUBLE_EQ(R.Stages[0].PeakActivations, 2);
  EXPECT_DOUBLE_EQ(R.Stages[0].PeakPendingBackward, 2);
  // After both B: 2 x 25 bytes remain until the Ws.
  const auto &Mem = R.Stages[0].Memory;
  bool Saw50 = false;
  for (const MemoryPoint &Pt : Mem)
    Saw50 |= Pt.Bytes == 50;
  EXPECT_TRUE(Saw50);
}

TEST(Simulator, JsonHasTheDocumentedFields) {
  Schedule S = mustGenerate(options(ScheduleKind::OneFOneB, 4, 8));
  SimResult R = mustSimulate(S, CostModel::uniform(4));
  llvm::json::Value V = toJSON(R);
  const llvm::json::Object *O = V.getAsObject();
  ASSERT_TRUE(O);
  EXPECT_DOUBLE_EQ(*O->getNumber("step_time"), 33);
  EXPECT_DOUBLE_EQ(*O->getNumber("bubble_fraction"), 3.0 / 11);
  const llvm::json::Array *Stages = O->getArray("stages");
  ASSERT_TRUE(Stages);
  ASSERT_EQ(Stages->size(), 4u);
  const llvm::json::Object *S0 = (*Stages)[0].getAsObject();
  EXPECT_DOUBLE_EQ(*S0->getNumber("peak_activations"), 4);
  EXPECT_DOUBLE_EQ(*S0->getNumber("busy_time"), 24);
  EXPECT_DOUBLE_EQ(*S0->getNumber("idle_time"), 9);
}

TEST(Simulator, TraceIsChromeJsonWithOneTrackPerStage) {
  Schedule S = mustGenerate(options(ScheduleKind::ZBH1, 3, 4));
  SimResult R = mustSimulate(S, CostModel::uniform(3, 1, 1, 1, 0.1));
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  writeTrace(OS, S, R);
  llvm::Expected<llvm::json::Value> V = llvm::json::parse(Out);
  ASSERT_TRUE(bool(V)) << llvm::toString(V.takeError());
  const llvm::json::Array *Events = V->getAsObject()->getArray("traceEvents");
  ASSERT_TRUE(Events);
  int Threads = 0, Complete = 0, Counters = 0;
  for (const llvm::json::Value &E : *Events) {
    const llvm::json::Object *EO = E.getAsObject();
    auto Ph = EO->getString("ph");
    if (*Ph == "M" && *EO->getString("name") == "thread_name")
      ++Threads;
    if (*Ph == "X" && EO->getInteger("tid") < 3)
      ++Complete;
    if (*Ph == "C")
      ++Counters;
  }
  EXPECT_EQ(Threads, 6); // a compute and a transfer track per stage
  EXPECT_EQ(Complete, 3 * (3 * 4 + 1)); // F, B, W per microbatch + OPT
  EXPECT_GT(Counters, 0);
}

TEST(Simulator, SvgHasARowPerStageAndALegend) {
  Schedule S = mustGenerate(options(ScheduleKind::OneFOneB, 3, 4));
  SimResult R = mustSimulate(S, CostModel::uniform(3));
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  writeSvg(OS, S, R);
  EXPECT_EQ(Out.rfind("<svg", 0), 0u);
  EXPECT_NE(Out.find("</svg>"), std::string::npos);
  for (const char *Row : {">stage 0<", ">stage 1<", ">stage 2<"})
    EXPECT_NE(Out.find(Row), std::string::npos) << Row;
  EXPECT_NE(Out.find("F (forward)"), std::string::npos);
  EXPECT_NE(Out.find("BW (full-backward)"), std::string::npos);
  EXPECT_NE(Out.find("stage 2: BW3 [12, 14)"), std::string::npos);
}

} // namespace
