//===- ScheduleIR.cpp - pp.schedule <-> pp::sched::Schedule ---------------===//

#include "pp/Transforms/ScheduleIR.h"

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Planning/Schedule/Verifier.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cctype>
#include <set>

using namespace mlir;
namespace ppd = ::pp::pp;
namespace sched = ::pp::sched;
using sched::Action;
using sched::ActionKind;

//===----------------------------------------------------------------------===//
// Ops -> Schedule
//===----------------------------------------------------------------------===//

template <typename OpT> static Action computeAction(ActionKind kind, OpT op) {
  return Action::compute(kind, (int)op.getMicrobatch(), (int)op.getChunk());
}
template <typename OpT> static Action commAction(ActionKind kind, OpT op) {
  return Action::comm(kind, (int)op.getMicrobatch(), (int)op.getChunk(),
                      (int)op.getPeer());
}

static Action toAction(Operation &op) {
  return llvm::TypeSwitch<Operation *, Action>(&op)
      .Case([](ppd::ForwardActionOp a) {
        return computeAction(ActionKind::Forward, a);
      })
      .Case([](ppd::BackwardInputActionOp a) {
        return computeAction(ActionKind::BackwardInput, a);
      })
      .Case([](ppd::BackwardWeightActionOp a) {
        return computeAction(ActionKind::BackwardWeight, a);
      })
      .Case([](ppd::BackwardActionOp a) {
        return computeAction(ActionKind::FullBackward, a);
      })
      .Case([](ppd::SendActivationActionOp a) {
        return commAction(ActionKind::SendF, a);
      })
      .Case([](ppd::RecvActivationActionOp a) {
        return commAction(ActionKind::RecvF, a);
      })
      .Case([](ppd::SendGradActionOp a) {
        return commAction(ActionKind::SendB, a);
      })
      .Case([](ppd::RecvGradActionOp a) {
        return commAction(ActionKind::RecvB, a);
      })
      .Case([](ppd::ReduceTiedGradsActionOp a) {
        return Action{ActionKind::TiedReduce, 0, 0, (int)a.getPeer()};
      })
      .Case([](ppd::OptimizerStepActionOp) {
        return Action{ActionKind::OptimizerStep, 0, 0, -1};
      })
      .Default([](Operation *) -> Action {
        llvm_unreachable("pp.stage_actions verifies that it holds actions");
      });
}

sched::Schedule pp::toSchedule(ppd::ScheduleOp op) {
  sched::Schedule s;
  s.Name = ppd::stringifyScheduleKind(op.getKind()).str();
  s.NumStages = (int)op.getNumStages();
  s.NumMicrobatches = (int)op.getMicrobatches();
  s.NumChunks = (int)op.getVirtualStages();
  s.Place = *sched::parsePlacement(ppd::stringifyPlacement(op.getPlacement()));
  s.Stages.resize(s.NumStages);
  for (auto actions : op.getBody().front().getOps<ppd::StageActionsOp>()) {
    std::vector<Action> &list = s.Stages[actions.getStage()];
    for (Operation &action : actions.getBody().front())
      list.push_back(toAction(action));
  }
  return s;
}

//===----------------------------------------------------------------------===//
// Schedule -> ops
//===----------------------------------------------------------------------===//

static void buildAction(OpBuilder &b, Location loc, const Action &a) {
  uint64_t mb = a.Microbatch, chunk = a.Chunk, peer = a.Peer;
  switch (a.Kind) {
  case ActionKind::Forward:
    ppd::ForwardActionOp::create(b, loc, mb, chunk);
    return;
  case ActionKind::BackwardInput:
    ppd::BackwardInputActionOp::create(b, loc, mb, chunk);
    return;
  case ActionKind::BackwardWeight:
    ppd::BackwardWeightActionOp::create(b, loc, mb, chunk);
    return;
  case ActionKind::FullBackward:
    ppd::BackwardActionOp::create(b, loc, mb, chunk);
    return;
  case ActionKind::SendF:
    ppd::SendActivationActionOp::create(b, loc, mb, chunk, peer);
    return;
  case ActionKind::RecvF:
    ppd::RecvActivationActionOp::create(b, loc, mb, chunk, peer);
    return;
  case ActionKind::SendB:
    ppd::SendGradActionOp::create(b, loc, mb, chunk, peer);
    return;
  case ActionKind::RecvB:
    ppd::RecvGradActionOp::create(b, loc, mb, chunk, peer);
    return;
  case ActionKind::TiedReduce:
    ppd::ReduceTiedGradsActionOp::create(b, loc, peer);
    return;
  case ActionKind::OptimizerStep:
    ppd::OptimizerStepActionOp::create(b, loc);
    return;
  }
  llvm_unreachable("unknown action kind");
}

