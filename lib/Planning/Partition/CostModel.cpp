//===- CostModel.cpp - O(1) stage time and O(log) stage memory ------------===//

#include "CostModel.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace pp::partition;
using namespace pp::partition::detail;

/// Distinct positions of the nodes using each parameter, in order.
static std::vector<std::vector<unsigned>>
parameterUses(const PartitionProblem &problem) {
  std::vector<std::vector<unsigned>> uses(problem.params.size());
  for (unsigned q = 0; q < problem.nodes.size(); ++q)
    for (unsigned p : problem.nodes[q].params)
      if (uses[p].empty() || uses[p].back() != q)
        uses[p].push_back(q);
  return uses;
}

/// Running sum of a difference array over node positions, sampled at the
/// segment boundaries; zero at both ends.
static std::vector<double> sampleAtBoundaries(const std::vector<double> &diff,
                                              const Segments &segments) {
  std::vector<double> out(segments.begin.size(), 0);
  double running = 0;
  unsigned q = 0;
  for (unsigned j = 0; j < segments.begin.size(); ++j) {
    for (; q <= segments.begin[j]; ++q)
      running += diff[q];
    out[j] = running;
  }
  out.front() = out.back() = 0;
  return out;
}

CostModel::CostModel(const PartitionProblem &problem,
                     const PartitionOptions &options, const Segments &segments)
    : inFlight(inFlightPerStage(options)), stateFactor(options.stateFactor),
      recompute(options.recompute) {
  unsigned n = problem.nodes.size();
  unsigned s = segments.size();
  const std::vector<unsigned> &begin = segments.begin;
  const Link &link = problem.link;

  // Compute and activations: prefix sums over nodes, sampled at boundaries.
  compute.assign(s + 1, 0);
  activation.assign(s + 1, 0);
  for (unsigned j = 0; j < s; ++j) {
    double c = 0, a = 0;
    for (unsigned q = begin[j]; q < begin[j + 1]; ++q) {
      c += problem.nodes[q].computeTime();
      a += problem.nodes[q].activationBytes;
    }
    compute[j + 1] = compute[j] + c;
    activation[j + 1] = activation[j] + a;
  }

  // Everything crossing node position q: tensors with producer < q <= last
  // consumer; tied parameters with first use < q <= last use.
  std::vector<double> timeDiff(n + 2, 0), bytesDiff(n + 2, 0);
  for (const Tensor &tensor : problem.tensors) {
    if (tensor.consumers.empty())
      continue;
    unsigned last =
        *std::max_element(tensor.consumers.begin(), tensor.consumers.end());
    double t = (tensor.needsGradient ? 2 : 1) * link.transferTime(tensor.bytes);
    timeDiff[tensor.producer + 1] += t;
    timeDiff[last + 1] -= t;
    bytesDiff[tensor.producer + 1] += tensor.bytes;
    bytesDiff[last + 1] -= tensor.bytes;
  }
  std::vector<std::vector<unsigned>> uses = parameterUses(problem);
  std::vector<double> ownedInSegment(s, 0);
  std::vector<unsigned> tiedCount(s + 2, 0);
  for (unsigned p = 0; p < uses.size(); ++p) {
    if (uses[p].empty())
      continue;
    double bytes = problem.params[p].bytes;
    ownedInSegment[segments.segmentOfNode[uses[p].front()]] += bytes;
    if (uses[p].size() < 2)
      continue;
    // Gradient to the owner, updated weights back: once per step.
    double t = 2 * link.transferTime(bytes) / options.microbatches;
    timeDiff[uses[p].front() + 1] += t;
    timeDiff[uses[p].back() + 1] -= t;
    // Boundaries j with use[k] < begin[j] <= use[k+1] see use[k+1] next.
    for (unsigned k = 0; k + 1 < uses[p].size(); ++k)
      for (unsigned j = segments.segmentOfNode[uses[p][k]] + 1;
           j <= segments.segmentOfNode[uses[p][k + 1]]; ++j)
        ++tiedCount[j];
  }
  crossTime = sampleAtBoundaries(timeDiff, segments);
  crossBytes = sampleAtBoundaries(bytesDiff, segments);
  ownedBytes.assign(s + 1, 0);
  for (unsigned j = 0; j < s; ++j)
    ownedBytes[j + 1] = ownedBytes[j] + ownedInSegment[j];

  timeEnd.resize(s + 1);
  timeBegin.resize(s + 1);
  for (unsigned j = 0; j <= s; ++j) {
    timeEnd[j] = compute[j] + crossTime[j];
    timeBegin[j] = compute[j] - crossTime[j];
  }
  double minInFlight =
      inFlight.empty() ? 0
                       : *std::min_element(inFlight.begin(), inFlight.end());
  memoryFloor.resize(s + 1);
  for (unsigned j = 0; j <= s; ++j)
    memoryFloor[j] =
        stateFactor * ownedBytes[j] +
        (recompute ? std::min(1.0, minInFlight) : minInFlight) * activation[j];

  // Tied copies: CSR lists per boundary, sorted by the next use's segment.
  tiedStart.assign(s + 2, 0);
  for (unsigned j = 0; j <= s; ++j)
    tiedStart[j + 1] = tiedStart[j] + tiedCount[j];
  tiedNextSegment.resize(tiedStart.back());
  tiedRunningBytes.resize(tiedStart.back());
  std::vector<unsigned> fill(tiedStart.begin(), tiedStart.end() - 1);
  for (unsigned p = 0; p < uses.size(); ++p)
    for (unsigned k = 0; k + 1 < uses[p].size(); ++k) {
      unsigned next = segments.segmentOfNode[uses[p][k + 1]];
      for (unsigned j = segments.segmentOfNode[uses[p][k]] + 1; j <= next;
           ++j) {
        tiedNextSegment[fill[j]] = next;
        tiedRunningBytes[fill[j]] = kTiedCopyFactor * problem.params[p].bytes;
        ++fill[j];
      }
    }
  std::vector<unsigned> order;
  for (unsigned j = 0; j <= s; ++j) {
    unsigned lo = tiedStart[j], hi = tiedStart[j + 1];
    if (lo == hi)
      continue;
    order.resize(hi - lo);
    std::iota(order.begin(), order.end(), lo);
    std::sort(order.begin(), order.end(), [&](unsigned x, unsigned y) {
      return tiedNextSegment[x] < tiedNextSegment[y];
    });
    std::vector<unsigned> next(hi - lo);
    std::vector<double> bytes(hi - lo);
    for (unsigned k = 0; k < order.size(); ++k) {
      next[k] = tiedNextSegment[order[k]];
      bytes[k] = tiedRunningBytes[order[k]];
    }
    double running = 0;
    for (unsigned k = 0; k < order.size(); ++k) {
      tiedNextSegment[lo + k] = next[k];
      tiedRunningBytes[lo + k] = (running += bytes[k]);
    }
  }
}

