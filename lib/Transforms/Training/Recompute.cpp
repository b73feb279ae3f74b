//===- Recompute.cpp - Keep or recompute the activations B and W read -----===//
//
// pp-recompute: for each forward function @F and its B and W, chooses the
// ops B recomputes (a set R of @F's ops), derives from R what @F must keep
// (a ChunkChoice), and rewrites the three functions. The policies differ
// only in how they choose R; docs/Memory.md is the contract.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/TrainingPasses.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Planning/Device/DeviceProfile.h"
#include "pp/Planning/Schedule/Lowering.h"
#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Support/Format.h"
#include "pp/Transforms/PlanDefaults.h"
#include "pp/Transforms/ScheduleIR.h"
#include "pp/Transforms/StageMemory.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>

namespace pp {
#define GEN_PASS_DEF_PPRECOMPUTE
#include "pp/Transforms/TrainingPasses.h.inc"
} // namespace pp

using namespace mlir;
using namespace pp::training;
namespace ppd = ::pp::pp;

namespace pp {
namespace {

DictionaryAttr portAttrs(MLIRContext *context, StringRef role, StringRef key) {
  NamedAttrList attrs;
  attrs.set(kRoleAttr, StringAttr::get(context, role));
  attrs.set(kKeyAttr, StringAttr::get(context, key));
  return attrs.getDictionary(context);
}

/// Whether B may run a copy of `op`: it has no memory effects, or it is a
/// random op with its own stream (which draws the same numbers again).
bool isRecomputable(Operation *op) {
  if (op->getNumRegions() || op->hasTrait<OpTrait::IsTerminator>())
    return false;
  return isMemoryEffectFree(op) ||
         op->hasAttr(ppd::PPDialect::kRandomIdAttrName);
}

/// What a choice keeps and recomputes in one chunk.
struct ChunkChoice {
  /// @F's values it returns for B and W, in @F's order.
  llvm::SetVector<Value> kept;
  /// @F's ops B runs again, in @F's order.
  llvm::SetVector<Operation *> clones;
  /// Seconds the clones add to B.
  double seconds = 0;
};

/// One stage chunk: @F, B, W, and what B and W read of @F.
class Chunk {
public:
  Chunk(func::FuncOp forward, func::FuncOp b, func::FuncOp w,
        const device::DeviceProfile &profile);

  func::FuncOp getForward() const { return forward; }
  int getStage() const { return stage; }
  int getLocalChunk() const { return localChunk; }
  /// The ops a policy may recompute (depend on an input, recomputable).
  ArrayRef<Operation *> getCandidates() const { return candidates; }
  double getSeconds(Operation *op) const { return seconds.lookup(op); }
  /// Pool bytes of @F's saved results `op` makes.
  double getSavedBytes(Operation *op) const;
  /// Seconds of the chunk's F, B and W (the ops' pp.cost, else three times
  /// their forward on the device).
  double getComputeSeconds() const { return computeSeconds; }
  /// Pool bytes a choice keeps per microbatch.
  double getKeptBytes(const ChunkChoice &choice) const;
  /// `op` and the candidates that make its operands where those are not
  /// saved: what recomputing `op` alone takes.
  llvm::DenseSet<Operation *> getRecomputeClosure(Operation *op) const;

