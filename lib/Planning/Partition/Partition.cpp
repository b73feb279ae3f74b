//===- Partition.cpp - Entry points of the stage partitioner --------------===//

#include "pp/Planning/Partition/Partition.h"

#include "CostModel.h"
#include "Evaluate.h"
#include "MinMaxSolver.h"
#include "Segments.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <limits>

using namespace pp::partition;
using namespace pp::partition::detail;

char InfeasibleMemoryError::ID = 0;

void InfeasibleMemoryError::log(llvm::raw_ostream &os) const {
  os << "partition: no cut fits the memory limit of "
     << llvm::format("%.17g", memoryLimit)
     << " bytes per stage; the smallest limit that fits is "
     << llvm::format("%.17g", minimumFeasibleMemory) << " bytes";
}

std::error_code InfeasibleMemoryError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

static constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Stage begins (segment boundaries) from stage ends, in node positions.
static std::vector<unsigned> toNodeBegins(const Segments &segments,
                                          llvm::ArrayRef<unsigned> ends) {
  std::vector<unsigned> begins = {0};
  for (unsigned k = 0; k + 1 < ends.size(); ++k)
    begins.push_back(segments.begin[ends[k]]);
  return begins;
}

/// Megatron: the same number of blocks per stage, the first `r` stages taking
/// one more when the count does not divide; segments outside blocks go with
/// the block before them (with the first block when they precede all blocks).
/// With fewer blocks than stages every segment counts as a block.
static std::vector<unsigned> uniformEnds(const Segments &segments,
                                         unsigned numStages) {
  unsigned s = segments.size();
  std::vector<unsigned> blocks;
  for (unsigned j = 0; j < s; ++j)
    if (segments.hasBlock[j])
      blocks.push_back(j);
  if (blocks.size() < numStages) {
    blocks.resize(s);
    for (unsigned j = 0; j < s; ++j)
      blocks[j] = j;
  }
  unsigned per = blocks.size() / numStages, extra = blocks.size() % numStages;
  std::vector<unsigned> ends;
  unsigned taken = 0;
  for (unsigned i = 0; i + 1 < numStages; ++i) {
    taken += per + (i < extra ? 1 : 0);
    ends.push_back(blocks[taken]); // the next stage starts at its first block
  }
  ends.push_back(s);
  return ends;
}

static llvm::Error checkStageCount(const Segments &segments,
                                   const PartitionOptions &options) {
  if (options.numStages > segments.size())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "partition: num-stages (" + llvm::Twine(options.numStages) +
            ") exceeds the number of " +
            (options.granularity == Granularity::Layer ? "units" : "ops") +
            " (" + llvm::Twine(segments.size()) + ")");
  return llvm::Error::success();
}

llvm::Expected<Partition>
pp::partition::partition(const PartitionProblem &problem,
                         const PartitionOptions &options) {
  if (llvm::Error error = validate(problem, options))
    return std::move(error);
  Segments segments = buildSegments(problem, options);
  if (llvm::Error error = checkStageCount(segments, options))
    return std::move(error);
  CostModel model(problem, options, segments);
  unsigned p = options.numStages;

  std::vector<unsigned> ends;
  switch (options.method) {
  case Method::Uniform:
    ends = uniformEnds(segments, p);
    break;
  case Method::Parameters: {
    Objective objective{model.ownedBytes, model.ownedBytes, model.ownedBytes};
    MinMaxSolver solver(model, objective, p);
    ends = *solver.minimiseBottleneck(model.ownedBytes.back() / p, kInfinity);
    break;
  }
  case Method::Optimal: {
    Objective objective{model.timeEnd, model.timeBegin, model.compute};
    MinMaxSolver solver(model, objective, p);
    double limit = options.memoryLimit > 0 ? options.memoryLimit : kInfinity;
    double heaviest = 0;
    for (unsigned j = 0; j < segments.size(); ++j)
      heaviest = std::max(heaviest, model.compute[j + 1] - model.compute[j]);
    double lowerBound = std::max(model.compute.back() / p, heaviest);
    std::optional<std::vector<unsigned>> cut =
        solver.minimiseBottleneck(lowerBound, limit);
    if (!cut)
      return llvm::make_error<InfeasibleMemoryError>(limit,
                                                     solver.minimumMemory());
    ends = std::move(*cut);
    break;
  }
  }
  return report(problem, options, segments, toNodeBegins(segments, ends));
}

llvm::Expected<Partition>
pp::partition::evaluate(const PartitionProblem &problem,
                        const PartitionOptions &options,
                        llvm::ArrayRef<unsigned> stageBegins) {
  if (llvm::Error error = validate(problem, options))
    return std::move(error);
  Segments segments = buildSegments(problem, options);
  if (stageBegins.size() != options.numStages || stageBegins.empty() ||
      stageBegins.front() != 0)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "partition: expected %u stage begins starting at node 0",
        options.numStages);
  for (unsigned i = 1; i < stageBegins.size(); ++i) {
    unsigned q = stageBegins[i];
    if (q <= stageBegins[i - 1] || q >= problem.nodes.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "partition: stage %u begins at node %u: stages must be non-empty "
          "and in order",
          i, q);
    if (segments.begin[segments.segmentOfNode[q]] != q)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "partition: stage %u begins at node %u, inside a unit", i, q);
  }
  return report(problem, options, segments, stageBegins);
}