static void buildStages(OpBuilder &b, Location loc, ppd::ScheduleOp op,
                        const sched::Schedule &schedule) {
  OpBuilder::InsertionGuard guard(b);
  Block &body =
      op.getBody().empty() ? op.getBody().emplaceBlock() : op.getBody().front();
  b.setInsertionPointToEnd(&body);
  for (int s = 0; s < schedule.NumStages; ++s) {
    auto actions = ppd::StageActionsOp::create(b, loc, (uint64_t)s);
    OpBuilder::InsertionGuard stageGuard(b);
    b.setInsertionPointToEnd(&actions.getBody().emplaceBlock());
    for (const Action &a : schedule.Stages[s])
      buildAction(b, loc, a);
  }
}

ppd::ScheduleOp pp::buildScheduleOp(OpBuilder &b, Location loc,
                                    const sched::Schedule &schedule,
                                    DictionaryAttr costs,
                                    DictionaryAttr selection) {
  // The library names its schedules by generator; any other name (a
  // schedule read from its text form) is a custom one.
  auto op = ppd::ScheduleOp::create(
      b, loc,
      ppd::symbolizeScheduleKind(schedule.Name)
          .value_or(ppd::ScheduleKind::Custom),
      (uint64_t)schedule.NumStages, (uint64_t)schedule.NumMicrobatches,
      (uint64_t)schedule.NumChunks,
      *ppd::symbolizePlacement(sched::placementName(schedule.Place)), costs,
      selection);
  buildStages(b, loc, op, schedule);
  return op;
}

void pp::replaceActions(ppd::ScheduleOp op, const sched::Schedule &schedule) {
  Location loc = op.getLoc();
  for (Operation &stage :
       llvm::make_early_inc_range(op.getBody().front().getOperations()))
    stage.erase();
  OpBuilder b(op.getContext());
  buildStages(b, loc, op, schedule);
}

Operation *pp::getActionOp(ppd::ScheduleOp op, int stage, int index) {
  ppd::StageActionsOp actions = op.getStage(stage);
  if (!actions)
    return op;
  if (index < 0)
    return actions;
  Block &block = actions.getBody().front();
  int i = 0;
  for (Operation &action : block)
    if (i++ == index)
      return &action;
  return actions;
}

LogicalResult pp::verifyScheduleOp(ppd::ScheduleOp op, StringRef prefix) {
  llvm::Error error = sched::verify(toSchedule(op));
  if (!error)
    return success();
  std::string message;
  Operation *at = op;
  llvm::handleAllErrors(
      std::move(error),
      [&](const sched::ScheduleError &e) {
        at = getActionOp(op, e.Stage, e.Index);
        llvm::raw_string_ostream os(message);
        e.log(os);
      },
      [&](const llvm::ErrorInfoBase &e) { message = e.message(); });
  mlir::emitError(at->getLoc()) << prefix << message;
  return failure();
}

//===----------------------------------------------------------------------===//
// Costs
//===----------------------------------------------------------------------===//

