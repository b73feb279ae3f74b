//===- ProblemBuilder.cpp - PartitionProblem from a forward function ------===//

#include "ProblemBuilder.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "llvm/ADT/MapVector.h"

using namespace mlir;

namespace pp {

/// The name a value goes by in the report: the op's name, with the result
/// number when it has several.
static std::string valueName(OpResult result, const FunctionCosts &costs) {
  std::string name = costs.getName(costs.getNodeIndex(result.getOwner())).str();
  if (result.getOwner()->getNumResults() > 1)
    name += ":" + std::to_string(result.getResultNumber());
  return name;
}

StageGraph buildStageGraph(FunctionCosts costs,
                           const device::DeviceProfile &profile,
                           unsigned layerLevel) {
  StageGraph graph{std::move(costs), {}, {}};
  const FunctionCosts &c = graph.costs;
  partition::PartitionProblem &problem = graph.problem;
  problem.link.bandwidth = profile.link.bandwidth;
  problem.link.latency = profile.link.latency;

  ArrayRef<Operation *> nodes = c.getNodes();
  std::vector<std::string> names;
  for (unsigned i = 0; i < nodes.size(); ++i)
    names.push_back(c.getName(i).str());
  graph.layers = partition::groupLayers(names, layerLevel);

  llvm::MapVector<StringAttr, unsigned> paramIndex;
  for (unsigned i = 0; i < nodes.size(); ++i) {
    partition::Node node;
    node.name = names[i];
    node.unit = graph.layers.unitOfNode[i];
    node.inBlock = graph.layers.inBlock[i];
    const OpTimes &t = c.getTimes(i);
    node.forward = t.forward;
    node.backwardInput = t.backwardInput;
    node.backwardWeight = t.backwardWeight;
    node.activationBytes = t.activationBytes;
    for (Value operand : nodes[i]->getOperands()) {
      StringAttr global = c.getTrainableGlobal(operand);
      if (!global)
        continue;
      auto [it, inserted] =
          paramIndex.try_emplace(global, problem.params.size());
      if (inserted)
        problem.params.push_back(
            {global.str(), (double)nn::getTensorBytes(operand.getType())});
      if (!llvm::is_contained(node.params, it->second))
        node.params.push_back(it->second);
    }
    problem.nodes.push_back(std::move(node));
  }

  // Tensors: every value a later node consumes.
  auto addTensor = [&](OpResult v, unsigned producer) {
    std::vector<unsigned> consumers;
    for (Operation *user : v.getUsers()) {
      int j = c.getNodeIndex(user);
      if (j > (int)producer && !llvm::is_contained(consumers, (unsigned)j))
        consumers.push_back(j);
    }
    if (consumers.empty())
      return;
    llvm::sort(consumers);
    partition::Tensor tensor;
    tensor.name = valueName(v, c);
    tensor.producer = producer;
    tensor.consumers = std::move(consumers);
    tensor.bytes = nn::getTensorBytes(v.getType());
    tensor.needsGradient = c.requiresGradient(v);
    problem.tensors.push_back(std::move(tensor));
  };
  // Function arguments are data, loaded by every stage that reads them:
  // they never cross a stage boundary.
  for (unsigned i = 0; i < nodes.size(); ++i)
    for (OpResult result : nodes[i]->getResults())
      addTensor(result, i);
  return graph;
}

} // namespace pp
