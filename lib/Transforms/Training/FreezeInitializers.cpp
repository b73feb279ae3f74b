//===- FreezeInitializers.cpp - Keep initializers out of training ---------===//
//
// A frozen initializer becomes an immutable global, so that everything after
// pp-attach-loss (activity analysis, costs, tied-weight reductions, the
// exported parameter table) treats it as the constant it is: no gradient,
// no optimizer state, saved unchanged.
//
//===----------------------------------------------------------------------===//

#include "FreezeInitializers.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Import/InitializerReader.h"
#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/GlobPattern.h"

using namespace mlir;
using namespace pp::training;

namespace pp {
namespace {

/// The ONNX initializer a global came from: its `#nn.external` key, else
/// its own symbol.
StringRef getSourceName(ml_program::GlobalOp global) {
  if (auto external =
          dyn_cast_or_null<nn::ExternalDataAttr>(global.getValueAttr()))
    return external.getKey().getValue();
  return global.getSymName();
}

/// Scans encoded float data as it is written, without keeping it, for the
/// first element that is an infinity or a NaN. IEEE formats are checked by
/// their exponent bits; others through APFloat.
class NonFiniteScanner : public llvm::raw_ostream {
public:
  explicit NonFiniteScanner(FloatType type)
      : semantics(type.getFloatSemantics()),
        bytes(type.getIntOrFloatBitWidth() / 8) {
    switch (type.getIntOrFloatBitWidth()) {
    case 64:
      exponentMask = 0x7ff0000000000000ull;
      break;
    case 32:
      exponentMask = 0x7f800000ull;
      break;
    case 16:
      exponentMask = type.isBF16() ? 0x7f80ull : 0x7c00ull;
      break;
    default:
      break;
    }
    if (!(type.isF64() || type.isF32() || type.isF16() || type.isBF16()))
      exponentMask = 0;
    SetUnbuffered();
  }

  /// The index of the first non-finite element, if any.
  std::optional<int64_t> firstNonFinite() const { return found; }
  /// Its value, printed.
  std::string foundValue() const { return value; }

private:
  void write_impl(const char *data, size_t size) override {
    for (size_t i = 0; i < size; ++i) {
      pending[pendingBytes++] = data[i];
      if (pendingBytes < bytes)
        continue;
      pendingBytes = 0;
      if (!found)
        check();
      ++index;
    }
  }

  void check() {
    uint64_t bits = 0;
    std::memcpy(&bits, pending, bytes); // Little-endian, as encoded.
    bool finite =
        exponentMask
            ? (bits & exponentMask) != exponentMask
            : llvm::APFloat(semantics, llvm::APInt(bytes * 8, bits)).isFinite();
    if (finite)
      return;
    found = index;
    llvm::APFloat number(semantics, llvm::APInt(bytes * 8, bits));
    value = number.isNaN() ? "nan" : number.isNegative() ? "-inf" : "inf";
  }

  uint64_t current_pos() const override { return index * bytes; }

