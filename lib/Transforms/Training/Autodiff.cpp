//===- Autodiff.cpp - Split reverse-mode differentiation into B and W -----===//
//
// pp-autodiff: for a function @F, builds @F_backward_input (B: gradients of
// activations and inputs, and the cotangents W needs) and
// @F_backward_weight (W: gradients of parameters), and makes @F return the
// activations they read. docs/Training.md ("Autodiff") is the contract.
//
// Both backward functions are built by one reverse sweep each over @F's ops,
// calling the op's gradient rule with the operands asked for: in B the
// operands that are activations, in W the parameter-derived ones. A rule
// reads forward values through BackwardFunction::getForwardValue, which
// recomputes parameter-derived values and turns activations into saved
// values, and result gradients through getResultGradient, which in W turns
// B's gradients of activations into cotangents.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/TrainingPasses.h"

#include "Activity.h"
#include "GradientRules.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"

#include <map>

namespace pp {
#define GEN_PASS_DEF_PPAUTODIFF
#include "pp/Transforms/TrainingPasses.h.inc"
} // namespace pp

using namespace mlir;
using namespace pp::training;

namespace pp {
namespace {

/// The attributes of one port: its role and key, plus any others to keep.
DictionaryAttr portAttrs(MLIRContext *context, StringRef role, StringRef key,
                         DictionaryAttr keep = {}) {
  NamedAttrList attrs(keep);
  attrs.set(kRoleAttr, StringAttr::get(context, role));
  attrs.set(kKeyAttr, StringAttr::get(context, key));
  return attrs.getDictionary(context);
}

/// The role of a port pp-outline-stages gave a boundary tensor, or "".
StringRef getBoundaryRole(DictionaryAttr attrs) {
  auto role = attrs ? attrs.getAs<StringAttr>(kRoleAttr) : StringAttr();
  if (role && (role.getValue() == kBoundaryInPort ||
               role.getValue() == kBoundaryOutPort))
    return role.getValue();
  return "";
}

/// Whether a forward argument or result of `type` with `attrs` has a
/// gradient port in B: float, and not a boundary tensor marked pp.no_grad.
bool carriesGradient(DictionaryAttr attrs, Type type) {
  return nn::isDifferentiableType(type) && !(attrs && attrs.get(kNoGradAttr));
}

/// The forward activations B and W read, each once: @F returns them after
/// its outputs, with keys s0, s1, ... in the order they were first read.
class SavedValues {
public:
  unsigned getIndex(Value value) {
    auto [it, inserted] = indices.try_emplace(value, values.size());
    if (inserted)
      values.push_back(value);
    return it->second;
  }
  ArrayRef<Value> getValues() const { return values; }

private:
  SmallVector<Value> values;
  DenseMap<Value, unsigned> indices;
};

/// B or W under construction. Its arguments are the saved values it reads
/// (in key order), then its own inputs: output gradients (B) or cotangents
/// (W).
class BackwardFunction : public GradientTarget {
public:
  BackwardFunction(func::FuncOp func, const Activity &activity,
                   SavedValues &saved)
      : func(func), body(&func.getBody().front()), builder(body, body->end()),
        activity(activity), saved(saved) {}

  func::FuncOp getFunc() const { return func; }
  OpBuilder &getBuilder() { return builder; }

  /// In W, B's gradients of activations arrive as cotangents from `from`.
  void setCotangentSource(BackwardFunction *from) { cotangentSource = from; }

  Value getForwardValue(Value value) override;
  Value getResultGradient(Value result) override;

  /// The gradient accumulated so far for the forward value `value`.
  Value getGradient(Value value) const { return grads.lookup(value); }
  /// Adds `grad` to the gradient of `value`.
  void accumulate(Value value, Value grad, Location loc);

  /// Runs `op`'s rule for the operands `wanted` and accumulates them.
  LogicalResult differentiate(Operation *op, ArrayRef<bool> wanted);

  /// Appends an argument after the saved values.
  BlockArgument addInput(Type type, Location loc) {
    return body->addArgument(type, loc);
  }
  /// The W argument that carries B's value `bValue`, added on first use.
  Value getCotangent(Value bValue);
  /// B's values W takes as cotangents, in W's argument order.
  ArrayRef<Value> getCotangentSources() const { return cotangentSources; }

