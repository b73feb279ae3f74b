//===- Summary.cpp - Print a summary of a model ---------------------------===//

#include "pp/Transforms/Passes.h"

#include "pp/Support/Format.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/FormatVariadic.h"

namespace pp {
#define GEN_PASS_DEF_PPSUMMARY
#include "pp/Transforms/Passes.h.inc"
} // namespace pp

using namespace mlir;

namespace pp {
namespace {

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

struct SummaryPass : impl::PPSummaryBase<SummaryPass> {
  using PPSummaryBase::PPSummaryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::raw_ostream &os = llvm::errs();
    if (auto path = module->getAttrOfType<StringAttr>("onnx.model")) {
      os << "model " << path.getValue();
      if (auto opset = module->getAttrOfType<IntegerAttr>("onnx.opset"))
        os << " (opset " << opset.getInt() << ")";
      os << "\n";
    }
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal())
        summarize(module, func, os);
  }

  void summarize(ModuleOp module, func::FuncOp func, llvm::raw_ostream &os) {
    os << "function @" << func.getSymName() << "\n";
    auto name = [](StringAttr attr, unsigned i, StringRef prefix) {
      return attr ? attr.str() : (prefix + Twine(i)).str();
    };
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      os << llvm::formatv(
          "  input  {0,-24} {1}\n",
          name(func.getArgAttrOfType<StringAttr>(i, "onnx.name"), i, "arg"),
          typeString(func.getArgumentTypes()[i]));
    for (unsigned i = 0; i < func.getNumResults(); ++i)
      os << llvm::formatv(
          "  output {0,-24} {1}\n",
          name(func.getResultAttrOfType<StringAttr>(i, "onnx.name"), i,
               "result"),
          typeString(func.getResultTypes()[i]));

    llvm::MapVector<StringRef, unsigned> counts;
    double flops = 0, bytes = 0;
    int64_t params = 0, paramBytes = 0, numParams = 0, numOps = 0;
    llvm::DenseSet<Operation *> seenGlobals;
    func.walk([&](Operation *op) {
      if (op == func || isa<func::ReturnOp>(op))
        return;
      ++numOps;
      ++counts[op->getName().getStringRef()];
      if (auto costed = dyn_cast<nn::CostOpInterface>(op)) {
        nn::OpCost cost = costed.getForwardCost();
        flops += cost.flops;
        bytes += cost.bytesRead + cost.bytesWritten;
      }
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
        auto *global = SymbolTable::lookupSymbolIn(module, load.getGlobal());
        if (global && seenGlobals.insert(global).second) {
          auto type = cast<ShapedType>(load.getType());
          ++numParams;
          params += type.getNumElements();
          paramBytes += nn::getTensorBytes(type);
        }
      }
    });
    os << llvm::formatv("  {0} ops, {1} parameter tensors with {2} values "
                        "({3})\n",
                        numOps, numParams, formatCount(params),
                        formatBytes(paramBytes));
    os << llvm::formatv("  forward: {0} FLOP, {1} of memory traffic\n",
                        formatCount(flops), formatBytes(bytes));
    SmallVector<std::pair<StringRef, unsigned>> sorted(counts.begin(),
                                                       counts.end());
    llvm::stable_sort(sorted,
                      [](auto &a, auto &b) { return a.second > b.second; });
    if (topOps > 0 && sorted.size() > topOps)
      sorted.resize(topOps);
    os << "  ops:";
    for (auto [opName, count] : sorted)
      os << " " << opName << " " << count;
    os << "\n";
  }
};

} // namespace
} // namespace pp
