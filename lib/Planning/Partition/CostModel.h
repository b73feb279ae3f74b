//===- CostModel.h - O(1) stage time and O(log) stage memory ----*- C++ -*-===//
//
// Internal to PPPartition. Precomputes, per segment boundary j, the sums that
// make a stage's cost a function of its two boundaries:
//
//   time(a, b)      = V[b] - K[a],  V = C + X,  K = C - X
//   memory(i, a, b) = s * (O[b] - O[a]) + T(a, b)
//                     + inFlight[i] * (A[b] - A[a] + R[a])
//                   (recomputing: + inFlight[i] * R[a] + A[b] - A[a])
//
// C: prefix compute time; X: communication time of everything crossing the
// boundary (tensors, and tied-parameter reductions amortised over the
// microbatches); O: prefix owned parameter bytes; A: prefix activation bytes;
// R: bytes of tensors crossing the boundary; T(a, b): copies (weights and
// gradient) of parameters owned before a and used in [a, b).
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_PLANNING_PARTITION_COSTMODEL_H
#define PP_LIB_PLANNING_PARTITION_COSTMODEL_H

#include "Segments.h"

#include <vector>

namespace pp::partition::detail {

/// A stage holding another stage's parameter keeps the weights and a gradient
/// buffer.
constexpr double kTiedCopyFactor = 2;

class CostModel {
public:
  CostModel(const PartitionProblem &problem, const PartitionOptions &options,
            const Segments &segments);

  unsigned numSegments() const { return compute.size() - 1; }

  double time(unsigned a, unsigned b) const {
    return timeEnd[b] - timeBegin[a];
  }
  double memory(unsigned stage, unsigned a, unsigned b) const;
  /// Largest b in (a, numSegments()] with memory(stage, a, b) <= limit (< limit
  /// when strict), or a when there is none. memory() is nondecreasing in b.
  unsigned lastEndWithin(unsigned stage, unsigned a, double limit,
                         bool strict) const;

  /// Prefix sums, one entry per boundary.
  std::vector<double> compute, crossTime, ownedBytes, activation, crossBytes;
  /// V and K of the header comment.
  std::vector<double> timeEnd, timeBegin;
  /// A nondecreasing lower bound of memory: memory(i, a, b) >= M[b] - M[a].
  std::vector<double> memoryFloor;
  std::vector<double> inFlight;
  double stateFactor;
  bool recompute;

private:
  double tiedCopies(unsigned a, unsigned b) const;

  /// For boundary j, entries [tiedStart[j], tiedStart[j + 1]) list the
  /// parameters owned before j and used again at or after j, sorted by the
  /// segment of that next use, with running sums of their copy bytes.
  std::vector<unsigned> tiedStart, tiedNextSegment;
  std::vector<double> tiedRunningBytes;
};

} // namespace pp::partition::detail

#endif // PP_LIB_PLANNING_PARTITION_COSTMODEL_H