double CostModel::tiedCopies(unsigned a, unsigned b) const {
  auto first = tiedNextSegment.begin() + tiedStart[a];
  auto last = tiedNextSegment.begin() + tiedStart[a + 1];
  auto end = std::lower_bound(first, last, b);
  if (end == first)
    return 0;
  return tiedRunningBytes[end - tiedNextSegment.begin() - 1];
}

double CostModel::memory(unsigned stage, unsigned a, unsigned b) const {
  double state =
      stateFactor * (ownedBytes[b] - ownedBytes[a]) + tiedCopies(a, b);
  // Recomputing: each microbatch in flight keeps its inputs, and one
  // microbatch's activations are rebuilt at a time.
  if (recompute)
    return state + inFlight[stage] * crossBytes[a] + activation[b] -
           activation[a];
  return state +
         inFlight[stage] * (activation[b] - activation[a] + crossBytes[a]);
}

unsigned CostModel::lastEndWithin(unsigned stage, unsigned a, double limit,
                                  bool strict) const {
  auto fits = [&](unsigned b) {
    double m = memory(stage, a, b);
    return strict ? m < limit : m <= limit;
  };
  // Largest b in (a, s] that fits; memory() is nondecreasing in b and at
  // least memoryFloor[b] - memoryFloor[a], which bounds the search.
  double reach = memoryFloor[a] + limit + 1e-9 * std::fabs(limit);
  unsigned lo = a;
  unsigned hi =
      std::upper_bound(memoryFloor.begin() + a, memoryFloor.end(), reach) -
      memoryFloor.begin();
  hi = std::max(lo, std::min(hi, numSegments()));
  while (lo < hi) {
    unsigned mid = lo + (hi - lo + 1) / 2;
    if (fits(mid))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}
