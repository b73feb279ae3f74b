//===- AttachLoss.cpp - Make @forward return a scalar training loss -------===//
//
// pp-attach-loss: cross-entropy (nn.softmax_cross_entropy), MSE (composed
// of nn.sub, nn.mul and nn.reduce_mean) or the model's own scalar output
// becomes @forward's only result; BatchNormalization switches to training
// or inference mode; frozen initializers become constants. docs/Training.md
// ("Loss") is the contract.
//
//===----------------------------------------------------------------------===//

#include "FreezeInitializers.h"

#include "pp/Transforms/TrainingPasses.h"

#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/GlobPattern.h"

namespace pp {
#define GEN_PASS_DEF_PPATTACHLOSS
#include "pp/Transforms/TrainingPasses.h.inc"
} // namespace pp

using namespace mlir;
using namespace pp::nn;
using namespace pp::training;

namespace pp {
namespace {

std::string describeType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

struct AttachLossPass : impl::PPAttachLossBase<AttachLossPass> {
  using PPAttachLossBase::PPAttachLossBase;

  void runOnOperation() override;

private:
  /// Checks the options that need no IR.
  LogicalResult checkOptions(ModuleOp module);
  /// The labels argument of type `type`: the existing argument named
  /// `labels` (checked by `fits`), or a new last argument.
  FailureOr<Value> getLabels(func::FuncOp forward, Type type,
                             llvm::function_ref<bool(Type)> fits,
                             StringRef expected);
  /// How the error messages name the chosen output.
  std::string outputName(func::FuncOp forward);

  FailureOr<Value> buildCrossEntropy(func::FuncOp forward, OpBuilder &builder,
                                     Value logits, Location loc);
  FailureOr<Value> buildMeanSquaredError(func::FuncOp forward,
                                         OpBuilder &builder, Value output,
                                         Location loc);
};

LogicalResult AttachLossPass::checkOptions(ModuleOp module) {
  if (ignoreIndex.size() > 1)
    return module.emitError()
           << "pp-attach-loss: ignore-index takes one label value, but "
           << ignoreIndex.size() << " were given";
  if (!ignoreIndex.empty() && kind != LossKind::CrossEntropy)
    return module.emitError() << "pp-attach-loss: ignore-index applies to "
                                 "kind=cross-entropy only, not kind="
                              << getLossName(kind);
  if (labels.empty())
    return module.emitError() << "pp-attach-loss: labels must name the "
                                 "labels argument; it is empty";
  for (const std::string &pattern : frozen)
    if (llvm::Expected<llvm::GlobPattern> glob =
            llvm::GlobPattern::create(pattern);
        !glob)
      return module.emitError() << "pp-attach-loss: frozen='" << pattern
                                << "' is not a valid pattern: "
                                << llvm::toString(glob.takeError());
  return success();
}

std::string AttachLossPass::outputName(func::FuncOp forward) {
  std::string text = "output " + std::to_string(outputIndex.getValue());
  if (auto name =
          forward.getResultAttrOfType<StringAttr>(outputIndex, kOnnxNameAttr))
    text += " ('" + name.str() + "')";
  return text;
}

FailureOr<Value> AttachLossPass::getLabels(func::FuncOp forward, Type type,
                                           llvm::function_ref<bool(Type)> fits,
                                           StringRef expected) {
  for (BlockArgument argument : forward.getArguments()) {
    auto name = forward.getArgAttrOfType<StringAttr>(argument.getArgNumber(),
                                                     kOnnxNameAttr);
    if (!name || name.getValue() != labels)
      continue;
    if (!fits(argument.getType()))
      return forward.emitError()
             << "pp-attach-loss: argument '" << StringRef(labels)
             << "' of @forward has type " << argument.getType()
             << ", but kind=" << getLossName(kind) << " on "
             << outputName(forward) << " needs " << expected;
    return Value(argument);
  }
  unsigned index = forward.getNumArguments();
  MLIRContext *context = forward.getContext();
  auto attrs = DictionaryAttr::get(
      context, {NamedAttribute(StringAttr::get(context, kOnnxNameAttr),
                               StringAttr::get(context, labels))});
  if (failed(forward.insertArgument(index, type, attrs, forward.getLoc())))
    return failure();
  return Value(forward.getArgument(index));
}

FailureOr<Value> AttachLossPass::buildCrossEntropy(func::FuncOp forward,
                                                   OpBuilder &builder,
                                                   Value logits, Location loc) {
  auto type = cast<RankedTensorType>(logits.getType());
  if (type.getRank() == 0 || !isa<FloatType>(type.getElementType()))
    return forward.emitError()
           << "pp-attach-loss: kind=cross-entropy needs float logits with "
              "the classes on the last axis, but "
           << outputName(forward) << " is " << type;
  ArrayRef<int64_t> positions = type.getShape().drop_back();
  auto labelsType = RankedTensorType::get(positions, builder.getI64Type());
  auto fits = [&](Type candidate) {
    auto shaped = dyn_cast<RankedTensorType>(candidate);
    return shaped && shaped.getShape() == positions &&
           shaped.getElementType().isSignlessInteger();
  };
  std::string expected = "integer labels of type '" + describeType(labelsType) +
                         "' (any integer element type)";
  FailureOr<Value> labelsValue = getLabels(forward, labelsType, fits, expected);
  if (failed(labelsValue))
    return failure();
  IntegerAttr ignore;
  if (!ignoreIndex.empty())
    ignore = builder.getI64IntegerAttr(ignoreIndex.front());
  return Value(SoftmaxCrossEntropyOp::create(builder, loc, logits, *labelsValue,
                                             ignore));
}

FailureOr<Value> AttachLossPass::buildMeanSquaredError(func::FuncOp forward,
                                                       OpBuilder &builder,
                                                       Value output,
                                                       Location loc) {
  auto type = cast<RankedTensorType>(output.getType());
  if (!isa<FloatType>(type.getElementType()))
    return forward.emitError()
           << "pp-attach-loss: kind=mse needs a float output, but "
           << outputName(forward) << " is " << type;
  auto fits = [&](Type candidate) { return candidate == type; };
  FailureOr<Value> labelsValue =
      getLabels(forward, type, fits,
                "labels of the output's type '" + describeType(type) + "'");
  if (failed(labelsValue))
    return failure();
  Value error = SubOp::create(builder, loc, output, *labelsValue);
  Value squared = MulOp::create(builder, loc, error, error);
  auto axes = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
  return Value(ReduceMeanOp::create(builder, loc, squared,
                                    builder.getDenseI64ArrayAttr(axes),
                                    builder.getBoolAttr(false)));
}

void AttachLossPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (failed(checkOptions(module)))
    return signalPassFailure();
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal()) {
    module.emitError() << "pp-attach-loss: the module has no function "
                          "@forward with a body";
    return signalPassFailure();
  }
  if (forward->hasAttr(kRoleAttr)) {
    forward.emitError() << "pp-attach-loss: @forward is already "
                           "differentiated (it has 'pp.role'); attach the "
                           "loss before pp-autodiff";
    return signalPassFailure();
  }
  if (outputIndex >= forward.getNumResults()) {
    forward.emitError() << "pp-attach-loss: output=" << outputIndex.getValue()
                        << " but @forward has " << forward.getNumResults()
                        << " result(s)";
    return signalPassFailure();
  }