  /// What recomputing the ops of `recompute` (and whatever they need that
  /// is not kept) leaves kept.
  ChunkChoice choose(const llvm::DenseSet<Operation *> &recompute) const;
  /// Rewrites @F, B and W to keep `choice.kept` and recompute the rest.
  void apply(const ChunkChoice &choice);

private:
  func::FuncOp forward, b, w;
  int stage = 0, localChunk = 0;
  llvm::DenseSet<Value> fromInput;
  /// @F's saved values by key, and which B and W read.
  llvm::StringMap<Value> savedByKey;
  llvm::SetVector<Value> readByB, readByW;
  std::vector<Operation *> candidates;
  llvm::DenseMap<Operation *, double> seconds;
  double computeSeconds = 0;
};

Chunk::Chunk(func::FuncOp forward, func::FuncOp b, func::FuncOp w,
             const device::DeviceProfile &profile)
    : forward(forward), b(b), w(w) {
  if (auto attr =
          forward->getAttrOfType<IntegerAttr>(ppd::PPDialect::kStageAttrName))
    stage = int(attr.getInt());
  if (auto attr =
          forward->getAttrOfType<IntegerAttr>(ppd::PPDialect::kChunkAttrName))
    localChunk = int(attr.getInt());
  Block &body = forward.getBody().front();
  for (BlockArgument arg : body.getArguments())
    fromInput.insert(arg);
  for (Operation &op : body.without_terminator()) {
    bool dependent = llvm::any_of(
        op.getOperands(), [&](Value v) { return fromInput.contains(v); });
    if (!dependent)
      continue;
    for (Value r : op.getResults())
      fromInput.insert(r);
    if (!isRecomputable(&op))
      continue;
    candidates.push_back(&op);
    // The cost model's forward time (pp-annotate-cost), else the roofline.
    double time = 0;
    if (auto costed = dyn_cast<nn::CostOpInterface>(op)) {
      nn::OpCost cost = costed.getForwardCost();
      time = profile.getKernelTime(op.getName().getStringRef(),
                                   nn::getComputeType(&op), cost.flops,
                                   cost.bytesRead + cost.bytesWritten);
    }
    double all = 3 * time;
    if (auto costs =
            op.getAttrOfType<DictionaryAttr>(ppd::PPDialect::kCostAttrName))
      if (auto f = costs.getAs<FloatAttr>("f")) {
        time = all = f.getValueAsDouble();
        for (StringRef key : {"b", "w"})
          if (auto t = costs.getAs<FloatAttr>(key))
            all += t.getValueAsDouble();
      }
    seconds[&op] = time;
    computeSeconds += all;
  }
  Operation *terminator = body.getTerminator();
  for (unsigned i = 0; i < forward.getNumResults(); ++i)
    if (getPortRole(forward.getResultAttrDict(i)) == kSavedPort)
      savedByKey[getPortKey(forward.getResultAttrDict(i))] =
          terminator->getOperand(i);
  auto collect = [&](func::FuncOp fn, llvm::SetVector<Value> &into) {
    if (!fn)
      return;
    for (unsigned i = 0; i < fn.getNumArguments(); ++i)
      if (getPortRole(fn.getArgAttrDict(i)) == kSavedPort)
        if (Value v = savedByKey.lookup(getPortKey(fn.getArgAttrDict(i))))
          into.insert(v);
  };
  collect(b, readByB);
  collect(w, readByW);
}

double Chunk::getSavedBytes(Operation *op) const {
  double bytes = 0;
  for (Value r : op->getResults())
    if (readByB.contains(r) || readByW.contains(r))
      bytes += sched::poolBytes(double(nn::getTensorBytes(r.getType())));
  return bytes;
}

double Chunk::getKeptBytes(const ChunkChoice &choice) const {
  double bytes = 0;
  for (Value v : choice.kept)
    bytes += sched::poolBytes(double(nn::getTensorBytes(v.getType())));
  return bytes;
}

llvm::DenseSet<Operation *> Chunk::getRecomputeClosure(Operation *op) const {
  llvm::DenseSet<Operation *> closure;
  llvm::DenseSet<Operation *> candidateSet(candidates.begin(),
                                           candidates.end());
  SmallVector<Operation *> worklist = {op};
  while (!worklist.empty()) {
    Operation *next = worklist.pop_back_val();
    if (!closure.insert(next).second)
      continue;
    for (Value v : next->getOperands())
      if (Operation *def = v.getDefiningOp())
        if (candidateSet.contains(def) && !readByB.contains(v) &&
            !readByW.contains(v))
          worklist.push_back(def);
  }
  return closure;
}

ChunkChoice Chunk::choose(const llvm::DenseSet<Operation *> &recompute) const {
  ChunkChoice choice;
  llvm::DenseSet<Value> visited;
  SmallVector<Value> worklist(readByB.begin(), readByB.end());
  llvm::append_range(worklist, readByW);
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!visited.insert(v).second)
      continue;
    Operation *def = v.getDefiningOp();
    // Parameter-derived values cost no activation memory: B copies them.
    bool cloned = def && (!fromInput.contains(v) || recompute.contains(def));
    if (!cloned) {
      choice.kept.insert(v);
      continue;
    }
    if (!choice.clones.insert(def))
      continue;
    choice.seconds += seconds.lookup(def);
    llvm::append_range(worklist, def->getOperands());
  }
  // @F's order: arguments, then op results; clones in op order.
  Block &body = func::FuncOp(forward).getBody().front();
  llvm::SetVector<Value> kept;
  llvm::SetVector<Operation *> clones;
  for (BlockArgument arg : body.getArguments())
    if (choice.kept.contains(arg))
      kept.insert(arg);
  for (Operation &op : body.without_terminator()) {
    if (choice.clones.contains(&op))
      clones.insert(&op);
    for (Value r : op.getResults())
      if (choice.kept.contains(r))
        kept.insert(r);
  }
  choice.kept = std::move(kept);
  choice.clones = std::move(clones);
  return choice;
}

