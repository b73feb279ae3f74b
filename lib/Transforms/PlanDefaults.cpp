//===- PlanDefaults.cpp - Settings shared by the planning passes ----------===//

#include "pp/Transforms/PlanDefaults.h"

#include "pp/Dialect/PP/IR/PP.h"

#include "mlir/Pass/Pass.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace pp {

/// Whether `pass`'s textual form shows option `key` empty ("key=" followed
/// by a space or the closing brace).
static bool hasEmptyOption(Pass &pass, llvm::StringRef key) {
  std::string text;
  llvm::raw_string_ostream os(text);
  pass.printAsTextualPipeline(os);
  for (size_t at = text.find((key + "=").str()); at != std::string::npos;
       at = text.find((key + "=").str(), at + 1)) {
    bool starts = at > 0 && (text[at - 1] == '{' || text[at - 1] == ' ');
    size_t after = at + key.size() + 1;
    if (starts && after < text.size() &&
        (text[after] == ' ' || text[after] == '}'))
      return true;
  }
  return false;
}

LogicalResult applyPlanDefaults(OpPassManager &pm,
                                const PlanDefaults &defaults) {
  struct Default {
    llvm::StringRef pass, option;
    const std::string &value;
  };
  const Default table[] = {
      {"pp-annotate-cost", "default-device", defaults.device},
      {"pp-partition-stages", "default-device", defaults.device},
      {"pp-schedule", "default-device", defaults.device},
      {"pp-recompute", "default-device", defaults.device},
      {"pp-fit-memory", "default-device", defaults.device},
      {"pp-partition-stages", "report", defaults.report},
      {"pp-simulate", "report", defaults.report},
  };
  for (Pass &pass : pm.getPasses())
    for (const Default &d : table) {
      if (d.value.empty() || pass.getArgument() != d.pass ||
          !hasEmptyOption(pass, d.option))
        continue;
      // Quoted, so that paths with spaces or '=' parse as one value.
      std::string option = (d.option + "={" + d.value + "}").str();
      if (failed(pass.initializeOptions(option, [&](const llvm::Twine &msg) {
            llvm::errs() << "pp-opt: error: " << d.pass << ": " << msg << "\n";
            return failure();
          })))
        return failure();
    }
  return success();
}

std::string resolvePlanDevice(llvm::StringRef option, ModuleOp module,
                              llvm::StringRef fallback) {
  if (!option.empty())
    return option.str();
  if (auto recorded =
          module->getAttrOfType<StringAttr>(pp::PPDialect::kDeviceAttrName))
    return recorded.str();
  if (!fallback.empty())
    return fallback.str();
  return "h100";
}

void recordPlanDevice(ModuleOp module, llvm::StringRef device) {
  module->setAttr(pp::PPDialect::kDeviceAttrName,
                  StringAttr::get(module.getContext(), device));
}

} // namespace pp