  /// The saved values read, by key index, in argument order.
  const std::map<unsigned, BlockArgument> &getSavedArguments() const {
    return savedArguments;
  }

  /// Returns `results`, sets the function type from the block, and removes
  /// the recomputations a folded transpose left unused.
  void finish(ValueRange results, Location loc);

private:
  func::FuncOp func;
  Block *body;
  OpBuilder builder;
  const Activity &activity;
  SavedValues &saved;
  BackwardFunction *cotangentSource = nullptr;

  IRMapping forwardValues;
  DenseMap<Value, Value> grads;
  std::map<unsigned, BlockArgument> savedArguments;
  DenseMap<Value, BlockArgument> cotangents;
  SmallVector<Value> cotangentSources;
};

Value BackwardFunction::getForwardValue(Value value) {
  if (Value here = forwardValues.lookupOrNull(value))
    return here;
  if (activity.isParameterDerived(value)) {
    // Recompute: clone the op after its operands.
    Operation *op = value.getDefiningOp();
    for (Value operand : op->getOperands())
      getForwardValue(operand);
    builder.clone(*op, forwardValues);
    return forwardValues.lookup(value);
  }
  unsigned index = saved.getIndex(value);
  unsigned position =
      std::distance(savedArguments.begin(), savedArguments.lower_bound(index));
  BlockArgument argument =
      body->insertArgument(position, value.getType(), value.getLoc());
  savedArguments[index] = argument;
  forwardValues.map(value, argument);
  return argument;
}

Value BackwardFunction::getResultGradient(Value result) {
  if (!cotangentSource || activity.isParameterDerived(result))
    return grads.lookup(result);
  Value fromB = cotangentSource->getGradient(result);
  return fromB ? getCotangent(fromB) : Value();
}

Value BackwardFunction::getCotangent(Value bValue) {
  auto it = cotangents.find(bValue);
  if (it != cotangents.end())
    return it->second;
  BlockArgument argument = addInput(bValue.getType(), bValue.getLoc());
  cotangents[bValue] = argument;
  cotangentSources.push_back(bValue);
  return argument;
}

void BackwardFunction::accumulate(Value value, Value grad, Location loc) {
  Value &sum = grads[value];
  sum = sum ? nn::AddOp::create(builder, loc, sum, grad) : grad;
}

LogicalResult BackwardFunction::differentiate(Operation *op,
                                              ArrayRef<bool> wanted) {
  const GradientRule *rule = GradientRules::get().lookup(op);
  GradientContext context(builder, op, *this, wanted);
  if (failed(rule->emit(op, context)))
    return failure();
  for (auto [index, grad] : llvm::enumerate(context.getOperandGradients())) {
    if (!wanted[index])
      continue;
    Type expected = op->getOperand(index).getType();
    if (!grad || grad.getType() != expected) {
      InFlightDiagnostic diag = op->emitError()
                                << "pp-autodiff: internal error: the gradient "
                                   "rule of "
                                << describeOp(op) << " gave ";
      if (grad)
        diag << grad.getType();
      else
        diag << "nothing";
      return diag << " for operand #" << index << " of type " << expected;
    }
    accumulate(op->getOperand(index), grad, op->getLoc());
  }
  return success();
}

void BackwardFunction::finish(ValueRange results, Location loc) {
  func::ReturnOp::create(builder, loc, results);
  func.setFunctionType(FunctionType::get(func.getContext(),
                                         body->getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  IRRewriter rewriter(func.getContext());
  (void)runRegionDCE(rewriter, func.getBody());
}

/// Differentiates one function: builds B and W and rewrites @F.
class FunctionDifferentiator {
public:
  FunctionDifferentiator(func::FuncOp forward, const Activity &activity,
                         SymbolTableCollection &symbols)
      : forward(forward), activity(activity), symbols(symbols),
        context(forward.getContext()) {}

  LogicalResult run();

private:
  func::FuncOp createFunction(StringRef suffix, Operation *after);
  std::string inputKey(unsigned index);
  std::string outputKey(unsigned index);
  LogicalResult buildBackwardInput(BackwardFunction &b,
                                   SmallVectorImpl<Value> &inputGrads);
  LogicalResult buildBackwardWeight(BackwardFunction &w,
                                    SmallVectorImpl<Value> &paramGrads,
                                    SmallVectorImpl<StringRef> &paramNames);
  void markForward();

  func::FuncOp forward;
  const Activity &activity;
  SymbolTableCollection &symbols;
  MLIRContext *context;
  SavedValues saved;
  /// Outputs that are parameter-derived: their gradient (a B argument)
  /// seeds W.
  SmallVector<std::pair<Value, Value>> weightSeeds;
};

std::string FunctionDifferentiator::inputKey(unsigned index) {
  if (!getBoundaryRole(forward.getArgAttrDict(index)).empty())
    return forward.getArgAttrOfType<StringAttr>(index, kKeyAttr).str();
  if (auto name = forward.getArgAttrOfType<StringAttr>(index, kOnnxNameAttr))
    return name.str();
  return "arg" + std::to_string(index);
}

std::string FunctionDifferentiator::outputKey(unsigned index) {
  if (!getBoundaryRole(forward.getResultAttrDict(index)).empty())
    return forward.getResultAttrOfType<StringAttr>(index, kKeyAttr).str();
  if (auto name = forward.getResultAttrOfType<StringAttr>(index, kOnnxNameAttr))
    return name.str();
  return "result" + std::to_string(index);
}

func::FuncOp FunctionDifferentiator::createFunction(StringRef suffix,
                                                    Operation *after) {
  OpBuilder builder(after);
  builder.setInsertionPointAfter(after);
  auto func = func::FuncOp::create(builder, forward.getLoc(),
                                   (forward.getSymName() + suffix).str(),
                                   FunctionType::get(context, {}, {}));
  func.addEntryBlock();
  return func;
}

/// B: seeds the outputs' gradients, sweeps the ops backwards for the
/// activation operands, and collects the inputs' gradients.
LogicalResult
FunctionDifferentiator::buildBackwardInput(BackwardFunction &b,
                                           SmallVectorImpl<Value> &inputGrads) {
  Block &body = forward.getBody().front();
  Operation *terminator = body.getTerminator();
  for (OpOperand &output : terminator->getOpOperands()) {
    Value value = output.get();
    if (!carriesGradient(forward.getResultAttrDict(output.getOperandNumber()),
                         value.getType()))
      continue;
    BlockArgument grad = b.addInput(value.getType(), value.getLoc());
    if (!activity.isActive(value))
      continue;
    if (activity.isParameterDerived(value))
      weightSeeds.push_back({value, grad});
    else
      b.accumulate(value, grad, terminator->getLoc());
  }

  const GradientRules &rules = GradientRules::get();
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!activity.hasActiveResult(&op) ||
        activity.isParameterDerived(op.getResult(0)))
      continue;
    SmallVector<bool> wanted;
    for (OpOperand &operand : op.getOpOperands())
      wanted.push_back(activity.isActive(operand.get()) &&
                       !activity.isParameterDerived(operand.get()) &&
                       rules.carriesGradient(&op, operand.getOperandNumber()));
    if (llvm::is_contained(wanted, true) &&
        failed(b.differentiate(&op, wanted)))
      return failure();
  }

  for (BlockArgument argument : body.getArguments()) {
    if (!carriesGradient(forward.getArgAttrDict(argument.getArgNumber()),
                         argument.getType()))
      continue;
    Value grad = b.getGradient(argument);
    // An input on no path to an output has a zero gradient.
    inputGrads.push_back(grad ? grad
                              : createSplat(b.getBuilder(), argument.getLoc(),
                                            argument.getType(), 0.0));
  }
  return success();
}

/// W: seeds the parameter-derived outputs, sweeps the ops backwards for the
/// parameter-derived operands, and sums each trainable global's gradient
/// over its loads.
LogicalResult FunctionDifferentiator::buildBackwardWeight(
    BackwardFunction &w, SmallVectorImpl<Value> &paramGrads,
    SmallVectorImpl<StringRef> &paramNames) {
  Block &body = forward.getBody().front();
  Location returnLoc = body.getTerminator()->getLoc();
  for (auto [value, bGrad] : weightSeeds)
    w.accumulate(value, w.getCotangent(bGrad), returnLoc);

  const GradientRules &rules = GradientRules::get();
  llvm::MapVector<Operation *, SmallVector<Value>> loadsByGlobal;
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!activity.hasActiveResult(&op))
      continue;
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      Operation *global =
          symbols.lookupNearestSymbolFrom(load, load.getGlobalAttr());
      loadsByGlobal[global].push_back(load.getResult());
      continue;
    }
    SmallVector<bool> wanted;
    for (OpOperand &operand : op.getOpOperands())
      wanted.push_back(activity.isActive(operand.get()) &&
                       activity.isParameterDerived(operand.get()) &&
                       rules.carriesGradient(&op, operand.getOperandNumber()));
    if (llvm::is_contained(wanted, true) &&
        failed(w.differentiate(&op, wanted)))
      return failure();
  }

  auto module = forward->getParentOfType<ModuleOp>();
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    auto it = loadsByGlobal.find(global.getOperation());
    if (it == loadsByGlobal.end())
      continue;
    Value sum;
    for (Value load : llvm::reverse(it->second)) {
      Value grad = w.getGradient(load);
      if (!grad)
        return load.getDefiningOp()->emitError()
               << "pp-autodiff: internal error: no gradient reached @"
               << global.getSymName();
      sum = sum ? nn::AddOp::create(w.getBuilder(), global.getLoc(), sum, grad)
                : grad;
    }
    paramGrads.push_back(sum);
    paramNames.push_back(global.getSymName());
  }
  return success();
}

