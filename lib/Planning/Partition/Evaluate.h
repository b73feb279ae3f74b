//===- Evaluate.h - Report of one partition ---------------------*- C++ -*-===//
//
// Internal to PPPartition.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_PLANNING_PARTITION_EVALUATE_H
#define PP_LIB_PLANNING_PARTITION_EVALUATE_H

#include "Segments.h"

#include "pp/Planning/Partition/Partition.h"

namespace pp::partition::detail {

/// The full report of the cut whose stages begin at `stageBegins` (node
/// positions, validated by the caller).
Partition report(const PartitionProblem &problem,
                 const PartitionOptions &options, const Segments &segments,
                 llvm::ArrayRef<unsigned> stageBegins);

} // namespace pp::partition::detail

#endif // PP_LIB_PLANNING_PARTITION_EVALUATE_H
