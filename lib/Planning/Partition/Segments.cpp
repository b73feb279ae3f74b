//===- Segments.cpp - Validation and cuttable units -----------------------===//

#include "Segments.h"

#include "llvm/ADT/DenseMap.h"

#include <cmath>

using namespace pp::partition;
using namespace pp::partition::detail;

static bool isNonNegative(double x) { return std::isfinite(x) && x >= 0; }

static llvm::Error invalid(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "partition: " + message);
}

llvm::Error detail::validate(const PartitionProblem &problem,
                             const PartitionOptions &options) {
  unsigned n = problem.nodes.size();
  if (n == 0)
    return invalid("the graph has no nodes");
  if (options.numStages == 0)
    return invalid("num-stages must be at least 1");
  if (!options.inFlight.empty() && options.inFlight.size() != options.numStages)
    return invalid("in-flight microbatches given for " +
                   llvm::Twine(options.inFlight.size()) + " stages, not " +
                   llvm::Twine(options.numStages));
  for (double f : options.inFlight)
    if (!isNonNegative(f))
      return invalid("in-flight microbatches must be finite and >= 0");
  if (options.microbatches == 0)
    return invalid("microbatches must be at least 1");
  if (!isNonNegative(options.memoryLimit) ||
      !isNonNegative(options.stateFactor))
    return invalid("memory limit and state factor must be finite and >= 0");
  const Link &link = problem.link;
  if (!isNonNegative(link.latency) || !(link.bandwidth > 0))
    return invalid("link latency must be >= 0 and bandwidth > 0");

  for (unsigned i = 0; i < n; ++i) {
    const Node &node = problem.nodes[i];
    if (!isNonNegative(node.forward) || !isNonNegative(node.backwardInput) ||
        !isNonNegative(node.backwardWeight) ||
        !isNonNegative(node.activationBytes))
      return invalid("node " + llvm::Twine(i) + " ('" + node.name +
                     "') has a negative or non-finite cost");
    for (unsigned p : node.params)
      if (p >= problem.params.size())
        return invalid("node " + llvm::Twine(i) + " uses parameter " +
                       llvm::Twine(p) + ", out of range");
  }
  for (const Parameter &param : problem.params)
    if (!isNonNegative(param.bytes))
      return invalid("parameter '" + param.name + "' has negative bytes");
  for (unsigned t = 0; t < problem.tensors.size(); ++t) {
    const Tensor &tensor = problem.tensors[t];
    if (tensor.producer >= n)
      return invalid("tensor " + llvm::Twine(t) + " has producer " +
                     llvm::Twine(tensor.producer) + ", out of range");
    if (!isNonNegative(tensor.bytes))
      return invalid("tensor " + llvm::Twine(t) + " has negative bytes");
    for (unsigned c : tensor.consumers)
      if (c >= n || c <= tensor.producer)
        return invalid("tensor " + llvm::Twine(t) + " ('" + tensor.name +
                       "') is consumed by node " + llvm::Twine(c) +
                       ", not after its producer " +
                       llvm::Twine(tensor.producer) +
                       " in the topological order");
  }
  return llvm::Error::success();
}

Segments detail::buildSegments(const PartitionProblem &problem,
                               const PartitionOptions &options) {
  unsigned n = problem.nodes.size();
  // blocked[q] > 0: no cut before node q.
  std::vector<int> blocked(n + 1, 0);
  if (options.granularity == Granularity::Layer) {
    llvm::DenseMap<int64_t, std::pair<unsigned, unsigned>> span;
    for (unsigned i = 0; i < n; ++i) {
      int64_t unit = problem.nodes[i].unit;
      if (unit < 0)
        continue;
      auto [it, inserted] = span.try_emplace(unit, i, i);
      if (!inserted)
        it->second.second = i;
    }
    std::vector<int> diff(n + 2, 0);
    for (auto &entry : span) {
      auto [first, last] = entry.second;
      ++diff[first + 1];
      --diff[last + 1];
    }
    int open = 0;
    for (unsigned q = 0; q <= n; ++q)
      blocked[q] = (open += diff[q]);
  }

  Segments segments;
  segments.segmentOfNode.resize(n);
  segments.begin.push_back(0);
  for (unsigned q = 1; q < n; ++q)
    if (blocked[q] == 0)
      segments.begin.push_back(q);
  segments.begin.push_back(n);
  segments.hasBlock.assign(segments.size(), false);
  for (unsigned j = 0; j < segments.size(); ++j)
    for (unsigned q = segments.begin[j]; q < segments.begin[j + 1]; ++q) {
      segments.segmentOfNode[q] = j;
      if (problem.nodes[q].inBlock)
        segments.hasBlock[j] = true;
    }
  return segments;
}

std::vector<double> detail::inFlightPerStage(const PartitionOptions &options) {
  if (!options.inFlight.empty())
    return options.inFlight;
  std::vector<double> inFlight(options.numStages);
  for (unsigned i = 0; i < options.numStages; ++i)
    inFlight[i] = options.numStages - i;
  return inFlight;
}