void Chunk::apply(const ChunkChoice &choice) {
  MLIRContext *context = forward.getContext();
  Block &fBody = forward.getBody().front();
  Operation *terminator = fBody.getTerminator();

  // What B (its own reads and its clones' operands) and W read of the kept.
  llvm::SetVector<Value> keptForB, keptForW, passedToW;
  llvm::DenseSet<Value> clonedValues;
  for (Operation *op : choice.clones)
    for (Value r : op->getResults())
      clonedValues.insert(r);
  for (Value v : choice.kept) {
    bool byClone = llvm::any_of(v.getUsers(), [&](Operation *user) {
      return choice.clones.contains(user);
    });
    if (readByB.contains(v) || byClone)
      keptForB.insert(v);
    if (readByW.contains(v))
      keptForW.insert(v);
  }
  for (Value v : readByW)
    if (!choice.kept.contains(v))
      passedToW.insert(v);
  llvm::DenseMap<Value, std::string> newKey;
  for (auto [index, v] : llvm::enumerate(choice.kept))
    newKey[v] = "s" + std::to_string(index);

  // @F returns its other results, then the kept values.
  SmallVector<Value> results;
  SmallVector<Attribute> resultAttrs;
  for (unsigned i = 0; i < forward.getNumResults(); ++i)
    if (getPortRole(forward.getResultAttrDict(i)) != kSavedPort) {
      results.push_back(terminator->getOperand(i));
      resultAttrs.push_back(forward.getResultAttrDict(i)
                                ? Attribute(forward.getResultAttrDict(i))
                                : DictionaryAttr::get(context));
    }
  for (Value v : choice.kept) {
    results.push_back(v);
    resultAttrs.push_back(portAttrs(context, kSavedPort, newKey[v]));
  }
  terminator->setOperands(results);
  forward.setFunctionType(FunctionType::get(context, forward.getArgumentTypes(),
                                            ValueRange(results).getTypes()));
  forward.setAllResultAttrs(resultAttrs);

  // Replaces a backward function's saved arguments: new ones for `kept`
  // first, in key order; the old ones' uses go to `valueOf`.
  auto replaceSaved = [&](func::FuncOp fn, ArrayRef<Value> kept,
                          IRMapping &mapping) {
    Block &body = fn.getBody().front();
    SmallVector<BlockArgument> oldSaved;
    for (BlockArgument arg : body.getArguments())
      if (getPortRole(fn.getArgAttrDict(arg.getArgNumber())) == kSavedPort)
        oldSaved.push_back(arg);
    for (auto [index, v] : llvm::enumerate(kept)) {
      fn.insertArgument(unsigned(index), v.getType(),
                        portAttrs(context, kSavedPort, newKey[v]), v.getLoc());
      mapping.map(v, body.getArgument(unsigned(index)));
    }
    return oldSaved;
  };
  auto eraseOld = [&](func::FuncOp fn, ArrayRef<BlockArgument> oldSaved,
                      const IRMapping &mapping) {
    llvm::BitVector erase(fn.getNumArguments());
    for (BlockArgument arg : oldSaved) {
      Value v =
          savedByKey.lookup(getPortKey(fn.getArgAttrDict(arg.getArgNumber())));
      if (!arg.use_empty())
        arg.replaceAllUsesWith(mapping.lookup(v));
      erase.set(arg.getArgNumber());
    }
    (void)fn.eraseArguments(erase);
  };

  // B: the kept values as saved arguments, then the clones, in @F's order.
  if (b) {
    IRMapping mapping;
    SmallVector<BlockArgument> oldSaved =
        replaceSaved(b, keptForB.getArrayRef(), mapping);
    Block &body = b.getBody().front();
    OpBuilder builder = OpBuilder::atBlockBegin(&body);
    Builder attrs(context);
    for (Operation *op : choice.clones) {
      Operation *clone = builder.clone(*op, mapping);
      clone->removeAttr(ppd::PPDialect::kCostAttrName);
      // Parameter loads and constants B may already have: CSE below.
      if (llvm::none_of(op->getResults(),
                        [&](Value r) { return fromInput.contains(r); }))
        continue;
      clone->setAttr(
          ppd::PPDialect::kCostAttrName,
          attrs.getDictionaryAttr(attrs.getNamedAttr(
              "recompute", attrs.getF64FloatAttr(seconds.lookup(op)))));
    }
    eraseOld(b, oldSaved, mapping);
    // Recomputed values W reads leave B as cotangents.
    Operation *ret = body.getTerminator();
    unsigned next = 0;
    for (unsigned i = 0; i < b.getNumResults(); ++i)
      if (getPortRole(b.getResultAttrDict(i)) == kCotangentPort)
        ++next;
    SmallVector<Value> bResults(ret->getOperands());
    SmallVector<Attribute> bAttrs;
    for (unsigned i = 0; i < b.getNumResults(); ++i)
      bAttrs.push_back(b.getResultAttrDict(i)
                           ? Attribute(b.getResultAttrDict(i))
                           : DictionaryAttr::get(context));
    llvm::DenseMap<Value, std::string> cotangentKey;
    for (Value v : passedToW) {
      std::string key = "c" + std::to_string(next++);
      cotangentKey[v] = key;
      bResults.push_back(mapping.lookup(v));
      bAttrs.push_back(portAttrs(context, kCotangentPort, key));
    }
    ret->setOperands(bResults);
    b.setFunctionType(FunctionType::get(context, b.getArgumentTypes(),
                                        ValueRange(bResults).getTypes()));
    b.setAllResultAttrs(bAttrs);
    IRRewriter rewriter(context);
    (void)runRegionDCE(rewriter, b.getBody());
    DominanceInfo dominance(b);
    eliminateCommonSubExpressions(rewriter, dominance, b);

    // W: kept values as saved arguments, recomputed ones as cotangents.
    if (w) {
      IRMapping wMapping;
      SmallVector<BlockArgument> wOld =
          replaceSaved(w, keptForW.getArrayRef(), wMapping);
      for (Value v : passedToW) {
        w.insertArgument(w.getNumArguments(), v.getType(),
                         portAttrs(context, kCotangentPort, cotangentKey[v]),
                         v.getLoc());
        wMapping.map(v, w.getArguments().back());
      }
      eraseOld(w, wOld, wMapping);
    }
  }
}

