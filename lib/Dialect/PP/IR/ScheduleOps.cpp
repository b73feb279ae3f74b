//===- ScheduleOps.cpp - Verifiers of the schedule ops --------------------===//
//
// Local well-formedness of `pp.schedule`, `pp.stage_actions` and the action
// ops: ranges of microbatches, chunks and peers, one action list per stage in
// order, and the shape of the `costs` dictionary. Whether the lists form a
// valid schedule (dependencies, matching, deadlock) is checked by
// `pp-verify-schedule` through the schedule library.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/PP/IR/PP.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace pp::pp;

//===----------------------------------------------------------------------===//
// ScheduleOp
//===----------------------------------------------------------------------===//

StageActionsOp ScheduleOp::getStage(int64_t stage) {
  for (auto actions : getBody().front().getOps<StageActionsOp>())
    if ((int64_t)actions.getStage() == stage)
      return actions;
  return {};
}

/// `key` of `costs`: an array of `count` non-negative numbers, or absent if
/// `optional`.
static LogicalResult verifyCostArray(ScheduleOp op, DictionaryAttr costs,
                                     StringRef key, int64_t count,
                                     bool optional) {
  Attribute attr = costs.get(key);
  if (!attr) {
    if (optional)
      return success();
    return op.emitOpError() << "costs lack '" << key << "'";
  }
  auto array = dyn_cast<ArrayAttr>(attr);
  if (!array || (int64_t)array.size() != count)
    return op.emitOpError() << "costs '" << key << "' must be an array of "
                            << count << " numbers, one per stage";
  for (Attribute element : array) {
    double value = -1;
    if (auto f = dyn_cast<FloatAttr>(element))
      value = f.getValueAsDouble();
    else if (auto i = dyn_cast<IntegerAttr>(element))
      value = (double)i.getInt();
    if (!(value >= 0))
      return op.emitOpError()
             << "costs '" << key << "' must hold non-negative numbers";
  }
  return success();
}

static LogicalResult verifyCostScalar(ScheduleOp op, DictionaryAttr costs,
                                      StringRef key) {
  Attribute attr = costs.get(key);
  if (!attr)
    return success();
  double value = -1;
  if (auto f = dyn_cast<FloatAttr>(attr))
    value = f.getValueAsDouble();
  else if (auto i = dyn_cast<IntegerAttr>(attr))
    value = (double)i.getInt();
  if (!(value >= 0))
    return op.emitOpError()
           << "costs '" << key << "' must be a non-negative number";
  return success();
}

LogicalResult ScheduleOp::verify() {
  if (getPlacement() == Placement::V && getVirtualStages() != 2)
    return emitOpError() << "placement \"v\" needs virtual_stages 2, not "
                         << getVirtualStages();
  if (DictionaryAttr costs = getCostsAttr()) {
    int64_t p = getNumStages();
    for (StringRef key : {"f", "b", "w"})
      if (failed(verifyCostArray(*this, costs, key, p, /*optional=*/false)))
        return failure();
    for (StringRef key : {"act", "out"})
      if (failed(verifyCostArray(*this, costs, key, p, /*optional=*/true)))
        return failure();
    for (StringRef key : {"latency", "bandwidth"})
      if (failed(verifyCostScalar(*this, costs, key)))
        return failure();
    // Costs per virtual stage: all five or none, one entry per virtual
    // stage.
    if (costs.get("vf"))
      for (StringRef key : {"vf", "vb", "vw", "vact", "vout"})
        if (failed(verifyCostArray(*this, costs, key, p * getVirtualStages(),
                                   /*optional=*/false)))
          return failure();
    if (Attribute tied = costs.get("tied")) {
      auto list = dyn_cast<ArrayAttr>(tied);
      if (!list)
        return emitOpError() << "costs 'tied' must be an array";
      int64_t numVirtual = p * getVirtualStages();
      for (Attribute entry : list) {
        auto d = dyn_cast<DictionaryAttr>(entry);
        auto stages = d ? d.getAs<ArrayAttr>("stages") : ArrayAttr();
        auto bytes = d ? d.getAs<FloatAttr>("bytes") : FloatAttr();
        if (!stages || !bytes || bytes.getValueAsDouble() < 0 ||
            !llvm::all_of(stages, [&](Attribute s) {
              auto i = dyn_cast<IntegerAttr>(s);
              return i && i.getInt() >= 0 && i.getInt() < numVirtual;
            }))
          return emitOpError()
                 << "costs 'tied' entries must be {stages = [virtual stages "
                    "below "
                 << numVirtual << "], bytes = a non-negative number}";
      }
    }
    for (NamedAttribute entry : costs)
      if (!llvm::is_contained({"f", "b", "w", "act", "out", "latency",
                               "bandwidth", "vf", "vb", "vw", "vact", "vout",
                               "tied"},
                              entry.getName().getValue()))
        return emitOpError()
               << "unknown costs entry '" << entry.getName().getValue() << "'";
  }
  return success();
}