/// @F's roles and ports, and the saved values appended to its results.
void FunctionDifferentiator::markForward() {
  forward->setAttr(kRoleAttr, StringAttr::get(context, kForwardRole));
  for (unsigned i = 0; i < forward.getNumArguments(); ++i)
    if (getBoundaryRole(forward.getArgAttrDict(i)).empty())
      forward.setArgAttrs(i, portAttrs(context, kInputPort, inputKey(i),
                                       forward.getArgAttrDict(i)));

  Operation *terminator = forward.getBody().front().getTerminator();
  SmallVector<Attribute> resultAttrs;
  for (unsigned i = 0; i < forward.getNumResults(); ++i) {
    DictionaryAttr attrs = forward.getResultAttrDict(i);
    resultAttrs.push_back(
        getBoundaryRole(attrs).empty()
            ? portAttrs(context, kOutputPort, outputKey(i), attrs)
            : attrs);
  }
  SmallVector<Value> results(terminator->getOperands());
  for (auto [index, value] : llvm::enumerate(saved.getValues())) {
    results.push_back(value);
    resultAttrs.push_back(
        portAttrs(context, kSavedPort, "s" + std::to_string(index)));
  }
  terminator->setOperands(results);
  forward.setFunctionType(FunctionType::get(context, forward.getArgumentTypes(),
                                            ValueRange(results).getTypes()));
  forward.setAllResultAttrs(resultAttrs);
}