/// The chunks of `module`: each forward function with its B and W.
std::vector<Chunk> collectChunks(ModuleOp module,
                                 const device::DeviceProfile &profile) {
  std::vector<Chunk> chunks;
  for (auto func : module.getOps<func::FuncOp>()) {
    auto role = func->getAttrOfType<StringAttr>(kRoleAttr);
    if (!role || role.getValue() != kForwardRole || func.isExternal())
      continue;
    auto lookup = [&](StringRef suffix) {
      return module.lookupSymbol<func::FuncOp>(
          (func.getSymName() + suffix).str());
    };
    chunks.emplace_back(func, lookup(kBackwardInputSuffix),
                        lookup(kBackwardWeightSuffix), profile);
  }
  return chunks;
}

/// Evaluates choices of a stage's chunks against its memory limit: the
/// predicted peak of the stage's action list with the chunks rewritten.
class StageEvaluator {
public:
  StageEvaluator(ModuleOp module, const sched::Schedule &lowered,
                 sched::StageMemory current, int stage,
                 const device::DeviceProfile &profile)
      : module(module), actions(lowered.Stages[stage]),
        current(std::move(current)), profile(profile) {}

  /// Sets `chunk`'s memory to what recomputing `recompute` gives (on
  /// copies of its functions) and returns the stage's peak.
  double set(const Chunk &chunk, const llvm::DenseSet<Operation *> &recompute) {
    OwningOpRef<ModuleOp> scratch = ModuleOp::create(module.getLoc());
    OpBuilder builder = OpBuilder::atBlockEnd(scratch->getBody());
    StringRef name = chunk.getForward().getSymName();
    for (StringRef suffix : {StringRef(), StringRef(kBackwardInputSuffix),
                             StringRef(kBackwardWeightSuffix)})
      if (auto fn = module.lookupSymbol<func::FuncOp>((name + suffix).str()))
        builder.clone(*fn);
    auto lookup = [&](StringRef suffix) {
      return scratch->lookupSymbol<func::FuncOp>((name + suffix).str());
    };
    Chunk copy(lookup(""), lookup(kBackwardInputSuffix),
               lookup(kBackwardWeightSuffix), profile);
    // The copy's candidates are the original's, in the same order.
    llvm::DenseSet<Operation *> mapped;
    ArrayRef<Operation *> from = chunk.getCandidates();
    ArrayRef<Operation *> to = copy.getCandidates();
    for (size_t i = 0; i < from.size() && i < to.size(); ++i)
      if (recompute.contains(from[i]))
        mapped.insert(to[i]);
    copy.apply(copy.choose(mapped));
    size_t c = size_t(chunk.getLocalChunk());
    if (c < current.Chunks.size())
      current.Chunks[c] = computeChunkMemory(copy.getForward());
    return peak();
  }

