//===- Evaluate.cpp - Report of one partition
//------------------------------===//
//
// Computes each stage's report directly from the problem (not from the
// solver's prefix sums), so that the unit tests can compare the two.
//
//===----------------------------------------------------------------------===//

#include "Evaluate.h"

#include "CostModel.h"

#include <algorithm>

using namespace pp::partition;
using namespace pp::partition::detail;

Partition detail::report(const PartitionProblem &problem,
                         const PartitionOptions &options,
                         const Segments &segments,
                         llvm::ArrayRef<unsigned> stageBegins) {
  unsigned n = problem.nodes.size();
  unsigned p = stageBegins.size();
  const Link &link = problem.link;
  Partition result;
  result.stageOfNode.resize(n);
  result.stages.resize(p);
  std::vector<double> inFlight = inFlightPerStage(options);

  for (unsigned i = 0; i < p; ++i) {
    StageReport &stage = result.stages[i];
    stage.begin = stageBegins[i];
    stage.end = i + 1 < p ? stageBegins[i + 1] : n;
    stage.inFlight = inFlight[i];
    for (unsigned q = stage.begin; q < stage.end; ++q) {
      const Node &node = problem.nodes[q];
      result.stageOfNode[q] = i;
      stage.forward += node.forward;
      stage.backwardInput += node.backwardInput;
      stage.backwardWeight += node.backwardWeight;
      stage.activationBytes += node.activationBytes;
    }
  }
  const std::vector<unsigned> &stageOf = result.stageOfNode;

  // Tensors travel stage to stage from the producer's stage to the last
  // consumer's; each boundary on the way carries them once per microbatch.
  std::vector<bool> consumedIn(p, false);
  for (unsigned t = 0; t < problem.tensors.size(); ++t) {
    const Tensor &tensor = problem.tensors[t];
    if (tensor.consumers.empty())
      continue;
    unsigned from = stageOf[tensor.producer], to = from;
    for (unsigned c : tensor.consumers) {
      consumedIn[stageOf[c]] = true;
      to = std::max(to, stageOf[c]);
    }
    double time =
        (tensor.needsGradient ? 2 : 1) * link.transferTime(tensor.bytes);
    for (unsigned k = from; k < to; ++k) {
      StageReport &sender = result.stages[k], &receiver = result.stages[k + 1];
      sender.sent.push_back({t, tensor.bytes, k + 1, k != from});
      receiver.received.push_back({t, tensor.bytes, k, !consumedIn[k + 1]});
      sender.activationCommTime += time;
      receiver.activationCommTime += time;
      receiver.activationBytes += tensor.bytes;
    }
    for (unsigned c : tensor.consumers)
      consumedIn[stageOf[c]] = false;
  }

  // Parameters: owned by the stage of their first use; other users hold a
  // copy; the reduction travels the chain between owner and last user.
  std::vector<std::vector<unsigned>> users(problem.params.size());
  for (unsigned q = 0; q < n; ++q)
    for (unsigned param : problem.nodes[q].params)
      if (users[param].empty() || users[param].back() != stageOf[q])
        users[param].push_back(stageOf[q]);
  for (unsigned param = 0; param < users.size(); ++param) {
    if (users[param].empty())
      continue;
    double bytes = problem.params[param].bytes;
    unsigned owner = users[param].front();
    StageReport &ownerStage = result.stages[owner];
    ownerStage.ownedParams.push_back(param);
    ownerStage.ownedParamBytes += bytes;
    if (users[param].size() < 2)
      continue;
    for (unsigned k = 1; k < users[param].size(); ++k)
      result.stages[users[param][k]].tiedUses.push_back({param, owner, bytes});
    double time = 2 * link.transferTime(bytes) / options.microbatches;
    for (unsigned k = owner; k < users[param].back(); ++k) {
      result.stages[k].tiedReduceTime += time;
      result.stages[k + 1].tiedReduceTime += time;
    }
  }

  double total = 0, heaviestSegment = 0;
  for (unsigned j = 0; j < segments.size(); ++j) {
    double c = 0;
    for (unsigned q = segments.begin[j]; q < segments.begin[j + 1]; ++q)
      c += problem.nodes[q].computeTime();
    heaviestSegment = std::max(heaviestSegment, c);
    total += c;
  }
  result.lowerBound = std::max(total / options.numStages, heaviestSegment);

  for (StageReport &stage : result.stages) {
    stage.time =
        stage.computeTime() + stage.activationCommTime + stage.tiedReduceTime;
    double tied = 0;
    for (const TiedUse &use : stage.tiedUses)
      tied += kTiedCopyFactor * use.bytes;
    stage.peakMemory = options.stateFactor * stage.ownedParamBytes + tied +
                       stage.inFlight * stage.activationBytes;
    result.bottleneck = std::max(result.bottleneck, stage.time);
    if (options.memoryLimit > 0 && stage.peakMemory > options.memoryLimit)
      result.fitsMemory = false;
  }
  return result;
}
