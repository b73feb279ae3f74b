//===- VerifySchedule.cpp - pp-verify-schedule ----------------------------===//
//
// Checks every pp.schedule with the schedule library's verifier and reports
// the first failure at the offending action op.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/ScheduleIR.h"

#include "pp/Transforms/SchedulePasses.h"

namespace pp {
#define GEN_PASS_DEF_PPVERIFYSCHEDULE
#include "pp/Transforms/SchedulePasses.h.inc"
} // namespace pp

using namespace mlir;

namespace {
struct VerifySchedulePass
    : public pp::impl::PPVerifyScheduleBase<VerifySchedulePass> {
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](pp::pp::ScheduleOp op) {
      if (mlir::failed(pp::verifyScheduleOp(op)))
        failed = true;
    });
    if (failed)
      return signalPassFailure();
    markAllAnalysesPreserved();
  }
};
} // namespace