/// Marks the saved arguments of a backward function.
void markSavedArguments(BackwardFunction &function) {
  MLIRContext *context = function.getFunc().getContext();
  for (auto [index, argument] : function.getSavedArguments())
    function.getFunc().setArgAttrs(
        argument.getArgNumber(),
        portAttrs(context, kSavedPort, "s" + std::to_string(index)));
}

LogicalResult FunctionDifferentiator::run() {
  for (StringRef suffix : {kBackwardInputSuffix, kBackwardWeightSuffix}) {
    std::string name = (forward.getSymName() + suffix).str();
    if (SymbolTable::lookupSymbolIn(forward->getParentOp(), name))
      return forward.emitError()
             << "pp-autodiff: cannot add @" << name
             << ": the module already has a symbol of that name";
  }
  unsigned numOutputs = forward.getNumResults();
  func::FuncOp bFunc = createFunction(kBackwardInputSuffix, forward);
  func::FuncOp wFunc = createFunction(kBackwardWeightSuffix, bFunc);
  BackwardFunction b(bFunc, activity, saved), w(wFunc, activity, saved);
  w.setCotangentSource(&b);

  SmallVector<Value> inputGrads, paramGrads;
  SmallVector<StringRef> paramNames;
  if (failed(buildBackwardInput(b, inputGrads)) ||
      failed(buildBackwardWeight(w, paramGrads, paramNames)))
    return failure();

  // B returns the input gradients, then the cotangents W took.
  SmallVector<Value> bResults(inputGrads);
  llvm::append_range(bResults, w.getCotangentSources());
  Location loc = forward.getLoc();
  b.finish(bResults, loc);
  w.finish(paramGrads, loc);

  // Roles and ports; B and W run on the forward's stage and chunk.
  markForward();
  bFunc->setAttr(kRoleAttr, StringAttr::get(context, kBackwardInputRole));
  wFunc->setAttr(kRoleAttr, StringAttr::get(context, kBackwardWeightRole));
  for (StringRef name : {::pp::pp::PPDialect::kStageAttrName,
                         ::pp::pp::PPDialect::kChunkAttrName,
                         ::pp::pp::PPDialect::kVirtualStageAttrName})
    if (Attribute value = forward->getAttr(name)) {
      bFunc->setAttr(name, value);
      wFunc->setAttr(name, value);
    }
  markSavedArguments(b);
  markSavedArguments(w);
  unsigned bArg = b.getSavedArguments().size();
  for (unsigned i = 0; i < numOutputs; ++i) {
    DictionaryAttr attrs = forward.getResultAttrDict(i);
    if (!carriesGradient(attrs, forward.getResultTypes()[i]))
      continue;
    StringRef role =
        getBoundaryRole(attrs).empty() ? kOutputGradPort : kBoundaryOutGradPort;
    bFunc.setArgAttrs(bArg++, portAttrs(context, role, outputKey(i)));
  }
  unsigned bResult = 0;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
    DictionaryAttr attrs = forward.getArgAttrDict(i);
    if (!carriesGradient(attrs, forward.getArgumentTypes()[i]))
      continue;
    StringRef role =
        getBoundaryRole(attrs).empty() ? kInputGradPort : kBoundaryInGradPort;
    bFunc.setResultAttrs(bResult++, portAttrs(context, role, inputKey(i)));
  }
  unsigned wArg = w.getSavedArguments().size();
  for (unsigned i = 0, e = w.getCotangentSources().size(); i < e; ++i) {
    std::string key = "c" + std::to_string(i);
    bFunc.setResultAttrs(bResult++, portAttrs(context, kCotangentPort, key));
    wFunc.setArgAttrs(wArg++, portAttrs(context, kCotangentPort, key));
  }
  for (auto [index, name] : llvm::enumerate(paramNames))
    wFunc.setResultAttrs(index, portAttrs(context, kParamGradPort, name));
  return success();
}

struct AutodiffPass : impl::PPAutodiffBase<AutodiffPass> {
  using PPAutodiffBase::PPAutodiffBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> targets;
    // Every stage chunk (pp-outline-stages), even one whose results carry
    // no gradient, so that each has its B and W; otherwise the functions
    // with a float result.
    for (auto func : module.getOps<func::FuncOp>())
      if (!func.isExternal() && !func->hasAttr(kRoleAttr) &&
          (func->hasAttr(::pp::pp::PPDialect::kVirtualStageAttrName) ||
           llvm::any_of(func.getResultTypes(), nn::isDifferentiableType)))
        targets.push_back(func);

    SymbolTableCollection symbols;
    for (func::FuncOp func : targets) {
      if (!func.getBody().hasOneBlock()) {
        func.emitError() << "pp-autodiff: @" << func.getSymName()
                         << " has several blocks; only straight-line "
                            "functions can be differentiated";
        return signalPassFailure();
      }
      assignRandomIds(func);
      FailureOr<Activity> activity = Activity::analyze(func, symbols);
      if (failed(activity) ||
          failed(FunctionDifferentiator(func, *activity, symbols).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace pp
