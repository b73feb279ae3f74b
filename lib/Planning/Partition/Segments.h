//===- Segments.h - Validation and cuttable units ---------------*- C++ -*-===//
//
// Internal to PPPartition. Checks a PartitionProblem and splits the
// topological order into segments: the smallest ranges no cut may enter (one
// node each under Granularity::Op, one block or one node outside blocks under
// Granularity::Layer).
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_PLANNING_PARTITION_SEGMENTS_H
#define PP_LIB_PLANNING_PARTITION_SEGMENTS_H

#include "pp/Planning/Partition/Problem.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace pp::partition::detail {

struct Segments {
  /// Boundary j of the segments lies before node begin[j]; begin[0] == 0 and
  /// begin.back() == number of nodes, so there are begin.size() - 1 segments.
  std::vector<unsigned> begin;
  std::vector<unsigned> segmentOfNode;
  /// Whether the segment holds a node with Node::inBlock.
  std::vector<bool> hasBlock;

  unsigned size() const { return begin.size() - 1; }
};

/// Checks indices, orders and signs in the problem and the options.
llvm::Error validate(const PartitionProblem &problem,
                     const PartitionOptions &options);

/// The segments of the problem's order under options.granularity.
Segments buildSegments(const PartitionProblem &problem,
                       const PartitionOptions &options);

/// In-flight microbatches per stage: options.inFlight or 1F1B's p - i.
std::vector<double> inFlightPerStage(const PartitionOptions &options);

} // namespace pp::partition::detail

#endif // PP_LIB_PLANNING_PARTITION_SEGMENTS_H
