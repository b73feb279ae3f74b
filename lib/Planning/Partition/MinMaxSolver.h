//===- MinMaxSolver.h - Exact min-max contiguous partitioning ---*- C++ -*-===//
//
// Internal to PPPartition. Splits segments [0, s) into p non-empty contiguous
// stages minimising the largest stage cost, where a stage's cost is
// end[b] - begin[a] (any sign of the boundary terms: communication makes it
// non-monotone) and each stage must fit a memory limit that grows with b.
// See docs/Partitioning.md for the algorithm and its proof.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_PLANNING_PARTITION_MINMAXSOLVER_H
#define PP_LIB_PLANNING_PARTITION_MINMAXSOLVER_H

#include "CostModel.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace pp::partition::detail {

/// cost(a, b) = end[b] - begin[a]; floor is nondecreasing with
/// cost(a, b) >= floor[b] - floor[a] (used only to prune).
struct Objective {
  llvm::ArrayRef<double> end, begin, floor;
};

class MinMaxSolver {
public:
  MinMaxSolver(const CostModel &model, Objective objective, unsigned numStages);

  /// Stage ends (p boundaries, the last one s) of a cut in which every stage
  /// costs <= bound (< bound when strictBound) and holds <= memoryLimit
  /// (< when strictMemory; an infinite limit is not checked); none if no such
  /// cut exists. Exact: O((s + p) log s) at worst, much less when the bound
  /// is tight because of the pruning windows.
  std::optional<std::vector<unsigned>> findCut(double bound, bool strictBound,
                                               double memoryLimit,
                                               bool strictMemory);

  double cost(unsigned a, unsigned b) const {
    return objective.end[b] - objective.begin[a];
  }
  double bottleneck(llvm::ArrayRef<unsigned> ends) const;
  double peakMemory(llvm::ArrayRef<unsigned> ends) const;

  /// The cut with the least bottleneck among those within memoryLimit
  /// (infinite: none), or none when no cut fits. `lowerBound` must not exceed
  /// the optimum.
  std::optional<std::vector<unsigned>> minimiseBottleneck(double lowerBound,
                                                          double memoryLimit);

  /// The least memory limit under which some cut exists (ignoring time).
  double minimumMemory();

private:
  /// Half-open range of stage-end boundaries stage `stage` may take.
  std::pair<unsigned, unsigned> window(unsigned stage, double bound,
                                       double memoryLimit) const;
  unsigned lastEnd(unsigned stage, unsigned a, double limit, bool strict);

  const CostModel &model;
  Objective objective;
  unsigned numStages, numSegments;

  /// Per stage: reachable end boundaries and the index of their predecessor
  /// in the previous stage's list.
  std::vector<std::vector<unsigned>> reachEnd, reachParent;
  struct HeapEntry {
    double key;
    unsigned expiry, index;
  };
  std::vector<HeapEntry> heap;

  /// lastEnd() memo, valid for entries stamped with the current generation.
  std::vector<unsigned> lastEndMemo;
  std::vector<uint32_t> lastEndStamp;
  uint32_t generation = 0;
  double memoLimit = -1;
  bool memoStrict = false;
};

} // namespace pp::partition::detail

#endif // PP_LIB_PLANNING_PARTITION_MINMAXSOLVER_H
