//===- Problem.h - Input of the stage partitioner ---------------*- C++ -*-===//
//
// The abstract graph the partitioner works on: nodes in a fixed topological
// order with their per-microbatch costs, the parameters they use, the tensors
// between them, the link between stages, and the options of one partitioning
// run. Plain C++: the MLIR pass `pp-partition-stages` builds this from the IR.
// The cost model is documented in docs/Partitioning.md.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_PARTITION_PROBLEM_H
#define PP_PLANNING_PARTITION_PROBLEM_H

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace pp::partition {

/// One operation. Nodes are given in a topological order; every stage is a
/// contiguous range of that order.
struct Node {
  std::string name;
  /// Unit (repeated block) this node belongs to, used with
  /// `Granularity::Layer`: no cut falls between the first and the last node of
  /// one unit. A negative id makes the node a unit of its own.
  int64_t unit = -1;
  /// Whether the unit is one of the model's repeated blocks (false for the
  /// embedding, the final norm, the head). Only `Method::Uniform` reads it.
  bool inBlock = true;
  /// Seconds per microbatch: forward, backward for the input (B) and backward
  /// for the weights (W).
  double forward = 0, backwardInput = 0, backwardWeight = 0;
  /// Bytes per microbatch kept from the forward for the backward.
  double activationBytes = 0;
  /// Indices into `PartitionProblem::params`.
  std::vector<unsigned> params;

  double computeTime() const {
    return forward + backwardInput + backwardWeight;
  }
};

/// A parameter (weight). It is placed on the first stage that uses it (its
/// owner); other stages that use it hold a copy and send their gradient to the
/// owner (tied weights).
struct Parameter {
  std::string name;
  double bytes = 0;
};

/// A tensor produced by one node and consumed by others (an SSA value).
struct Tensor {
  std::string name;
  unsigned producer = 0;
  std::vector<unsigned> consumers;
  /// Bytes per microbatch.
  double bytes = 0;
  /// Whether a gradient flows back along this tensor (false for integer ids,
  /// masks): then only the forward transfer is counted.
  bool needsGradient = true;
};

/// The link between two neighbouring stages.
struct Link {
  double latency = 0; ///< seconds per message
  double bandwidth = std::numeric_limits<double>::infinity(); ///< bytes/second

  /// Seconds to move one message of `bytes`.
  double transferTime(double bytes) const {
    return latency + bytes / bandwidth;
  }
};

struct PartitionProblem {
  std::vector<Node> nodes;
  std::vector<Parameter> params;
  std::vector<Tensor> tensors;
  Link link;
};

enum class Method {
  /// Minimise the slowest stage's time, exactly, within the memory limit.
  Optimal,
  /// Megatron: the same number of blocks per stage.
  Uniform,
  /// DeepSpeed: balance the parameter bytes per stage.
  Parameters,
};

enum class Granularity {
  Op,    ///< cut between any two nodes
  Layer, ///< cut only between units (`Node::unit`)
};

struct PartitionOptions {
  unsigned numStages = 1;
  Method method = Method::Optimal;
  Granularity granularity = Granularity::Op;
  /// Bytes per stage; 0 means no limit.
  double memoryLimit = 0;
  /// Bytes held per byte of an owned parameter: the parameter, its gradient
  /// and the optimizer state (Adam: 1 + 1 + 2 = 4).
  double stateFactor = 4;
  /// Microbatches whose activations a stage holds at its peak, one entry per
  /// stage (1F1B: min(p - i, m) on stage i). Empty means 1F1B with m >= p:
  /// p - i.
  std::vector<double> inFlight;
  /// The stages recompute their activations (pp-recompute full, selective
  /// or auto): a microbatch in flight keeps only the stage's inputs, and
  /// one microbatch's activations are rebuilt at a time. The lower bound of
  /// what recomputation can save; pp-recompute and pp-schedule check the
  /// exact figure on the stage functions.
  bool recompute = false;
  /// Microbatches per step: a tied parameter's gradient reduction happens once
  /// per step, so its time per microbatch is divided by this.
  unsigned microbatches = 1;
};

} // namespace pp::partition

#endif // PP_PLANNING_PARTITION_PROBLEM_H
