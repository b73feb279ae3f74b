//===- OpCosts.cpp - Per-op times and saved bytes of a forward function ---===//

#include "OpCosts.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace pp {

bool isReplicatedOrParameter(Operation *op) {
  return op->hasTrait<OpTrait::ConstantLike>() ||
         op->hasTrait<OpTrait::IsTerminator>() ||
         isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op);
}

std::string getNodeName(Operation *op, unsigned position) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc);
      fused && !fused.getLocations().empty())
    loc = fused.getLocations().front();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return (op->getName().getStringRef() + "#" + Twine(position)).str();
}

FailureOr<FunctionCosts>
FunctionCosts::compute(func::FuncOp func,
                       const device::DeviceProfile &profile) {
  FunctionCosts costs;
  auto module = func->getParentOfType<ModuleOp>();
  // Gradient flow, forwards in block order: a float value needs a gradient
  // when it depends on a trainable parameter; it is parameter-derived when it
  // depends on no function argument (the data), like a transposed weight.
  llvm::DenseSet<Value> fromData(func.getArguments().begin(),
                                 func.getArguments().end());
  for (Operation &op : func.getBody().getOps()) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      auto global =
          module ? SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
                       load, load.getGlobal())
                 : nullptr;
      if (global && global.getIsMutable() &&
          nn::isDifferentiableType(load.getType())) {
        costs.needsGrad.insert(load.getResult());
        costs.fromParams.insert(load.getResult());
        costs.trainable[load.getResult()] = global.getSymNameAttr();
      }
      continue;
    }
    if (isReplicatedOrParameter(&op))
      continue;
    bool anyGrad = false, anyData = false;
    for (Value operand : op.getOperands()) {
      anyGrad |= costs.needsGrad.count(operand) > 0;
      anyData |= fromData.count(operand) > 0;
    }
    for (Value result : op.getResults()) {
      if (anyData)
        fromData.insert(result);
      if (anyGrad && nn::isDifferentiableType(result.getType())) {
        costs.needsGrad.insert(result);
        if (!anyData)
          costs.fromParams.insert(result);
      }
    }
  }

  // Costs per node, and the owner of every saved value.
  llvm::DenseMap<Value, unsigned> savedOwner;
  for (Operation &op : func.getBody().getOps()) {
    if (isReplicatedOrParameter(&op))
      continue;
    auto costed = dyn_cast<nn::CostOpInterface>(op);
    if (!costed)
      return op.emitOpError()
             << "has no cost model (nn cost interface); stage partitioning "
                "plans nn ops only";
    unsigned index = costs.nodes.size();
    costs.nodeIndex[&op] = index;
    costs.nodes.push_back(&op);
    costs.names.push_back(getNodeName(&op, index));
    OpTimes t;
    std::string type = nn::getComputeType(&op);
    StringRef kind = op.getName().getStringRef();
    nn::OpCost forward = costed.getForwardCost();
    t.forward = profile.getKernelTime(kind, type, forward.flops,
                                      forward.bytesRead + forward.bytesWritten);
    bool anyGrad = false;
    for (OpOperand &operand : op.getOpOperands()) {
      if (!costs.needsGrad.count(operand.get()))
        continue;
      anyGrad = true;
      nn::OpCost grad =
          costed.getOperandGradientCost(operand.getOperandNumber());
      double seconds = profile.getKernelTime(
          kind, type, grad.flops, grad.bytesRead + grad.bytesWritten);
      (costs.fromParams.count(operand.get()) ? t.backwardWeight
                                             : t.backwardInput) += seconds;
    }
    // A measured time for this op kind at the node ("nn.gemm@/fc/Add": a
    // fused node's ops share its name), else for the node.
    const device::MeasuredOp *measured =
        profile.getMeasured((kind + "@" + costs.names.back()).str());
    if (!measured)
      measured = profile.getMeasured(costs.names.back());
    if (measured) {
      t.forward = measured->forward.value_or(t.forward);
      t.backwardInput = measured->backwardInput.value_or(t.backwardInput);
      t.backwardWeight = measured->backwardWeight.value_or(t.backwardWeight);
    }
    costs.times.push_back(t);
    if (!anyGrad)
      continue; // no backward runs here: nothing is kept
    costs.times.back().activationBytes += costed.getSavedStatisticsBytes();
    SmallVector<Value> saved;
    costed.getSavedForBackward(saved);
    for (Value v : saved) {
      Operation *def = v.getDefiningOp();
      // Parameters and constants are held anyway; they are no activations.
      if (costs.fromParams.count(v) || (def && isReplicatedOrParameter(def)))
        continue;
      if (savedOwner.count(v))
        continue;
      unsigned owner = def ? costs.nodeIndex.lookup(def) : index;
      savedOwner[v] = owner;
      costs.times[owner].activationBytes += nn::getTensorBytes(v.getType());
    }
  }
  return costs;
}

} // namespace pp
