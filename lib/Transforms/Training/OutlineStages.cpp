//===- OutlineStages.cpp - One function per stage chunk -------------------===//
//
// pp-outline-stages: splits @forward along its ops' pp.stage (virtual
// stages) into one function per virtual stage, with the tensors crossing
// each boundary as arguments and results (relayed through the stages in
// between), constants and parameter loads copied into every function that
// reads them. docs/Training.md ("Stages") is the contract.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/TrainingPasses.h"

#include "Activity.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringSet.h"

namespace pp {
#define GEN_PASS_DEF_PPOUTLINESTAGES
#include "pp/Transforms/TrainingPasses.h.inc"
} // namespace pp

using namespace mlir;
using namespace pp::training;
namespace ppd = ::pp::pp;

namespace pp {

void training::assignRandomIds(func::FuncOp func) {
  auto module = func->getParentOfType<ModuleOp>();
  int64_t next = 0;
  module.walk([&](Operation *op) {
    if (auto id =
            op->getAttrOfType<IntegerAttr>(ppd::PPDialect::kRandomIdAttrName))
      next = std::max(next, id.getInt() + 1);
  });
  Builder b(func.getContext());
  func.walk([&](nn::DropoutOp op) {
    if (!op->hasAttr(ppd::PPDialect::kRandomIdAttrName))
      op->setAttr(ppd::PPDialect::kRandomIdAttrName,
                  b.getI64IntegerAttr(next++));
  });
}

namespace {

/// Ops copied into every function that reads them instead of crossing
/// stage boundaries.
bool isCopiedPerStage(Operation *op) {
  return op->hasTrait<OpTrait::ConstantLike>() ||
         isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op);
}

/// Where virtual stage `k` of `p * v` runs.
struct Placement {
  unsigned numStages = 1, chunks = 1;
  bool vShape = false;

  unsigned stageOf(unsigned k) const {
    if (vShape)
      return k < numStages ? k : 2 * numStages - 1 - k;
    return k % numStages;
  }
  unsigned chunkOf(unsigned k) const { return k / numStages; }
};

/// One tensor that crosses boundaries: made on `producer`, last read on
/// `lastReader` > producer.
struct BoundaryTensor {
  Value value;
  unsigned producer, lastReader;
  std::string key;
  bool noGrad = false;
};

class StageOutliner {
public:
  StageOutliner(ModuleOp module, func::FuncOp forward, Placement placement)
      : module(module), forward(forward), placement(placement),
        numVirtual(placement.numStages * placement.chunks) {}

  LogicalResult run();

private:
  FailureOr<unsigned> stageOf(Operation *op);
  LogicalResult collect();
  void nameBoundaries();
  LogicalResult markGradients();
  func::FuncOp build(unsigned k, OpBuilder &builder);

