//===- Partition.h - Stage partitioner and its result -----------*- C++ -*-===//
//
// Cuts a PartitionProblem into contiguous stages (method optimal, uniform or
// parameters) and reports what each stage computes, holds and communicates.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_PARTITION_PARTITION_H
#define PP_PLANNING_PARTITION_PARTITION_H

#include "pp/Planning/Partition/Problem.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace pp::partition {

/// One tensor moved across one stage boundary, seen from one side.
struct Transfer {
  unsigned tensor; ///< index into PartitionProblem::tensors
  double bytes;    ///< per microbatch
  unsigned peer;   ///< the neighbouring stage
  /// True when this stage only passes the tensor on: it did not produce it
  /// (send side) or does not consume it (receive side).
  bool relayed;
};

/// A parameter this stage uses but another stage owns.
struct TiedUse {
  unsigned param;
  unsigned owner; ///< the stage that holds it and its optimizer state
  double bytes;
};

struct StageReport {
  /// Nodes [begin, end) of the topological order.
  unsigned begin = 0, end = 0;
  double forward = 0, backwardInput = 0, backwardWeight = 0;
  /// Activation send/recv and their gradients, per microbatch.
  double activationCommTime = 0;
  /// Tied-parameter gradient reduction passing this stage, per microbatch.
  double tiedReduceTime = 0;
  /// forward + backwardInput + backwardWeight + both comm times.
  double time = 0;
  std::vector<unsigned> ownedParams;
  double ownedParamBytes = 0;
  std::vector<TiedUse> tiedUses;
  /// Bytes per microbatch kept for the backward: the nodes' activations plus
  /// every tensor received.
  double activationBytes = 0;
  double inFlight = 0;
  /// stateFactor * ownedParamBytes + 2 * tied copies + inFlight * activations.
  double peakMemory = 0;
  std::vector<Transfer> received, sent;

  double computeTime() const {
    return forward + backwardInput + backwardWeight;
  }
};

struct Partition {
  std::vector<unsigned> stageOfNode;
  std::vector<StageReport> stages;
  /// The slowest stage's time per microbatch.
  double bottleneck = 0;
  /// max(total compute / p, heaviest unit's compute): no cut does better.
  double lowerBound = 0;
  /// Whether every stage's peakMemory is within the memory limit (always true
  /// without a limit). `Method::Optimal` never returns a partition that does
  /// not fit; the baselines may.
  bool fitsMemory = true;
};

/// Partitions `problem` as `options` say. Errors: invalid input (indices out
/// of range, a consumer before its producer, negative costs), more stages than
/// units, and, for `Method::Optimal`, an InfeasibleMemoryError when no cut fits
/// the memory limit.
llvm::Expected<Partition> partition(const PartitionProblem &problem,
                                    const PartitionOptions &options);

/// Reports the partition whose stage `i` starts at node `stageBegins[i]`
/// (stageBegins[0] == 0, strictly increasing). Checks the input like
/// partition() and that no cut splits a unit under `Granularity::Layer`.
llvm::Expected<Partition> evaluate(const PartitionProblem &problem,
                                   const PartitionOptions &options,
                                   llvm::ArrayRef<unsigned> stageBegins);

/// No cut into the requested stages fits the memory limit.
class InfeasibleMemoryError : public llvm::ErrorInfo<InfeasibleMemoryError> {
public:
  static char ID;
  InfeasibleMemoryError(double memoryLimit, double minimumFeasibleMemory)
      : memoryLimit(memoryLimit), minimumFeasibleMemory(minimumFeasibleMemory) {
  }

  /// The smallest per-stage memory limit under which a cut exists.
  double getMinimumFeasibleMemory() const { return minimumFeasibleMemory; }
  double getMemoryLimit() const { return memoryLimit; }

  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override;

private:
  double memoryLimit, minimumFeasibleMemory;
};

} // namespace pp::partition

#endif // PP_PLANNING_PARTITION_PARTITION_H