  double peak() const { return sched::walkStageMemory(actions, current).Peak; }

private:
  ModuleOp module;
  const std::vector<sched::Action> &actions;
  sched::StageMemory current;
  const device::DeviceProfile &profile;
};

LogicalResult updateScheduleCosts(ModuleOp module);

/// selective: the saved values whose recomputation costs least per byte it
/// frees, cheapest first, while the time it adds stays within `budget` of
/// the chunk's F + B + W and each one frees bytes.
llvm::DenseSet<Operation *> chooseSelective(const Chunk &chunk, double budget) {
  struct Candidate {
    llvm::DenseSet<Operation *> closure;
    double perByte;
  };
  std::vector<Candidate> order;
  for (Operation *op : chunk.getCandidates()) {
    double bytes = chunk.getSavedBytes(op);
    if (bytes == 0)
      continue;
    llvm::DenseSet<Operation *> closure = chunk.getRecomputeClosure(op);
    double time = 0;
    for (Operation *member : closure)
      time += chunk.getSeconds(member);
    order.push_back({std::move(closure), time / bytes});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Candidate &a, const Candidate &b) {
                     return a.perByte < b.perByte;
                   });
  double allowed = budget * chunk.getComputeSeconds();
  llvm::DenseSet<Operation *> chosen;
  double kept = chunk.getKeptBytes(chunk.choose(chosen));
  for (const Candidate &c : order) {
    llvm::DenseSet<Operation *> trial = chosen;
    trial.insert(c.closure.begin(), c.closure.end());
    ChunkChoice choice = chunk.choose(trial);
    double bytes = chunk.getKeptBytes(choice);
    if (choice.seconds <= allowed && bytes < kept) {
      chosen = std::move(trial);
      kept = bytes;
    }
  }
  return chosen;
}

