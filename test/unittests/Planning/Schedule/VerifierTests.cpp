//===- VerifierTests.cpp - Hand-made broken schedules are rejected --------===//

#include "TestUtil.h"

#include "pp/Planning/Schedule/TextForm.h"

using namespace pp::sched;
using namespace pp::sched::test;

namespace {

std::string check(const char *Text) {
  llvm::Expected<Schedule> S = parseSchedule(Text);
  if (!S)
    return "parse: " + llvm::toString(S.takeError());
  return verifyMessage(*S);
}

TEST(Verifier, AcceptsAHandWrittenPipeline) {
  EXPECT_EQ(check("s0: F0 SF0>1 F1 SF1>1 RB0<1 B0 W0 RB1<1 BW1\n"
                  "s1: RF0<0 F0 RF1<0 F1 BW0 SB0>0 B1 SB1>0 W1\n"),
            "");
}

TEST(Verifier, RejectsRecvWithoutSend) {
  EXPECT_EQ(check("s0: F0 RB0<1 BW0\n"
                  "s1: RF0<0 F0 BW0 SB0>0\n"),
            "stage 1, action 0 'RF0<0': no matching SF0>1 on stage 0");
}

// A SEND whose RECV is missing leaves its consumer without input, which is
// reported at the consumer (stage order is checked before matching).
TEST(Verifier, RejectsSendWithoutRecv) {
  EXPECT_EQ(check("s0: F0 SF0>1 RB0<1 BW0\n"
                  "s1: F0 BW0 SB0>0\n"),
            "stage 1, action 0 'F0': needs its input from stage 0, but "
            "RF0<0 does not come before it");
}

TEST(Verifier, RejectsACycleOfBlockingSends) {
  // Stage 0 sends F1 before receiving B0; stage 1 sends B0 before receiving
  // F1: both block in their send.
  EXPECT_EQ(check("s0: F0 SF0>1 F1 SF1>1 RB0<1 BW0 RB1<1 BW1\n"
                  "s1: RF0<0 F0 BW0 SB0>0 RF1<0 F1 BW1 SB1>0\n"),
            "stage 0, action 3 'SF1>1': deadlock: blocks until stage 1 "
            "reaches action 4 'RF1<0', but stage 1 is blocked at action 3 "
            "'SB0>0'");
}

TEST(Verifier, RejectsWBeforeB) {
  EXPECT_EQ(check("s0: F0 W0 B0\n"),
            "stage 0, action 1 'W0': W before its B: B0 has not run on this "
            "stage");
}

TEST(Verifier, RejectsBackwardBeforeForward) {
  EXPECT_EQ(check("s0: B0 F0 W0\n"),
            "stage 0, action 0 'B0': backward before its forward F0 on this "
            "stage");
}

TEST(Verifier, RejectsMissingActions) {
  EXPECT_EQ(check("schedule microbatches=2\ns0: F0 BW0 F1\n"),
            "stage 0: missing B1 (every microbatch needs F then B then W, or "
            "F then BW, on every chunk)");
}

TEST(Verifier, RejectsSendToTheWrongStage) {
  EXPECT_EQ(check("s0: F0 SF0>2 BW0\ns1: F0 BW0\ns2: F0 BW0\n"),
            "stage 0, action 1 'SF0>2': sends to stage 2, but virtual stage 1 "
            "that consumes it is on stage 1");
}

TEST(Verifier, RejectsComputeOnlyDeadlock) {
  // Stage 0 wants B0 before producing F1, stage 1 runs F1 before B0 (fine),
  // but stage 0 also wants F1's gradient... a dependency cycle across
  // stages with no communication listed.
  EXPECT_EQ(check("s0: F0 BW1 F1 BW0\ns1: F0 F1 BW0 BW1\n"),
            "stage 0, action 1 'BW1': backward before its forward F1 on this "
            "stage");
  EXPECT_EQ(check("s0: F0 BW0 F1 BW1\ns1: F1 F0 BW0 BW1\n"),
            "stage 0, action 1 'BW0': deadlock: its input is never produced "
            "(the stage that produces it is blocked behind this one)");
}

TEST(Verifier, ScheduleErrorCarriesThePosition) {
  llvm::Expected<Schedule> S = parseSchedule("s0: F0 W0 B0\n");
  ASSERT_TRUE(bool(S));
  llvm::Error E = verify(*S);
  ASSERT_TRUE(E.isA<ScheduleError>());
  llvm::handleAllErrors(std::move(E), [](const ScheduleError &SE) {
    EXPECT_EQ(SE.Stage, 0);
    EXPECT_EQ(SE.Index, 1);
    EXPECT_EQ(SE.ActionText, "W0");
  });
}

TEST(Verifier, TiedReductionMustPair) {
  EXPECT_EQ(check("s0: F0 SF0>1 RB0<1 BW0 TR~1 OPT\n"
                  "s1: RF0<0 F0 BW0 SB0>0 OPT\n"),
            "stage 0, action 4 'TR~1': no matching TR~0 on stage 1");
  EXPECT_EQ(check("s0: F0 SF0>1 RB0<1 BW0 OPT F0\n"
                  "s1: RF0<0 F0 BW0 SB0>0 OPT\n"),
            "stage 0, action 5 'F0': comes after the optimizer step (action "
            "4); OPT must be last");
}

// Schedules built in code, not only parsed ones, are checked against pp's
// limits before the verifier sizes its tables by their counts.
TEST(Verifier, RefusesCountsBeyondTheLimits) {
  Schedule S;
  S.NumMicrobatches = kMaxMicrobatches;
  S.NumChunks = kMaxVirtualStages;
  S.Stages.push_back({Action::compute(ActionKind::Forward, 0)});
  std::string Message = verifyMessage(S);
  EXPECT_TRUE(llvm::StringRef(Message).starts_with(
      "1 stages x 1048576 microbatches x 64 chunks is too large a schedule "
      "(pp plans at most"))
      << Message;
  S.NumChunks = kMaxVirtualStages + 1;
  Message = verifyMessage(S);
  EXPECT_TRUE(
      llvm::StringRef(Message).starts_with("65 chunks per stage are too many"))
      << Message;
}

} // namespace
