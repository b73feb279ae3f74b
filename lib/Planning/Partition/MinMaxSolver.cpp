//===- MinMaxSolver.cpp - Exact min-max contiguous partitioning -----------===//
//
// findCut() is a forward sweep over stages. reach(i) is the set of boundaries
// b such that segments [0, b) split into i + 1 stages that all satisfy the
// bound and the memory limit. For stage i and a candidate end b, the stage
// [a, b) is admissible iff a is in reach(i - 1), a < b, b <= lastEnd(i, a)
// (memory is nondecreasing in b) and end[b] - begin[a] <= bound. Among the
// predecessors with a < b and lastEnd >= b, the one with the largest begin[a]
// gives the smallest cost, so one max-heap keyed by begin[a] (entries expire
// once b passes their lastEnd) decides b exactly. Without a memory limit
// nothing expires and the heap is a running maximum.
//
//===----------------------------------------------------------------------===//

#include "MinMaxSolver.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace pp::partition::detail;

static constexpr double kInfinity = std::numeric_limits<double>::infinity();
/// Relative slack of the pruning windows, far above rounding error.
static constexpr double kSlack = 1e-9;

/// Narrows [lo, hi] onto the smallest `measure` of a feasible cut, where
/// `best` is feasible with measure `hi`: bisection with `check(limit,
/// false)` (a cut whose measure is at most `limit`, or none), then strict
/// checks `check(hi, true)` until none finds a better cut, which makes the
/// result exact. Returns the best cut; `hi` ends as its measure.
template <typename Check, typename Measure>
static std::vector<unsigned> narrowToOptimum(double lo, double &hi,
                                             std::vector<unsigned> best,
                                             Check check, Measure measure) {
  // Each step halves [lo, hi]; the cap only guards against a broken check.
  for (unsigned iteration = 0;
       iteration < 200 && hi - lo > 1e-9 * std::max(std::fabs(hi), 1e-300);
       ++iteration) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi)
      break;
    if (auto cut = check(mid, false)) {
      best = std::move(*cut);
      hi = measure(best);
    } else {
      lo = mid;
    }
  }
  // Exactness: stop only when nothing strictly below hi is feasible.
  while (auto cut = check(hi, true)) {
    double better = measure(*cut);
    assert(better < hi && "a strict check returned no better cut");
    if (!(better < hi))
      break;
    best = std::move(*cut);
    hi = better;
  }
  return best;
}

MinMaxSolver::MinMaxSolver(const CostModel &model, Objective objective,
                           unsigned numStages)
    : model(model), objective(objective), numStages(numStages),
      numSegments(model.numSegments()), reachEnd(numStages),
      reachParent(numStages) {}

std::pair<unsigned, unsigned> MinMaxSolver::window(unsigned stage, double bound,
                                                   double memoryLimit) const {
  unsigned p = numStages, s = numSegments;
  unsigned lo = stage + 1, hi = s - (p - 1 - stage) + 1;
  if (stage + 1 == p)
    return {s, s + 1};
  // Stages 0..stage cost at least floor[b] - floor[0] in total, stages after
  // it at least floor[s] - floor[b]; likewise for memory.
  auto narrow = [&](llvm::ArrayRef<double> floor, double limit) {
    if (!std::isfinite(limit))
      return;
    double slack = kSlack * (std::fabs(limit) * p + std::fabs(floor[s]));
    double upTo = floor[0] + (stage + 1) * limit + slack;
    double from = floor[s] - (p - 1 - stage) * limit - slack;
    unsigned l =
        std::lower_bound(floor.begin(), floor.end(), from) - floor.begin();
    unsigned h =
        std::upper_bound(floor.begin(), floor.end(), upTo) - floor.begin();
    lo = std::max(lo, l);
    hi = std::min(hi, h);
  };
  narrow(objective.floor, bound);
  narrow(model.memoryFloor, memoryLimit);
  return {lo, std::max(lo, hi)};
}

unsigned MinMaxSolver::lastEnd(unsigned stage, unsigned a, double limit,
                               bool strict) {
  if (limit != memoLimit || strict != memoStrict) {
    memoLimit = limit;
    memoStrict = strict;
    if (++generation == 0) {
      std::fill(lastEndStamp.begin(), lastEndStamp.end(), 0);
      generation = 1;
    }
  }
  size_t index = size_t(stage) * (numSegments + 1) + a;
  if (lastEndStamp.empty()) {
    lastEndStamp.assign(size_t(numStages) * (numSegments + 1), 0);
    lastEndMemo.resize(lastEndStamp.size());
  }
  if (lastEndStamp[index] != generation) {
    lastEndStamp[index] = generation;
    lastEndMemo[index] = model.lastEndWithin(stage, a, limit, strict);
  }
  return lastEndMemo[index];
}