  const llvm::fltSemantics &semantics;
  unsigned bytes;
  uint64_t exponentMask = 0;
  char pending[8] = {};
  unsigned pendingBytes = 0;
  int64_t index = 0;
  std::optional<int64_t> found;
  std::string value;
};

void freeze(ModuleOp module, ml_program::GlobalOp global, StringRef reason) {
  global.setIsMutable(false);
  global->setAttr(kFrozenAttr, StringAttr::get(module.getContext(), reason));
  SmallVector<ml_program::GlobalLoadOp> loads;
  module.walk([&](ml_program::GlobalLoadOp load) {
    if (load.getGlobalAttr().getRootReference() == global.getSymNameAttr())
      loads.push_back(load);
  });
  for (ml_program::GlobalLoadOp load : loads) {
    OpBuilder builder(load);
    auto constant = ml_program::GlobalLoadConstOp::create(
        builder, load.getLoc(), load.getType(), load.getGlobalAttr());
    load.replaceAllUsesWith(constant.getResult());
    load.erase();
  }
}

} // namespace

LogicalResult freezeInitializers(ModuleOp module, func::FuncOp forward,
                                 ArrayRef<std::string> patterns) {
  // The candidates: mutable float globals the step reads, except
  // BatchNormalization's running statistics (state, never trained).
  llvm::DenseSet<StringAttr> statistics;
  forward.walk([&](nn::BatchNormOp norm) {
    for (Value statistic : {norm.getMean(), norm.getVar()})
      if (auto load = statistic.getDefiningOp<ml_program::GlobalLoadOp>())
        statistics.insert(load.getGlobalAttr().getRootReference());
  });
  SetVector<StringAttr> read;
  forward.walk([&](ml_program::GlobalLoadOp load) {
    read.insert(load.getGlobalAttr().getRootReference());
  });
  SmallVector<ml_program::GlobalOp> candidates;
  for (StringAttr symbol : read) {
    auto global = module.lookupSymbol<ml_program::GlobalOp>(symbol);
    if (global && global.getIsMutable() && !statistics.contains(symbol) &&
        isa<FloatType>(cast<ShapedType>(global.getType()).getElementType()))
      candidates.push_back(global);
  }

  SmallVector<llvm::GlobPattern> globs;
  for (const std::string &pattern : patterns) {
    llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(pattern);
    if (!glob)
      return module.emitError() << "pp-attach-loss: frozen='" << pattern
                                << "' is not a valid pattern: "
                                << llvm::toString(glob.takeError());
    globs.push_back(std::move(*glob));
  }
  std::vector<bool> patternUsed(patterns.size(), false);

  std::optional<llvm::StringSet<>> updated;
  if (auto updates =
          module->getAttrOfType<ArrayAttr>(kTrainingInfoUpdatesAttr)) {
    updated.emplace();
    for (auto name : updates.getAsRange<StringAttr>())
      updated->insert(name.getValue());
  }

  // BatchNorm's running statistics are never trained: a pattern that names
  // them (a user freezing every registered buffer) is satisfied, and they
  // stay state.
  for (StringAttr symbol : statistics) {
    auto global = module.lookupSymbol<ml_program::GlobalOp>(symbol);
    if (!global)
      continue;
    for (auto [index, glob] : llvm::enumerate(globs))
      if (glob.match(getSourceName(global)) || glob.match(global.getSymName()))
        patternUsed[index] = true;
  }

  InitializerReader reader("pp-attach-loss");
  for (ml_program::GlobalOp global : candidates) {
    StringRef name = getSourceName(global);
    bool byOption = false;
    for (auto [index, glob] : llvm::enumerate(globs))
      if (glob.match(name) || glob.match(global.getSymName())) {
        patternUsed[index] = true;
        byOption = true;
      }
    if (byOption) {
      freeze(module, global, "option");
      continue;
    }
    if (updated && !updated->contains(name)) {
      freeze(module, global, "training_info");
      continue;
    }
    auto type = cast<RankedTensorType>(global.getType());
    NonFiniteScanner scanner(cast<FloatType>(type.getElementType()));
    if (failed(reader.write(global, scanner)))
      return failure();
    if (std::optional<int64_t> index = scanner.firstNonFinite()) {
      global.emitRemark()
          << "pp-attach-loss: initializer '" << name << "' holds "
          << scanner.foundValue() << " (element " << *index
          << "), so it cannot be trained; it is frozen (a mask or buffer: "
             "name it in frozen= to say so)";
      freeze(module, global, "non_finite");
    }
  }

  for (auto [index, pattern] : llvm::enumerate(patterns))
    if (!patternUsed[index])
      return module.emitError() << "pp-attach-loss: frozen='" << pattern
                                << "' matches no initializer of the model";
  return success();
}

LogicalResult markPaddingIndices(ModuleOp module, func::FuncOp forward,
                                 ArrayRef<std::string> specs) {
  for (const std::string &spec : specs) {
    auto [name, rowText] = StringRef(spec).rsplit(':');
    int64_t row = -1;
    if (name.empty() || rowText.empty() || rowText.getAsInteger(10, row) ||
        row < 0)
      return module.emitError()
             << "pp-attach-loss: padding-index='" << spec
             << "' must be NAME:ROW, an initializer and a row number";
    int64_t marked = 0;
    std::optional<int64_t> rows;
    forward.walk([&](nn::GatherOp gather) {
      if (gather.getAxis() != 0)
        return;
      Operation *def = gather.getData().getDefiningOp();
      StringAttr symbol;
      if (auto load = dyn_cast_or_null<ml_program::GlobalLoadOp>(def))
        symbol = load.getGlobalAttr().getRootReference();
      else if (auto load = dyn_cast_or_null<ml_program::GlobalLoadConstOp>(def))
        symbol = load.getGlobalAttr().getRootReference();
      if (!symbol)
        return;
      auto global = module.lookupSymbol<ml_program::GlobalOp>(symbol);
      if (!global ||
          (getSourceName(global) != name && global.getSymName() != name))
        return;
      rows = cast<ShapedType>(global.getType()).getDimSize(0);
      gather->setAttr(
          kPaddingIndexAttr,
          IntegerAttr::get(IntegerType::get(module.getContext(), 64), row));
      ++marked;
    });
    if (!marked)
      return module.emitError()
             << "pp-attach-loss: padding-index='" << spec
             << "': no Gather along axis 0 reads an initializer named '" << name
             << "'";
    if (row >= *rows)
      return module.emitError()
             << "pp-attach-loss: padding-index='" << spec << "': row " << row
             << " is outside '" << name << "', which has " << *rows << " rows";
  }
  return success();
}

} // namespace pp