static double toDouble(Attribute attr) {
  if (auto f = dyn_cast_or_null<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return (double)i.getInt();
  return 0;
}

std::optional<sched::CostModel> pp::getCostModel(ppd::ScheduleOp op) {
  DictionaryAttr dict = op.getCostsAttr();
  if (!dict)
    return std::nullopt;
  int p = (int)op.getNumStages();
  sched::CostModel costs = sched::CostModel::uniform(p);
  auto forEach = [&](StringRef key, auto apply) {
    if (auto array = dict.getAs<ArrayAttr>(key))
      for (int s = 0; s < p && s < (int)array.size(); ++s)
        apply(costs.Stages[s], toDouble(array[s]));
  };
  forEach("f", [](sched::StageCost &c, double v) { c.F = v; });
  forEach("b", [](sched::StageCost &c, double v) { c.B = v; });
  forEach("w", [](sched::StageCost &c, double v) { c.W = v; });
  forEach("act", [](sched::StageCost &c, double v) { c.ActivationBytes = v; });
  forEach("out", [](sched::StageCost &c, double v) { c.OutputBytes = {v}; });
  // Costs per virtual stage (a cut with several chunks per stage).
  if (auto vf = dict.getAs<ArrayAttr>("vf")) {
    costs.Virtual.assign(vf.size(), sched::StageCost());
    auto forEachVirtual = [&](StringRef key, auto apply) {
      if (auto array = dict.getAs<ArrayAttr>(key))
        for (size_t k = 0; k < array.size() && k < costs.Virtual.size(); ++k)
          apply(costs.Virtual[k], toDouble(array[k]));
    };
    forEachVirtual("vf", [](sched::StageCost &c, double v) { c.F = v; });
    forEachVirtual("vb", [](sched::StageCost &c, double v) { c.B = v; });
    forEachVirtual("vw", [](sched::StageCost &c, double v) { c.W = v; });
    forEachVirtual(
        "vact", [](sched::StageCost &c, double v) { c.ActivationBytes = v; });
    forEachVirtual("vout",
                   [](sched::StageCost &c, double v) { c.OutputBytes = {v}; });
    costs.Place =
        *sched::parsePlacement(ppd::stringifyPlacement(op.getPlacement()));
  }
  costs.Latency = toDouble(dict.get("latency"));
  costs.Bandwidth = toDouble(dict.get("bandwidth"));
  if (auto tied = dict.getAs<ArrayAttr>("tied"))
    for (Attribute entry : tied) {
      auto d = dyn_cast<DictionaryAttr>(entry);
      auto stages = d ? d.getAs<ArrayAttr>("stages") : ArrayAttr();
      if (!stages)
        continue;
      sched::TiedParameters t;
      for (Attribute s : stages)
        t.VirtualStages.push_back((int)toDouble(s));
      t.Bytes = toDouble(d.get("bytes"));
      costs.Tied.push_back(std::move(t));
    }
  return costs;
}

DictionaryAttr pp::buildCostsAttr(MLIRContext *context,
                                  const sched::CostModel &costs,
                                  int numStages) {
  Builder b(context);
  auto array = [&](auto get) {
    SmallVector<Attribute> values;
    for (int s = 0; s < numStages; ++s)
      values.push_back(b.getF64FloatAttr(
          get(costs.Stages[std::min<int>(s, costs.Stages.size() - 1)])));
    return b.getArrayAttr(values);
  };
  SmallVector<NamedAttribute> entries;
  entries.push_back(b.getNamedAttr(
      "f", array([](const sched::StageCost &c) { return c.F; })));
  entries.push_back(b.getNamedAttr(
      "b", array([](const sched::StageCost &c) { return c.B; })));
  entries.push_back(b.getNamedAttr(
      "w", array([](const sched::StageCost &c) { return c.W; })));
  bool anyAct = llvm::any_of(costs.Stages, [](const sched::StageCost &c) {
    return c.ActivationBytes > 0;
  });
  if (anyAct)
    entries.push_back(b.getNamedAttr(
        "act",
        array([](const sched::StageCost &c) { return c.ActivationBytes; })));
  bool anyOut = llvm::any_of(costs.Stages, [](const sched::StageCost &c) {
    return !c.OutputBytes.empty() && c.OutputBytes.front() > 0;
  });
  if (anyOut)
    entries.push_back(b.getNamedAttr(
        "out", array([](const sched::StageCost &c) {
          return c.OutputBytes.empty() ? 0.0 : c.OutputBytes.front();
        })));
  if (!costs.Virtual.empty()) {
    auto virtualArray = [&](auto get) {
      SmallVector<Attribute> values;
      for (const sched::StageCost &c : costs.Virtual)
        values.push_back(b.getF64FloatAttr(get(c)));
      return b.getArrayAttr(values);
    };
    entries.push_back(b.getNamedAttr(
        "vf", virtualArray([](const sched::StageCost &c) { return c.F; })));
    entries.push_back(b.getNamedAttr(
        "vb", virtualArray([](const sched::StageCost &c) { return c.B; })));
    entries.push_back(b.getNamedAttr(
        "vw", virtualArray([](const sched::StageCost &c) { return c.W; })));
    entries.push_back(
        b.getNamedAttr("vact", virtualArray([](const sched::StageCost &c) {
                         return c.ActivationBytes;
                       })));
    entries.push_back(b.getNamedAttr(
        "vout", virtualArray([](const sched::StageCost &c) {
          return c.OutputBytes.empty() ? 0.0 : c.OutputBytes.front();
        })));
  }
  if (costs.Latency > 0)
    entries.push_back(
        b.getNamedAttr("latency", b.getF64FloatAttr(costs.Latency)));
  if (costs.Bandwidth > 0)
    entries.push_back(
        b.getNamedAttr("bandwidth", b.getF64FloatAttr(costs.Bandwidth)));
  if (!costs.Tied.empty()) {
    SmallVector<Attribute> tied;
    for (const sched::TiedParameters &t : costs.Tied)
      tied.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("stages",
                          b.getI64ArrayAttr(SmallVector<int64_t>(
                              t.VirtualStages.begin(), t.VirtualStages.end()))),
           b.getNamedAttr("bytes", b.getF64FloatAttr(t.Bytes))}));
    entries.push_back(b.getNamedAttr("tied", b.getArrayAttr(tied)));
  }
  return b.getDictionaryAttr(entries);
}