struct RecomputePass : impl::PPRecomputeBase<RecomputePass> {
  using PPRecomputeBase::PPRecomputeBase;

  void runOnOperation() override;

private:
  LogicalResult runAuto(ModuleOp module, std::vector<Chunk> &chunks,
                        double limit, const device::DeviceProfile &profile);
};

void RecomputePass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    mlir::emitError(module.getLoc()) << "pp-recompute: " << message;
    signalPassFailure();
  };
  double limit = 0;
  if (policy == RecomputePolicy::Auto) {
    if (memoryLimit.empty())
      return fail("policy=auto needs memory-limit (bytes per device, e.g. "
                  "memory-limit=2GB)");
    llvm::Expected<double> parsed = parseByteSize(memoryLimit);
    if (!parsed)
      return fail(llvm::toString(parsed.takeError()));
    limit = *parsed;
  } else if (!memoryLimit.empty()) {
    return fail("option 'memory-limit' applies to policy=auto only");
  }
  if (policy == RecomputePolicy::None)
    return;

  std::string deviceName = resolvePlanDevice(device, module, defaultDevice);
  llvm::Expected<device::DeviceProfile> profile =
      device::resolveDeviceProfile(deviceName);
  if (!profile)
    return fail("option 'device': " + llvm::toString(profile.takeError()));
  std::vector<Chunk> chunks = collectChunks(module, *profile);
  if (chunks.empty())
    return fail("the module has no forward function with its backward "
                "(run pp-autodiff first)");

  if (policy == RecomputePolicy::Auto) {
    if (failed(runAuto(module, chunks, limit, *profile)))
      return signalPassFailure();
  } else {
    for (Chunk &chunk : chunks) {
      llvm::DenseSet<Operation *> recompute;
      if (policy == RecomputePolicy::Full)
        recompute.insert(chunk.getCandidates().begin(),
                         chunk.getCandidates().end());
      else
        recompute = chooseSelective(chunk, selectiveBudget);
      chunk.apply(chunk.choose(recompute));
    }
  }
  module->setAttr(
      ppd::PPDialect::kRecomputeAttrName,
      StringAttr::get(&getContext(), getRecomputePolicyName(policy)));
  if (failed(updateScheduleCosts(module)))
    signalPassFailure();
}

/// A schedule made before the recomputation times B without it: its
/// stored costs take B's new time (each stage's recomputed ops).
LogicalResult updateScheduleCosts(ModuleOp module) {
  for (auto op : module.getOps<ppd::ScheduleOp>()) {
    std::optional<sched::CostModel> costs = getCostModel(op);
    if (!costs)
      continue;
    int p = int(op.getNumStages());
    FailureOr<ModuleStageCosts> fresh = computeModuleStageCosts(module, p);
    if (failed(fresh))
      return failure();
    if (!fresh->fromOps)
      continue;
    for (size_t s = 0;
         s < costs->Stages.size() && s < fresh->costs.Stages.size(); ++s)
      costs->Stages[s].B = fresh->costs.Stages[s].B;
    for (size_t k = 0;
         k < costs->Virtual.size() && k < fresh->costs.Virtual.size(); ++k)
      costs->Virtual[k].B = fresh->costs.Virtual[k].B;
    op.setCostsAttr(buildCostsAttr(module.getContext(), *costs, p));
  }
  return success();
}