  ModuleOp module;
  func::FuncOp forward;
  Placement placement;
  unsigned numVirtual;
  /// The virtual stage of every op that is not copied per stage.
  DenseMap<Operation *, unsigned> stages;
  std::vector<BoundaryTensor> boundaries;
  /// For each virtual stage, the model outputs (return operand indices) it
  /// returns.
  std::vector<SmallVector<unsigned>> outputs;
};

FailureOr<unsigned> StageOutliner::stageOf(Operation *op) {
  auto attr = op->getAttrOfType<IntegerAttr>(ppd::PPDialect::kStageAttrName);
  if (!attr)
    return op->emitError() << "pp-outline-stages: op has no '"
                           << ppd::PPDialect::kStageAttrName
                           << "' (run pp-partition-stages first)";
  if (attr.getInt() >= (int64_t)numVirtual)
    return op->emitError() << "pp-outline-stages: '"
                           << ppd::PPDialect::kStageAttrName << "' is "
                           << attr.getInt() << " but the module has "
                           << numVirtual << " virtual stages";
  return (unsigned)attr.getInt();
}

LogicalResult StageOutliner::collect() {
  Block &body = forward.getBody().front();
  for (Operation &op : body.without_terminator()) {
    if (isCopiedPerStage(&op))
      continue;
    FailureOr<unsigned> k = stageOf(&op);
    if (failed(k))
      return failure();
    stages[&op] = *k;
    for (Value operand : op.getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (!def || isCopiedPerStage(def))
        continue;
      unsigned from = stages.lookup(def);
      if (from > *k)
        return op.emitError() << "pp-outline-stages: op on virtual stage " << *k
                              << " reads a value made on virtual stage " << from
                              << "; stages must follow the order of the ops";
    }
  }
  for (Operation &op : body.without_terminator()) {
    auto it = stages.find(&op);
    if (it == stages.end())
      continue;
    for (Value result : op.getResults()) {
      unsigned last = it->second;
      for (Operation *user : result.getUsers())
        if (!user->hasTrait<OpTrait::IsTerminator>())
          last = std::max(last, stages.lookup(user));
      if (last > it->second)
        boundaries.push_back({result, it->second, last, "", false});
    }
  }
  // Each output goes back from the virtual stage that makes it (the last
  // one for inputs, constants and parameters returned as they are).
  outputs.assign(numVirtual, {});
  for (OpOperand &operand : body.getTerminator()->getOpOperands()) {
    Operation *def = operand.get().getDefiningOp();
    unsigned k = def && stages.count(def) ? stages.lookup(def) : numVirtual - 1;
    outputs[k].push_back(operand.getOperandNumber());
  }
  return success();
}

/// Keys: the node's name (NameLoc), with the result number when it has
/// several; otherwise "t<N>". Repeated names get "#2", "#3", ...
void StageOutliner::nameBoundaries() {
  llvm::StringSet<> used;
  for (auto [index, tensor] : llvm::enumerate(boundaries)) {
    auto result = cast<OpResult>(tensor.value);
    std::string name;
    if (auto loc = dyn_cast<NameLoc>(result.getOwner()->getLoc()))
      name = loc.getName().str();
    if (name.empty())
      name = "t" + std::to_string(index);
    else if (result.getOwner()->getNumResults() > 1)
      name += ":" + std::to_string(result.getResultNumber());
    std::string key = name;
    for (unsigned n = 2; !used.insert(key).second; ++n)
      key = name + "#" + std::to_string(n);
    tensor.key = key;
  }
}

/// With a loss, the boundary tensors on no differentiable path from a
/// trainable parameter or float input to the loss carry no gradient.
LogicalResult StageOutliner::markGradients() {
  if (!module->hasAttr(kLossAttr))
    return success();
  SymbolTableCollection symbols;
  FailureOr<Activity> activity = Activity::analyze(forward, symbols);
  if (failed(activity))
    return failure();
  for (BoundaryTensor &tensor : boundaries)
    tensor.noGrad = !nn::isDifferentiableType(tensor.value.getType()) ||
                    !activity->isActive(tensor.value);
  return success();
}

func::FuncOp StageOutliner::build(unsigned k, OpBuilder &builder) {
  MLIRContext *context = module.getContext();
  Block &body = forward.getBody().front();
  unsigned stage = placement.stageOf(k), chunk = placement.chunkOf(k);
  std::string name = "stage" + std::to_string(stage);
  if (placement.chunks > 1)
    name += "_chunk" + std::to_string(chunk);

  // The ops of this virtual stage, the data inputs and the copied ops they
  // read.
  SmallVector<Operation *> ops;
  llvm::SetVector<unsigned> inputs;
  for (Operation &op : body.without_terminator()) {
    auto it = stages.find(&op);
    if (it == stages.end() || it->second != k)
      continue;
    ops.push_back(&op);
    for (Value operand : op.getOperands())
      if (auto arg = dyn_cast<BlockArgument>(operand))
        inputs.insert(arg.getArgNumber());
  }
  for (unsigned o : outputs[k])
    if (auto arg = dyn_cast<BlockArgument>(body.getTerminator()->getOperand(o)))
      inputs.insert(arg.getArgNumber());
  SmallVector<unsigned> inputOrder(inputs.begin(), inputs.end());
  llvm::sort(inputOrder);

  SmallVector<const BoundaryTensor *> in, out;
  for (const BoundaryTensor &t : boundaries) {
    if (t.producer < k && k <= t.lastReader)
      in.push_back(&t);
    if (t.producer <= k && k < t.lastReader)
      out.push_back(&t);
  }

  auto boundaryAttrs = [&](const BoundaryTensor &t, StringRef role) {
    NamedAttrList attrs;
    attrs.set(kRoleAttr, StringAttr::get(context, role));
    attrs.set(kKeyAttr, StringAttr::get(context, t.key));
    if (t.noGrad)
      attrs.set(kNoGradAttr, UnitAttr::get(context));
    return attrs.getDictionary(context);
  };

  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  for (unsigned i : inputOrder) {
    argTypes.push_back(body.getArgument(i).getType());
    argAttrs.push_back(forward.getArgAttrDict(i));
  }
  for (const BoundaryTensor *t : in) {
    argTypes.push_back(t->value.getType());
    argAttrs.push_back(boundaryAttrs(*t, kBoundaryInPort));
  }

  auto func = func::FuncOp::create(builder, forward.getLoc(), name,
                                   FunctionType::get(context, argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [index, attrs] : llvm::enumerate(argAttrs))
    if (attrs)
      func.setArgAttrs(index, attrs);
  Builder b(context);
  func->setAttr(ppd::PPDialect::kStageAttrName, b.getI64IntegerAttr(stage));
  func->setAttr(ppd::PPDialect::kChunkAttrName, b.getI64IntegerAttr(chunk));
  func->setAttr(ppd::PPDialect::kVirtualStageAttrName, b.getI64IntegerAttr(k));

  IRMapping mapping;
  for (auto [index, i] : llvm::enumerate(inputOrder))
    mapping.map(body.getArgument(i), entry->getArgument(index));
  for (auto [index, t] : llvm::enumerate(in))
    mapping.map(t->value, entry->getArgument(inputOrder.size() + index));

  OpBuilder inside = OpBuilder::atBlockEnd(entry);
  // Copies a constant or load on first use in this function.
  auto lookup = [&](Value value) -> Value {
    if (Value mapped = mapping.lookupOrNull(value))
      return mapped;
    Operation *def = value.getDefiningOp();
    assert(def && isCopiedPerStage(def) && def->getNumOperands() == 0 &&
           "an operand from no stage");
    inside.clone(*def, mapping)
        ->setAttr(ppd::PPDialect::kStageAttrName, b.getI64IntegerAttr(k));
    return mapping.lookup(value);
  };
  for (Operation *op : ops) {
    for (Value operand : op->getOperands())
      lookup(operand);
    inside.clone(*op, mapping);
  }

  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resultAttrs;
  Operation *terminator = body.getTerminator();
  for (unsigned o : outputs[k]) {
    results.push_back(lookup(terminator->getOperand(o)));
    resultAttrs.push_back(forward.getResultAttrDict(o));
  }
  for (const BoundaryTensor *t : out) {
    results.push_back(mapping.lookup(t->value));
    resultAttrs.push_back(boundaryAttrs(*t, kBoundaryOutPort));
  }
  func::ReturnOp::create(inside, terminator->getLoc(), results);
  func.setFunctionType(
      FunctionType::get(context, argTypes, ValueRange(results).getTypes()));
  for (auto [index, attrs] : llvm::enumerate(resultAttrs))
    if (attrs)
      func.setResultAttrs(index, attrs);
  return func;
}

LogicalResult StageOutliner::run() {
  if (failed(collect()))
    return failure();
  nameBoundaries();
  if (failed(markGradients()))
    return failure();
  OpBuilder builder(forward);
  for (unsigned k = 0; k < numVirtual; ++k) {
    std::string name = "stage" + std::to_string(placement.stageOf(k));
    if (placement.chunks > 1)
      name += "_chunk" + std::to_string(placement.chunkOf(k));
    if (SymbolTable::lookupSymbolIn(module, name))
      return forward.emitError()
             << "pp-outline-stages: cannot add @" << name
             << ": the module already has a symbol of that name";
  }
  for (unsigned k = 0; k < numVirtual; ++k)
    build(k, builder);
  forward.erase();
  return success();
}

struct OutlineStagesPass : impl::PPOutlineStagesBase<OutlineStagesPass> {
  using PPOutlineStagesBase::PPOutlineStagesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || forward.isExternal()) {
      module.emitError("pp-outline-stages: no func.func @forward with a body "
                       "to outline");
      return signalPassFailure();
    }
    if (!forward.getBody().hasOneBlock()) {
      forward.emitError("pp-outline-stages: @forward has several blocks; "
                        "only straight-line functions can be outlined");
      return signalPassFailure();
    }
    FailureOr<Placement> placement = getPlacement(module);
    if (failed(placement))
      return signalPassFailure();
    assignRandomIds(forward);

    Builder b(module.getContext());
    if (placement->numStages * placement->chunks == 1) {
      forward->setAttr(ppd::PPDialect::kStageAttrName, b.getI64IntegerAttr(0));
      forward->setAttr(ppd::PPDialect::kChunkAttrName, b.getI64IntegerAttr(0));
      forward->setAttr(ppd::PPDialect::kVirtualStageAttrName,
                       b.getI64IntegerAttr(0));
      return;
    }
    if (failed(StageOutliner(module, forward, *placement).run()))
      signalPassFailure();
  }

