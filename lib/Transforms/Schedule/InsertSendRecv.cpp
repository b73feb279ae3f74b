//===- InsertSendRecv.cpp - pp-insert-send-recv ---------------------------===//
//
// Lowers compute-only pp.schedule ops to lists with matched communication
// (the schedule library's lowerCommunication), then verifies the result.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/ScheduleIR.h"

#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Transforms/SchedulePasses.h"

namespace pp {
#define GEN_PASS_DEF_PPINSERTSENDRECV
#include "pp/Transforms/SchedulePasses.h.inc"
} // namespace pp

using namespace mlir;

namespace {
struct InsertSendRecvPass
    : public pp::impl::PPInsertSendRecvBase<InsertSendRecvPass> {
  void runOnOperation() override {
    bool failed = false;
    bool changed = false;
    getOperation().walk([&](pp::pp::ScheduleOp op) {
      if (mlir::failed(pp::verifyScheduleOp(op))) {
        failed = true;
        return;
      }
      pp::sched::Schedule computeOnly = pp::toSchedule(op);
      if (computeOnly.hasCommunication() || computeOnly.NumStages == 1)
        return;
      std::optional<pp::sched::CostModel> costs = pp::getCostModel(op);
      llvm::Expected<pp::sched::Schedule> lowered =
          pp::sched::lowerCommunication(computeOnly, costs ? &*costs : nullptr);
      if (!lowered) {
        mlir::emitError(op.getLoc())
            << "pp-insert-send-recv: cannot insert communication: "
            << llvm::toString(lowered.takeError());
        failed = true;
        return;
      }
      pp::replaceActions(op, *lowered);
      changed = true;
      if (mlir::failed(pp::verifyScheduleOp(
              op, "schedule with communication rejected (a bug in pp): ")))
        failed = true;
    });
    if (failed)
      return signalPassFailure();
    if (!changed)
      markAllAnalysesPreserved();
  }
};
} // namespace