  Operation *terminator = forward.getBody().back().getTerminator();
  Value output = terminator->getOperand(outputIndex);
  OpBuilder builder(terminator);
  Location loc =
      NameLoc::get(builder.getStringAttr("loss"), terminator->getLoc());
  FailureOr<Value> loss;
  if (kind == LossKind::CrossEntropy) {
    loss = buildCrossEntropy(forward, builder, output, loc);
  } else if (kind == LossKind::MSE) {
    loss = buildMeanSquaredError(forward, builder, output, loc);
  } else {
    auto type = cast<ShapedType>(output.getType());
    if (type.getRank() != 0 || !isa<FloatType>(type.getElementType())) {
      forward.emitError() << "pp-attach-loss: kind=output needs a scalar "
                             "(0-d) float loss, but "
                          << outputName(forward) << " is " << type;
      return signalPassFailure();
    }
    loss = output;
  }
  if (failed(loss))
    return signalPassFailure();

  // The loss becomes the only result; what only the others used goes.
  terminator->setOperands(*loss);
  forward.setFunctionType(FunctionType::get(
      &getContext(), forward.getArgumentTypes(), {loss->getType()}));
  DictionaryAttr lossAttrs = builder.getDictionaryAttr(
      builder.getNamedAttr(kOnnxNameAttr, builder.getStringAttr("loss")));
  forward.setAllResultAttrs(ArrayRef<DictionaryAttr>(lossAttrs));
  IRRewriter rewriter(&getContext());
  (void)runRegionDCE(rewriter, forward.getBody());

  module->setAttr(kLossAttr, builder.getStringAttr(getLossName(kind)));
  forward.walk([&](BatchNormOp op) { op.setTraining(trainMode); });
  if (failed(freezeInitializers(module, forward, frozen)) ||
      failed(markPaddingIndices(module, forward, paddingIndex)))
    return signalPassFailure();
}

} // namespace
} // namespace pp
