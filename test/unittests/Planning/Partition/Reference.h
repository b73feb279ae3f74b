//===- Reference.h - Random problems and a brute-force partitioner -*- C++ -*-//
//
// The tests' independent statement of the cost model (docs/Partitioning.md),
// written with plain loops over stages, and an enumeration of every cut.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TEST_PLANNING_PARTITION_REFERENCE_H
#define PP_TEST_PLANNING_PARTITION_REFERENCE_H

#include "pp/Planning/Partition/Problem.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <set>
#include <vector>

namespace pp::partition::reference {

struct StageCost {
  double time = 0, memory = 0;
};

inline std::vector<double> inFlight(const PartitionOptions &options) {
  if (!options.inFlight.empty())
    return options.inFlight;
  std::vector<double> out;
  for (unsigned i = 0; i < options.numStages; ++i)
    out.push_back(options.numStages - i);
  return out;
}

/// Time and memory of every stage of the cut `stageOf` (stage per node).
inline std::vector<StageCost> costs(const PartitionProblem &problem,
                                    const PartitionOptions &options,
                                    const std::vector<unsigned> &stageOf) {
  unsigned p = options.numStages;
  const Link &link = problem.link;
  std::vector<double> time(p, 0), owned(p, 0), copies(p, 0), act(p, 0);
  for (unsigned q = 0; q < problem.nodes.size(); ++q) {
    time[stageOf[q]] += problem.nodes[q].forward +
                        problem.nodes[q].backwardInput +
                        problem.nodes[q].backwardWeight;
    act[stageOf[q]] += problem.nodes[q].activationBytes;
  }
  for (const Tensor &t : problem.tensors) {
    if (t.consumers.empty())
      continue;
    unsigned from = stageOf[t.producer], to = from;
    for (unsigned c : t.consumers)
      to = std::max(to, stageOf[c]);
    double w =
        (t.needsGradient ? 2 : 1) * (link.latency + t.bytes / link.bandwidth);
    // Stage i takes part in the relay if it sends (from <= i < to) or
    // receives (from < i <= to); it holds what it receives.
    for (unsigned i = 0; i < p; ++i) {
      if (from <= i && i < to)
        time[i] += w;
      if (from < i && i <= to) {
        time[i] += w;
        act[i] += t.bytes;
      }
    }
  }
  for (unsigned param = 0; param < problem.params.size(); ++param) {
    std::set<unsigned> users;
    for (unsigned q = 0; q < problem.nodes.size(); ++q)
      for (unsigned used : problem.nodes[q].params)
        if (used == param)
          users.insert(stageOf[q]);
    if (users.empty())
      continue;
    double bytes = problem.params[param].bytes;
    unsigned owner = *users.begin(), last = *users.rbegin();
    owned[owner] += bytes;
    for (unsigned user : users)
      if (user != owner)
        copies[user] += 2 * bytes;
    double w =
        2 * (link.latency + bytes / link.bandwidth) / options.microbatches;
    for (unsigned i = 0; i < p; ++i) {
      if (owner <= i && i < last)
        time[i] += w;
      if (owner < i && i <= last)
        time[i] += w;
    }
  }
  std::vector<double> flight = inFlight(options);
  std::vector<StageCost> out(p);
  for (unsigned i = 0; i < p; ++i)
    out[i] = {time[i],
              options.stateFactor * owned[i] + copies[i] + flight[i] * act[i]};
  return out;
}

/// Whether a cut before node q keeps every unit whole.
inline bool cuttable(const PartitionProblem &problem,
                     const PartitionOptions &options, unsigned q) {
  if (options.granularity == Granularity::Op)
    return true;
  for (unsigned x = 0; x < q; ++x)
    for (unsigned y = q; y < problem.nodes.size(); ++y)
      if (problem.nodes[x].unit >= 0 &&
          problem.nodes[x].unit == problem.nodes[y].unit)
        return false;
  return true;
}

/// Calls `visit(stageOf)` for every cut into options.numStages non-empty
/// contiguous stages at cuttable positions.
inline void
forEachCut(const PartitionProblem &problem, const PartitionOptions &options,
           const std::function<void(const std::vector<unsigned> &)> &visit) {
  unsigned n = problem.nodes.size(), p = options.numStages;
  std::vector<unsigned> positions;
  for (unsigned q = 1; q < n; ++q)
    if (cuttable(problem, options, q))
      positions.push_back(q);
  if (positions.size() + 1 < p)
    return;
  std::vector<bool> chosen(positions.size(), false);
  std::fill(chosen.begin(), chosen.begin() + (p - 1), true);
  do {
    std::vector<unsigned> stageOf(n);
    unsigned stage = 0, k = 0;
    for (unsigned q = 0; q < n; ++q) {
      if (k < positions.size() && positions[k] == q)
        stage += chosen[k++];
      stageOf[q] = stage;
    }
    visit(stageOf);
  } while (std::prev_permutation(chosen.begin(), chosen.end()));
}

struct BruteForce {
  /// Least bottleneck among cuts within the memory limit (infinity if none).
  double bottleneck = std::numeric_limits<double>::infinity();
  /// Least peak memory among all cuts.
  double minimumMemory = std::numeric_limits<double>::infinity();
  unsigned cuts = 0;
};

inline BruteForce bruteForce(const PartitionProblem &problem,
                             const PartitionOptions &options) {
  BruteForce result;
  forEachCut(problem, options, [&](const std::vector<unsigned> &stageOf) {
    ++result.cuts;
    double time = 0, memory = 0;
    for (const StageCost &c : costs(problem, options, stageOf)) {
      time = std::max(time, c.time);
      memory = std::max(memory, c.memory);
    }
    result.minimumMemory = std::min(result.minimumMemory, memory);
    if (options.memoryLimit == 0 || memory <= options.memoryLimit)
      result.bottleneck = std::min(result.bottleneck, time);
  });
  return result;
}

struct RandomShape {
  unsigned nodes = 8;
  /// Probability that a tensor also feeds a later, non-adjacent node.
  double skip = 0.3;
  /// Parameters, each used by one to three random nodes.
  unsigned params = 4;
  /// Blocks of consecutive nodes sharing a unit id (0: none).
  unsigned unitSize = 0;
};

/// A chain 0 -> 1 -> ... with skip edges, random costs, integer byte counts
/// (so memory sums are exact), parameters shared between random nodes.
inline PartitionProblem randomProblem(std::mt19937_64 &rng,
                                      const RandomShape &shape) {
  std::uniform_real_distribution<double> unit(0, 1);
  auto integer = [&](int lo, int hi) {
    return double(std::uniform_int_distribution<int>(lo, hi)(rng));
  };
  PartitionProblem problem;
  unsigned n = shape.nodes;
  for (unsigned q = 0; q < n; ++q) {
    Node node;
    node.name = "n" + std::to_string(q);
    node.forward = unit(rng);
    node.backwardInput = unit(rng);
    node.backwardWeight = unit(rng) < 0.3 ? 0 : unit(rng);
    node.activationBytes = integer(0, 100);
    if (shape.unitSize)
      node.unit = unit(rng) < 0.2 ? -1 : q / shape.unitSize;
    problem.nodes.push_back(node);
  }
  for (unsigned k = 0; k < shape.params; ++k) {
    problem.params.push_back({"w" + std::to_string(k), integer(0, 300)});
    unsigned uses = 1 + std::uniform_int_distribution<unsigned>(0, 2)(rng);
    for (unsigned u = 0; u < uses; ++u) {
      unsigned q = std::uniform_int_distribution<unsigned>(0, n - 1)(rng);
      problem.nodes[q].params.push_back(k);
    }
  }
  for (unsigned q = 0; q + 1 < n; ++q) {
    Tensor tensor;
    tensor.name = "t" + std::to_string(q);
    tensor.producer = q;
    tensor.consumers.push_back(q + 1);
    while (unit(rng) < shape.skip)
      tensor.consumers.push_back(
          std::uniform_int_distribution<unsigned>(q + 1, n - 1)(rng));
    tensor.bytes = integer(0, 200);
    tensor.needsGradient = unit(rng) < 0.9;
    problem.tensors.push_back(tensor);
  }
  problem.link.latency = unit(rng) * 0.1;
  problem.link.bandwidth = 200 + unit(rng) * 800;
  return problem;
}

} // namespace pp::partition::reference

#endif // PP_TEST_PLANNING_PARTITION_REFERENCE_H