std::optional<std::vector<unsigned>> MinMaxSolver::findCut(double bound,
                                                           bool strictBound,
                                                           double memoryLimit,
                                                           bool strictMemory) {
  bool checkMemory = std::isfinite(memoryLimit);
  auto within = [&](double c) { return strictBound ? c < bound : c <= bound; };
  auto heapLess = [](const HeapEntry &x, const HeapEntry &y) {
    return x.key < y.key;
  };
  static const std::vector<unsigned> start = {0};

  for (unsigned stage = 0; stage < numStages; ++stage) {
    const std::vector<unsigned> &prev = stage ? reachEnd[stage - 1] : start;
    std::vector<unsigned> &ends = reachEnd[stage];
    std::vector<unsigned> &parents = reachParent[stage];
    ends.clear();
    parents.clear();
    heap.clear();
    auto [lo, hi] = window(stage, bound, memoryLimit);
    unsigned next = 0;
    // Best predecessor so far when nothing expires.
    unsigned best = ~0u;
    double bestKey = -kInfinity;
    for (unsigned b = lo; b < hi; ++b) {
      for (; next < prev.size() && prev[next] < b; ++next) {
        unsigned a = prev[next];
        double key = objective.begin[a];
        if (!checkMemory) {
          if (best == ~0u || key > bestKey) {
            best = next;
            bestKey = key;
          }
          continue;
        }
        unsigned expiry = lastEnd(stage, a, memoryLimit, strictMemory);
        if (expiry <= a)
          continue;
        heap.push_back({key, expiry, next});
        std::push_heap(heap.begin(), heap.end(), heapLess);
      }
      if (checkMemory) {
        while (!heap.empty() && heap.front().expiry < b) {
          std::pop_heap(heap.begin(), heap.end(), heapLess);
          heap.pop_back();
        }
        if (heap.empty()) {
          // No live predecessor: skip to just after the next one, if any.
          if (next == prev.size())
            break;
          b = std::max(b, prev[next]);
          continue;
        }
        best = heap.front().index;
      }
      if (best == ~0u || !within(cost(prev[best], b)))
        continue;
      ends.push_back(b);
      parents.push_back(best);
    }
    if (ends.empty())
      return std::nullopt;
  }
  if (reachEnd.back().back() != numSegments)
    return std::nullopt;

  std::vector<unsigned> cut(numStages);
  unsigned index = reachEnd.back().size() - 1;
  for (unsigned stage = numStages; stage-- > 0;) {
    cut[stage] = reachEnd[stage][index];
    index = reachParent[stage][index];
  }
  return cut;
}

double MinMaxSolver::bottleneck(llvm::ArrayRef<unsigned> ends) const {
  double worst = -kInfinity;
  unsigned a = 0;
  for (unsigned b : ends) {
    worst = std::max(worst, cost(a, b));
    a = b;
  }
  return worst;
}

double MinMaxSolver::peakMemory(llvm::ArrayRef<unsigned> ends) const {
  double worst = -kInfinity;
  unsigned a = 0;
  for (unsigned stage = 0; stage < ends.size(); ++stage) {
    worst = std::max(worst, model.memory(stage, a, ends[stage]));
    a = ends[stage];
  }
  return worst;
}

std::optional<std::vector<unsigned>>
MinMaxSolver::minimiseBottleneck(double lowerBound, double memoryLimit) {
  // No stage costs more than `upper`: beyond it only memory can fail.
  double maxBoundary = 0, maxBegin = 0;
  for (unsigned j = 0; j <= numSegments; ++j) {
    maxBoundary = std::max(maxBoundary, objective.end[j] - objective.floor[j]);
    maxBegin = std::max(maxBegin, objective.floor[j] - objective.begin[j]);
  }
  double upper = objective.floor.back() + maxBoundary + maxBegin;

  // Gallop up from the lower bound: checks with a bound near the optimum
  // prune to narrow windows and are cheap, a loose bound is not.
  std::optional<std::vector<unsigned>> best;
  double lo = lowerBound, hi = 0;
  double step = std::max(std::fabs(lowerBound), std::fabs(upper)) * 1e-4;
  if (!(step > 0))
    step = 1e-300;
  for (double bound = lo + step;; bound = lo + (step *= 4)) {
    if (bound >= upper) {
      best = findCut(kInfinity, false, memoryLimit, false);
      if (!best)
        return std::nullopt;
      hi = bottleneck(*best);
      break;
    }
    if ((best = findCut(bound, false, memoryLimit, false))) {
      hi = bottleneck(*best);
      break;
    }
    lo = bound; // nothing within `bound`: the optimum exceeds it
  }

  // Invariant: the optimum lies in [lo, hi] and `best` achieves hi.
  lo = std::min(lo, hi);
  return narrowToOptimum(
      lo, hi, std::move(*best),
      [&](double bound, bool strict) {
        return findCut(bound, strict, memoryLimit, false);
      },
      [&](llvm::ArrayRef<unsigned> cut) { return bottleneck(cut); });
}

double MinMaxSolver::minimumMemory() {
  std::vector<unsigned> best = *findCut(kInfinity, false, kInfinity, false);
  double hi = peakMemory(best);
  narrowToOptimum(
      0, hi, std::move(best),
      [&](double limit, bool strict) {
        return findCut(kInfinity, false, limit, strict);
      },
      [&](llvm::ArrayRef<unsigned> cut) { return peakMemory(cut); });
  return hi;
}
