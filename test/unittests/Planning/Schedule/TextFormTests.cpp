//===- TextFormTests.cpp - parse(print(s)) == s ---------------------------===//

#include "TestUtil.h"

#include <algorithm>

#include "pp/Planning/Schedule/TextForm.h"

using namespace pp::sched;
using namespace pp::sched::test;

namespace {

TEST(TextForm, RoundTripsEveryGenerator) {
  for (ScheduleKind K :
       {ScheduleKind::GPipe, ScheduleKind::OneFOneB,
        ScheduleKind::Interleaved1F1B, ScheduleKind::ZBH1, ScheduleKind::ZBH2,
        ScheduleKind::ZBV, ScheduleKind::DualPipeV, ScheduleKind::Search,
        ScheduleKind::Auto}) {
    for (auto [P, M] : {std::pair{1, 1}, {2, 3}, {4, 8}, {5, 3}, {8, 16}}) {
      if (K == ScheduleKind::DualPipeV)
        M = std::max(M, 2 * P); // its minimum
      for (bool Tied : {false, true}) {
        ScheduleOptions O = options(K, P, M);
        O.TiedEmbedding = Tied;
        Schedule S = mustGenerate(O);
        std::string Text = scheduleToString(S);
        llvm::Expected<Schedule> Back = parseSchedule(Text);
        ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError()) << Text;
        EXPECT_EQ(*Back, S) << Text;
        EXPECT_EQ(scheduleToString(*Back), Text);
      }
    }
  }
}

TEST(TextForm, ActionSpellings) {
  struct Case {
    const char *Text;
    Action A;
  } Cases[] = {
      {"F3", {ActionKind::Forward, 3, 0, -1}},
      {"B3.1", {ActionKind::BackwardInput, 3, 1, -1}},
      {"W12.2", {ActionKind::BackwardWeight, 12, 2, -1}},
      {"BW0", {ActionKind::FullBackward, 0, 0, -1}},
      {"SF3.1>2", {ActionKind::SendF, 3, 1, 2}},
      {"RF0<1", {ActionKind::RecvF, 0, 0, 1}},
      {"SB4>0", {ActionKind::SendB, 4, 0, 0}},
      {"RB4.1<3", {ActionKind::RecvB, 4, 1, 3}},
      {"TR~3", {ActionKind::TiedReduce, 0, 0, 3}},
      {"OPT", {ActionKind::OptimizerStep, 0, 0, -1}},
  };
  for (const Case &C : Cases) {
    llvm::Expected<Action> A = parseAction(C.Text);
    ASSERT_TRUE(bool(A)) << llvm::toString(A.takeError());
    EXPECT_EQ(*A, C.A) << C.Text;
    EXPECT_EQ(actionToString(C.A, 3).find(C.Text[0]), 0u);
  }
  EXPECT_EQ(actionToString({ActionKind::Forward, 3, 0, -1}, 1), "F3");
  EXPECT_EQ(actionToString({ActionKind::Forward, 3, 0, -1}, 2), "F3.0");
}

TEST(TextForm, SyntaxErrorsNameLineAndToken) {
  auto Msg = [](const char *Text) {
    llvm::Expected<Schedule> S = parseSchedule(Text);
    return S ? std::string() : llvm::toString(S.takeError());
  };
  EXPECT_EQ(Msg("s0: F0 X1\n"),
            "line 1: bad action 'X1': unknown kind 'X' (expected F, B, W, BW, "
            "SF, RF, SB, RB, TR or OPT)");
  EXPECT_EQ(Msg("# c\ns0: F0\ns2: F0\n"),
            "line 3: expected stage s1, got s2 (stage lines must be in order)");
  EXPECT_EQ(Msg("s0: SF0\n"),
            "line 1: bad action 'SF0': expected '>' and the destination stage");
  EXPECT_EQ(Msg("schedule x stages=3\ns0: F0\n"),
            "the header says stages=3 but there are 1 stage lines");
  EXPECT_EQ(Msg("hello\n"), "line 1: expected 'sN: actions...' or a "
                            "'schedule' header, got 'hello'");
}

TEST(TextForm, HeaderlessInfersSizes) {
  llvm::Expected<Schedule> S =
      parseSchedule("s0: F0.1 F2.0 # comment\n\ns1: BW1\n");
  ASSERT_TRUE(bool(S)) << llvm::toString(S.takeError());
  EXPECT_EQ(S->NumStages, 2);
  EXPECT_EQ(S->NumMicrobatches, 3);
  EXPECT_EQ(S->NumChunks, 2);
  EXPECT_EQ(S->Name, "custom");
}

} // namespace