  /// The stages and chunks of the cut, and the schedule's placement.
  FailureOr<Placement> getPlacement(ModuleOp module) {
    Placement placement;
    if (auto p = module->getAttrOfType<IntegerAttr>(
            ppd::PPDialect::kNumStagesAttrName))
      placement.numStages = p.getInt();
    if (auto v = module->getAttrOfType<IntegerAttr>(
            ppd::PPDialect::kVirtualStagesAttrName))
      placement.chunks = v.getInt();
    auto schedules = module.getOps<ppd::ScheduleOp>();
    if (schedules.empty()) {
      if (placement.chunks > 1 &&
          this->placement == OutlinePlacement::Schedule) {
        module.emitError()
            << "pp-outline-stages: the module is cut into " << placement.chunks
            << " chunks per stage, and which stage holds which chunk is the "
               "schedule's placement: run pp-schedule first, or give "
               "placement=loop or placement=v";
        return failure();
      }
      placement.vShape = this->placement == OutlinePlacement::V;
      return placement;
    }
    ppd::ScheduleOp schedule = *schedules.begin();
    if (schedule.getNumStages() != placement.numStages ||
        schedule.getVirtualStages() != placement.chunks) {
      schedule.emitError() << "pp-outline-stages: the schedule has "
                           << schedule.getNumStages() << " stages of "
                           << schedule.getVirtualStages()
                           << " chunks, but the module is cut into "
                           << placement.numStages << " stages of "
                           << placement.chunks << " chunks ('"
                           << ppd::PPDialect::kNumStagesAttrName << "', '"
                           << ppd::PPDialect::kVirtualStagesAttrName << "')";
      return failure();
    }
    placement.vShape = schedule.getPlacement() == ppd::Placement::V;
    StringRef scheduled = placement.vShape ? "v" : "loop";
    if (this->placement != OutlinePlacement::Schedule &&
        (this->placement == OutlinePlacement::V) != placement.vShape) {
      schedule.emitError() << "pp-outline-stages: option 'placement' is "
                           << (placement.vShape ? "loop" : "v")
                           << ", but the schedule places "
                           << "its chunks as " << scheduled;
      return failure();
    }
    return placement;
  }
};

} // namespace
} // namespace pp