LogicalResult ScheduleOp::verifyRegions() {
  int64_t expected = 0;
  for (Operation &op : getBody().front()) {
    auto actions = dyn_cast<StageActionsOp>(op);
    if (!actions)
      return op.emitOpError()
             << "cannot appear in 'pp.schedule'; only 'pp.stage_actions'";
    if ((int64_t)actions.getStage() != expected)
      return actions.emitOpError()
             << "of stage " << actions.getStage() << " is out of order: "
             << "expected the list of stage " << expected;
    ++expected;
  }
  if (expected != (int64_t)getNumStages())
    return emitOpError() << "has " << expected << " stage action lists but "
                         << getNumStages() << " stages";
  return success();
}

//===----------------------------------------------------------------------===//
// StageActionsOp
//===----------------------------------------------------------------------===//

static bool isActionOp(Operation &op) {
  return isa<ForwardActionOp, BackwardInputActionOp, BackwardWeightActionOp,
             BackwardActionOp, SendActivationActionOp, RecvActivationActionOp,
             SendGradActionOp, RecvGradActionOp, ReduceTiedGradsActionOp,
             OptimizerStepActionOp>(op);
}

LogicalResult StageActionsOp::verifyRegions() {
  for (Operation &op : getBody().front())
    if (!isActionOp(op))
      return op.emitOpError() << "is not a schedule action and cannot "
                                 "appear in 'pp.stage_actions'";
  return success();
}

//===----------------------------------------------------------------------===//
// Action ops
//===----------------------------------------------------------------------===//

/// The schedule around an action op (its parent's parent); null while the
/// op is not nested yet (the HasParent trait reports that).
static ScheduleOp getScheduleOf(Operation *op) {
  auto actions = dyn_cast_or_null<StageActionsOp>(op->getParentOp());
  if (!actions)
    return {};
  return dyn_cast_or_null<ScheduleOp>(actions->getParentOp());
}

static LogicalResult verifyMicrobatchAndChunk(Operation *op, int64_t microbatch,
                                              int64_t chunk) {
  ScheduleOp schedule = getScheduleOf(op);
  if (!schedule)
    return success();
  if (microbatch >= (int64_t)schedule.getMicrobatches())
    return op->emitOpError()
           << "microbatch " << microbatch << " out of range: the schedule has "
           << schedule.getMicrobatches() << " microbatches";
  if (chunk >= (int64_t)schedule.getVirtualStages())
    return op->emitOpError()
           << "chunk " << chunk << " out of range: the schedule has "
           << schedule.getVirtualStages() << " chunks per stage";
  return success();
}

static LogicalResult verifyActionPeer(Operation *op, int64_t peer) {
  ScheduleOp schedule = getScheduleOf(op);
  if (!schedule)
    return success();
  if (peer >= (int64_t)schedule.getNumStages())
    return op->emitOpError()
           << "peer " << peer << " out of range: the schedule has "
           << schedule.getNumStages() << " stages";
  auto actions = cast<StageActionsOp>(op->getParentOp());
  if (peer == (int64_t)actions.getStage())
    return op->emitOpError() << "peer " << peer << " is the action's own stage";
  return success();
}

template <typename OpT> static LogicalResult verifyComputeAction(OpT op) {
  return verifyMicrobatchAndChunk(op, op.getMicrobatch(), op.getChunk());
}

template <typename OpT> static LogicalResult verifyCommAction(OpT op) {
  if (failed(verifyMicrobatchAndChunk(op, op.getMicrobatch(), op.getChunk())))
    return failure();
  return verifyActionPeer(op, op.getPeer());
}

LogicalResult ForwardActionOp::verify() { return verifyComputeAction(*this); }
LogicalResult BackwardInputActionOp::verify() {
  return verifyComputeAction(*this);
}
LogicalResult BackwardWeightActionOp::verify() {
  return verifyComputeAction(*this);
}
LogicalResult BackwardActionOp::verify() { return verifyComputeAction(*this); }
LogicalResult SendActivationActionOp::verify() {
  return verifyCommAction(*this);
}
LogicalResult RecvActivationActionOp::verify() {
  return verifyCommAction(*this);
}
LogicalResult SendGradActionOp::verify() { return verifyCommAction(*this); }
LogicalResult RecvGradActionOp::verify() { return verifyCommAction(*this); }
LogicalResult ReduceTiedGradsActionOp::verify() {
  return verifyActionPeer(*this, getPeer());
}