LogicalResult RecomputePass::runAuto(ModuleOp module,
                                     std::vector<Chunk> &chunks, double limit,
                                     const device::DeviceProfile &profile) {
  auto schedules = llvm::to_vector(module.getOps<ppd::ScheduleOp>());
  if (schedules.size() != 1)
    return mlir::emitError(module.getLoc())
           << "pp-recompute: policy=auto plans for the module's schedule; "
              "run pp-schedule first";
  sched::Schedule schedule = toSchedule(schedules.front());
  llvm::Expected<sched::Schedule> lowered =
      schedule.hasCommunication() ? llvm::Expected<sched::Schedule>(schedule)
                                  : sched::lowerCommunication(schedule);
  if (!lowered)
    return mlir::emitError(module.getLoc())
           << "pp-recompute: " << llvm::toString(lowered.takeError());
  int p = schedule.NumStages;
  std::optional<std::vector<sched::StageMemory>> memory = computeStageMemory(
      module, p, schedule.NumChunks, getOptimizerStateCount(optimizer));
  if (!memory)
    return mlir::emitError(module.getLoc())
           << "pp-recompute: the module has no outlined stage functions";

  for (int s = 0; s < p; ++s) {
    StageEvaluator stage(module, *lowered, (*memory)[s], s, profile);
    if (stage.peak() <= limit)
      continue;
    SmallVector<Chunk *> mine;
    for (Chunk &chunk : chunks)
      if (chunk.getStage() == s)
        mine.push_back(&chunk);
    // Candidates by bytes freed per second added (free ones first).
    struct Candidate {
      Chunk *chunk;
      Operation *op;
      double ratio;
    };
    std::vector<Candidate> order;
    for (Chunk *chunk : mine)
      for (Operation *op : chunk->getCandidates()) {
        double bytes = chunk->getSavedBytes(op);
        double time = chunk->getSeconds(op);
        order.push_back({chunk, op,
                         time > 0 ? bytes / time
                                  : std::numeric_limits<double>::infinity()});
      }
    std::stable_sort(order.begin(), order.end(),
                     [](const Candidate &a, const Candidate &b) {
                       return a.ratio > b.ratio;
                     });
    llvm::DenseMap<Chunk *, llvm::DenseSet<Operation *>> chosen;
    // Recompute more until the stage fits (an op that frees nothing is
    // only taken with those after it).
    bool fits = false;
    std::vector<size_t> added;
    for (size_t i = 0; i < order.size() && !fits; ++i) {
      Chunk *chunk = order[i].chunk;
      chosen[chunk].insert(order[i].op);
      added.push_back(i);
      if (chunk->getSavedBytes(order[i].op) == 0 && i + 1 < order.size())
        continue;
      fits = stage.set(*chunk, chosen[chunk]) <= limit;
    }
    // Chunks whose last additions freed nothing were not evaluated yet.
    if (!fits && mine.size() > 1) {
      for (Chunk *chunk : mine)
        stage.set(*chunk, chosen[chunk]);
      fits = stage.peak() <= limit;
    }
    if (!fits) {
      // Everything recomputable is recomputed (policy=full) and it still
      // does not fit: name the memory it would take.
      for (Chunk *chunk : mine)
        stage.set(*chunk,
                  llvm::DenseSet<Operation *>(chunk->getCandidates().begin(),
                                              chunk->getCandidates().end()));
      double needed = stage.peak();
      return mlir::emitError(module.getLoc())
             << "pp-recompute: stage " << s
             << " does not fit memory-limit=" << memoryLimit
             << " even recomputing its whole forward "
             << "(policy=full): it needs at least " << formatBytes(needed)
             << " (" << int64_t(needed) << " bytes) under "
             << "schedule " << schedule.Name << " with "
             << schedule.NumMicrobatches
             << " microbatches; raise memory-limit, cut into more stages, or "
                "use a schedule with fewer microbatches in flight";
    }
    // Keep again what still fits, least valuable recomputations first.
    for (auto it = added.rbegin(); it != added.rend(); ++it) {
      const Candidate &c = order[*it];
      chosen[c.chunk].erase(c.op);
      if (stage.set(*c.chunk, chosen[c.chunk]) > limit) {
        chosen[c.chunk].insert(c.op);
        stage.set(*c.chunk, chosen[c.chunk]);
      }
    }
    for (Chunk *chunk : mine)
      chunk->apply(chunk->choose(chosen[chunk]));
  }
  return success();
}

} // namespace
} // namespace pp
