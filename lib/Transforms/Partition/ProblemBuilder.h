//===- ProblemBuilder.h - PartitionProblem from @forward --------*- C++ -*-===//

#ifndef PP_LIB_TRANSFORMS_PARTITION_PROBLEMBUILDER_H
#define PP_LIB_TRANSFORMS_PARTITION_PROBLEMBUILDER_H

#include "OpCosts.h"

#include "pp/Planning/Partition/LayerGrouping.h"
#include "pp/Planning/Partition/Problem.h"

namespace pp {

/// The partitioner's view of a function, with the way back to the IR.
struct StageGraph {
  FunctionCosts costs;
  partition::PartitionProblem problem;
  partition::LayerGrouping layers;
};

/// Nodes are the compute ops in block order (FunctionCosts), parameters the
/// trainable globals they load, tensors the values between nodes; function
/// arguments are loaded by the first stage (produced by node 0). Units come
/// from the node names' block scopes at `layerLevel`.
StageGraph buildStageGraph(FunctionCosts costs,
                           const device::DeviceProfile &profile,
                           unsigned layerLevel);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_PARTITION_PROBLEMBUILDER_H
