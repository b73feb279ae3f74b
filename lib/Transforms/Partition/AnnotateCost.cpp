//===- AnnotateCost.cpp - The pp-annotate-cost pass -----------------------===//

#include "OpCosts.h"

#include "pp/Transforms/PartitionPasses.h"
#include "pp/Transforms/PlanDefaults.h"

#include "mlir/IR/Builders.h"

namespace pp {
#define GEN_PASS_DEF_PPANNOTATECOST
#include "pp/Transforms/PartitionPasses.h.inc"
} // namespace pp

using namespace mlir;

namespace pp {
namespace {

struct AnnotateCostPass : impl::PPAnnotateCostBase<AnnotateCostPass> {
  using PPAnnotateCostBase::PPAnnotateCostBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>("forward");
    if (!func || func.isExternal()) {
      module.emitError("pp-annotate-cost: no func.func @forward with a body");
      return signalPassFailure();
    }
    std::string deviceName = resolvePlanDevice(device, module, defaultDevice);
    auto profile = device::resolveDeviceProfile(deviceName);
    if (!profile) {
      func.emitError() << "pp-annotate-cost: option 'device': "
                       << llvm::toString(profile.takeError());
      return signalPassFailure();
    }
    recordPlanDevice(module, deviceName);
    FailureOr<FunctionCosts> costs = FunctionCosts::compute(func, *profile);
    if (failed(costs))
      return signalPassFailure();
    Builder b(module.getContext());
    for (auto [i, op] : llvm::enumerate(costs->getNodes())) {
      const OpTimes &t = costs->getTimes(i);
      op->setAttr(::pp::pp::PPDialect::kCostAttrName,
                  b.getDictionaryAttr({
                      b.getNamedAttr("f", b.getF64FloatAttr(t.forward)),
                      b.getNamedAttr("b", b.getF64FloatAttr(t.backwardInput)),
                      b.getNamedAttr("w", b.getF64FloatAttr(t.backwardWeight)),
                      b.getNamedAttr("act", b.getI64IntegerAttr(
                                                (int64_t)t.activationBytes)),
                  }));
    }
  }
};

} // namespace
} // namespace pp
