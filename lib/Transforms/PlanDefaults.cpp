//===- PlanDefaults.cpp - Settings shared by the planning passes ----------===//

#include "pp/Transforms/PlanDefaults.h"

#include "pp/Dialect/PP/IR/PP.h"

using namespace mlir;

namespace pp {

PlanDefaults &getPlanDefaults() {
  static PlanDefaults defaults;
  return defaults;
}

std::string resolvePlanDevice(llvm::StringRef option, ModuleOp module) {
  if (!option.empty())
    return option.str();
  if (auto recorded =
          module->getAttrOfType<StringAttr>(pp::PPDialect::kDeviceAttrName))
    return recorded.str();
  if (!getPlanDefaults().device.empty())
    return getPlanDefaults().device;
  return "h100";
}

void recordPlanDevice(ModuleOp module, llvm::StringRef device) {
  module->setAttr(pp::PPDialect::kDeviceAttrName,
                  StringAttr::get(module.getContext(), device));
}

std::string resolvePlanReport(llvm::StringRef option) {
  return option.empty() ? getPlanDefaults().report : option.str();
}

} // namespace pp
