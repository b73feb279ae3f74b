//===- PPDialect.cpp - The pp dialect -------------------------------------===//

#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Dialect/PP/IR/TrainingAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace pp::pp;

#include "pp/Dialect/PP/IR/PPOpsDialect.cpp.inc"

#include "pp/Dialect/PP/IR/PPEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "pp/Dialect/PP/IR/PPAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "pp/Dialect/PP/IR/PPOps.cpp.inc"

void PPDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "pp/Dialect/PP/IR/PPAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "pp/Dialect/PP/IR/PPOps.cpp.inc"
      >();
}

LogicalResult PPDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  if (attr.getName() == kStageAttrName) {
    auto stage = dyn_cast<IntegerAttr>(attr.getValue());
    if (!stage || !stage.getType().isInteger(64) || stage.getInt() < 0)
      return op->emitError() << "'" << kStageAttrName
                             << "' must be a non-negative i64 stage index";
    return success();
  }
  if (attr.getName() == kNumStagesAttrName ||
      attr.getName() == kVirtualStagesAttrName) {
    auto count = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !count || !count.getType().isInteger(64) ||
        count.getInt() < 1)
      return op->emitError() << "'" << attr.getName().getValue()
                             << "' must be a positive i64 on a module";
    return success();
  }
  if (attr.getName() == kChunkAttrName ||
      attr.getName() == kVirtualStageAttrName) {
    auto index = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<FunctionOpInterface>(op) || !index ||
        !index.getType().isInteger(64) || index.getInt() < 0)
      return op->emitError() << "'" << attr.getName().getValue()
                             << "' must be a non-negative i64 on a function";
    return success();
  }
  if (attr.getName() == kRandomIdAttrName) {
    auto id = dyn_cast<IntegerAttr>(attr.getValue());
    if (!id || !id.getType().isInteger(64) || id.getInt() < 0)
      return op->emitError()
             << "'" << kRandomIdAttrName << "' must be a non-negative i64";
    return success();
  }
  if (attr.getName() == kDeviceAttrName) {
    auto device = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !device || device.getValue().empty())
      return op->emitError() << "'" << kDeviceAttrName
                             << "' must be a non-empty string on a module";
    return success();
  }
  if (attr.getName() == kCostAttrName) {
    auto cost = dyn_cast<DictionaryAttr>(attr.getValue());
    auto isTime = [&](StringRef key) {
      auto t = cost ? cost.getAs<FloatAttr>(key) : FloatAttr();
      return t && t.getValueAsDouble() >= 0;
    };
    auto act = cost ? cost.getAs<IntegerAttr>("act") : IntegerAttr();
    // A forward op recomputed in a backward function costs B only.
    if (cost && cost.size() == 1 && isTime("recompute"))
      return success();
    if (!isTime("f") || !isTime("b") || !isTime("w") || !act ||
        act.getInt() < 0 || cost.size() != 4)
      return op->emitError() << "'" << kCostAttrName
                             << "' must be {f, b, w} non-negative seconds "
                                "and act bytes, or {recompute} seconds on a "
                                "recomputed op";
    return success();
  }
  if (attr.getName() == kRecomputeAttrName) {
    auto policy = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !policy ||
        !llvm::is_contained({"full", "selective", "auto"}, policy.getValue()))
      return op->emitError() << "'" << kRecomputeAttrName
                             << "' must be full, selective or auto on a "
                                "module";
    return success();
  }
  if (attr.getName() == kRoleAttrName) {
    auto role = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<FunctionOpInterface>(op) || !role ||
        !llvm::is_contained({"forward", "backward_input", "backward_weight"},
                            role.getValue()))
      return op->emitError() << "'" << kRoleAttrName
                             << "' must be forward, backward_input or "
                                "backward_weight on a function";
    return success();
  }
  if (attr.getName() == kLossAttrName) {
    auto loss = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !loss ||
        !llvm::is_contained({"cross-entropy", "mse", "output"},
                            loss.getValue()))
      return op->emitError() << "'" << kLossAttrName
                             << "' must be cross-entropy, mse or output on "
                                "a module";
    return success();
  }
  if (attr.getName() == kPaddingIndexAttrName) {
    auto index = dyn_cast<IntegerAttr>(attr.getValue());
    if (op->getName().getStringRef() != "nn.gather" || !index ||
        !index.getType().isInteger(64) || index.getInt() < 0)
      return op->emitError() << "'" << kPaddingIndexAttrName
                             << "' must be a non-negative i64 on nn.gather";
    return success();
  }
  if (attr.getName() == kFrozenAttrName) {
    auto reason = dyn_cast<StringAttr>(attr.getValue());
    if (op->getName().getStringRef() != "ml_program.global" ||
        op->hasAttr("is_mutable") || !reason ||
        !llvm::is_contained({"option", "training_info", "non_finite"},
                            reason.getValue()))
      return op->emitError() << "'" << kFrozenAttrName
                             << "' must be option, training_info or "
                                "non_finite on an immutable ml_program.global";
    return success();
  }
  return op->emitError() << "unknown pp attribute '"
                         << attr.getName().getValue() << "'";
}

ArrayRef<StringLiteral> PPDialect::getPortRoles() {
  using namespace ::pp::training;
  static constexpr StringLiteral roles[] = {
      kInputPort,           kOutputPort,        kSavedPort,
      kOutputGradPort,      kInputGradPort,     kCotangentPort,
      kParamGradPort,       kBoundaryInPort,    kBoundaryOutPort,
      kBoundaryOutGradPort, kBoundaryInGradPort};
  return roles;
}

LogicalResult PPDialect::verifyPortAttribute(Operation *op, NamedAttribute attr,
                                             StringRef what) {
  if (attr.getName() == kRoleAttrName) {
    auto role = dyn_cast<StringAttr>(attr.getValue());
    if (!role || !llvm::is_contained(getPortRoles(), role.getValue())) {
      std::string roles;
      for (StringLiteral r : getPortRoles())
        roles += (roles.empty() ? "" : ", ") + r.str();
      return op->emitError() << "'" << kRoleAttrName << "' of " << what
                             << " must be one of " << roles;
    }
    return success();
  }
  if (attr.getName() == kKeyAttrName) {
    auto key = dyn_cast<StringAttr>(attr.getValue());
    if (!key || key.getValue().empty())
      return op->emitError() << "'" << kKeyAttrName << "' of " << what
                             << " must be a non-empty string";
    return success();
  }
  if (attr.getName() == kNoGradAttrName) {
    if (!isa<UnitAttr>(attr.getValue()))
      return op->emitError() << "'" << kNoGradAttrName << "' of " << what
                             << " must be a unit attribute";
    return success();
  }
  return op->emitError() << "unknown pp attribute '"
                         << attr.getName().getValue() << "' on " << what;
}

LogicalResult PPDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attr) {
  return verifyPortAttribute(op, attr, "argument " + std::to_string(argIndex));
}

LogicalResult PPDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned resultIndex,
                                                     NamedAttribute attr) {
  return verifyPortAttribute(op, attr, "result " + std::to_string(resultIndex));
}

/// A transfer to or from the op's own stage is a mistake in the plan.
static LogicalResult verifyPeer(Operation *op, int64_t peer) {
  auto stage = op->getAttrOfType<IntegerAttr>(PPDialect::kStageAttrName);
  if (stage && stage.getInt() == peer)
    return op->emitOpError() << "peer " << peer << " is the op's own stage";
  return success();
}

LogicalResult SendOp::verify() { return verifyPeer(*this, getPeer()); }
LogicalResult RecvOp::verify() { return verifyPeer(*this, getPeer()); }