FailureOr<pp::ModuleStageCosts> pp::computeModuleStageCosts(ModuleOp module,
                                                            int numStages) {
  ::pp::ModuleStageCosts result;
  if (auto chunks = module->getAttrOfType<IntegerAttr>(
          ppd::PPDialect::kVirtualStagesAttrName))
    result.chunks = std::max<int64_t>(1, chunks.getInt());
  int numVirtual = numStages * result.chunks;
  result.costs = sched::CostModel::uniform(numStages);
  std::vector<sched::StageCost> sums(numVirtual);
  for (sched::StageCost &c : sums)
    c.F = c.B = c.W = 0;
  std::vector<double> outBytes(numVirtual, 0);
  StringRef stageName = ppd::PPDialect::kStageAttrName;
  StringRef costName = ppd::PPDialect::kCostAttrName;

  auto stageOf = [&](Operation *op) -> int64_t {
    auto attr = op->getAttrOfType<IntegerAttr>(stageName);
    return attr ? attr.getInt() : -1;
  };
  WalkResult walk = module.walk([&](Operation *op) -> WalkResult {
    if (isa<ppd::ScheduleOp>(op))
      return WalkResult::skip();
    // An outlined stage function's pp.stage names its stage, not its ops'.
    if (isa<func::FuncOp>(op))
      return WalkResult::advance();
    int64_t stage = stageOf(op);
    if (stage < 0)
      return WalkResult::advance();
    result.partitioned = true;
    if (stage >= numVirtual) {
      InFlightDiagnostic diag = mlir::emitError(op->getLoc())
                                << "'" << stageName << "' is " << stage
                                << " but the schedule has " << numStages
                                << " stages";
      if (result.chunks > 1)
        diag << " of " << result.chunks << " chunks (" << numVirtual
             << " virtual stages)";
      return WalkResult::interrupt();
    }
    if (auto cost = op->getAttrOfType<DictionaryAttr>(costName)) {
      // A forward op a backward function recomputes (pp-recompute).
      if (Attribute recompute = cost.get("recompute")) {
        sums[stage].B += toDouble(recompute);
        return WalkResult::advance();
      }
      sums[stage].F += toDouble(cost.get("f"));
      sums[stage].B += toDouble(cost.get("b"));
      sums[stage].W += toDouble(cost.get("w"));
      sums[stage].ActivationBytes += toDouble(cost.get("act"));
      result.fromOps = true;
      ++result.numOps;
    }
    // A value used on a later virtual stage crosses every boundary in
    // between. Parameters and constants do not travel: every stage that
    // uses one holds its own copy (tied parameters are reduced once per
    // step). Nor do outputs: each virtual stage returns its own.
    if (op->hasTrait<OpTrait::ConstantLike>() ||
        op->hasTrait<OpTrait::IsTerminator>() ||
        isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op))
      return WalkResult::advance();
    for (Value v : op->getResults()) {
      int64_t last = stage;
      for (Operation *user : v.getUsers())
        if (!user->hasTrait<OpTrait::IsTerminator>())
          last =
              std::max(last, std::min<int64_t>(stageOf(user), numVirtual - 1));
      double bytes = last > stage ? (double)nn::getTensorBytes(v.getType()) : 0;
      for (int64_t s = stage; s < last; ++s)
        outBytes[s] += bytes;
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  // An outlined module: the boundary outputs of each virtual stage's
  // forward function are what it sends.
  for (auto func : module.getOps<func::FuncOp>()) {
    auto virtualStage =
        func->getAttrOfType<IntegerAttr>(ppd::PPDialect::kVirtualStageAttrName);
    auto role = func->getAttrOfType<StringAttr>(ppd::PPDialect::kRoleAttrName);
    if (!virtualStage || (role && role.getValue() != "forward") ||
        virtualStage.getInt() < 0 || virtualStage.getInt() >= numVirtual)
      continue;
    double bytes = 0;
    for (unsigned i = 0; i < func.getNumResults(); ++i) {
      auto port = func.getResultAttrOfType<StringAttr>(
          i, ppd::PPDialect::kRoleAttrName);
      if (port && port.getValue() == "boundary_out")
        bytes += (double)nn::getTensorBytes(func.getResultTypes()[i]);
    }
    if (outBytes[virtualStage.getInt()] == 0)
      outBytes[virtualStage.getInt()] = bytes;
  }
  for (int k = 0; k < numVirtual; ++k)
    if (outBytes[k] > 0)
      sums[k].OutputBytes = {outBytes[k]};
  if (result.chunks > 1) {
    // Per stage, the sums over its chunks in the loop placement: what a
    // schedule with another chunk count would see (pp-schedule refuses
    // those).
    std::vector<sched::StageCost> perStage(numStages);
    for (sched::StageCost &c : perStage)
      c.F = c.B = c.W = 0;
    for (int k = 0; k < numVirtual; ++k) {
      sched::StageCost &c = perStage[k % numStages];
      c.F += sums[k].F;
      c.B += sums[k].B;
      c.W += sums[k].W;
      c.ActivationBytes += sums[k].ActivationBytes;
    }
    if (!result.fromOps)
      for (int k = 0; k < numVirtual; ++k)
        sums[k].F = sums[k].B = sums[k].W = 1;
    if (result.fromOps)
      result.costs.Stages = std::move(perStage);
    result.costs.Virtual = std::move(sums);
  } else if (result.fromOps) {
    result.costs.Stages = std::move(sums);
  } else {
    for (int s = 0; s < numStages; ++s)
      result.costs.Stages[s].OutputBytes = sums[s].OutputBytes;
  }
  return result;
}

std::vector<std::vector<int>> pp::computeTiedGroups(ModuleOp module) {
  std::vector<std::vector<int>> groups;
  for (sched::TiedParameters &t : computeTiedParameters(module))
    groups.push_back(std::move(t.VirtualStages));
  return groups;
}

std::vector<sched::TiedParameters> pp::computeTiedParameters(ModuleOp module) {
  StringRef stageName = ppd::PPDialect::kStageAttrName;
  SymbolTableCollection symbols;
  llvm::MapVector<Operation *, std::set<int>> users;
  module.walk([&](ml_program::GlobalLoadOp load) {
    auto global = symbols.lookupNearestSymbolFrom<ml_program::GlobalOp>(
        load, load.getGlobalAttr());
    if (!global || !global.getIsMutable() ||
        !nn::isDifferentiableType(global.getType()))
      return;
    for (Operation *user : load->getUsers())
      if (auto stage = user->getAttrOfType<IntegerAttr>(stageName))
        users[global].insert((int)stage.getInt());
  });
  std::vector<sched::TiedParameters> tied;
  for (auto &[global, stages] : users)
    if (stages.size() > 1)
      tied.push_back({std::vector<int>(stages.begin(), stages.end()),
                      (double)nn::getTensorBytes(
                          cast<ml_program::GlobalOp>(global).getType())});
  return tied;
}

std::string pp::toPassOptionSpelling(StringRef message) {
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    if (message.substr(i).starts_with("--") &&
        (i == 0 || !std::isalnum((unsigned char)message[i - 1]))) {
      size_t nameEnd = i + 2;
      while (nameEnd < message.size() &&
             (std::isalnum((unsigned char)message[nameEnd]) ||
              message[nameEnd] == '-'))
        ++nameEnd;
      StringRef name = message.slice(i + 2, nameEnd);
      out += name == "stages" ? "num-stages" : name.str();
      // `--name value` where the value is a number or a word.
      if (nameEnd + 1 < message.size() && message[nameEnd] == ' ' &&
          (std::isalnum((unsigned char)message[nameEnd + 1]) ||
           message[nameEnd + 1] == '-') &&
          !message.substr(nameEnd + 1).starts_with("--")) {
        size_t valueEnd = nameEnd + 1;
        while (valueEnd < message.size() &&
               (std::isalnum((unsigned char)message[valueEnd]) ||
                message[valueEnd] == '-' || message[valueEnd] == '.'))
          ++valueEnd;
        // A trailing period ends the sentence, not the number.
        if (message[valueEnd - 1] == '.')
          --valueEnd;
        StringRef value = message.slice(nameEnd + 1, valueEnd);
        // Only rewrite option values, not following prose ("was given").
        bool isValue =
            !value.empty() && (std::isdigit((unsigned char)value[0]) ||
                               sched::parseKind(value).has_value());
        if (isValue) {
          out += "=" + value.str();
          i = valueEnd;
          continue;
        }
      }
      i = nameEnd;
      continue;
    }
    out += message[i++];
  }
  return out;
}
