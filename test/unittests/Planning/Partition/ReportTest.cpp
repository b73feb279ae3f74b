//===- ReportTest.cpp - Stage reports, tied weights, errors ---------------===//

#include "Reference.h"

#include "pp/Planning/Partition/Partition.h"

#include "gtest/gtest.h"

#include <numeric>

using namespace pp::partition;

namespace {

/// n nodes in a chain, each with compute 1 and a 10-byte output.
PartitionProblem chain(unsigned n) {
  PartitionProblem problem;
  for (unsigned q = 0; q < n; ++q) {
    Node node;
    node.name = "n" + std::to_string(q);
    node.forward = 1;
    problem.nodes.push_back(node);
    if (q + 1 < n)
      problem.tensors.push_back({"t" + std::to_string(q), q, {q + 1}, 10});
  }
  problem.link.bandwidth = 10; // 1 s per tensor each way
  return problem;
}

TEST(PartitionReport, SkipConnectionIsRelayedAcrossEveryBoundary) {
  PartitionProblem problem = chain(6);
  // Node 0's output also feeds node 5: with stages {0,1} {2,3} {4,5} it
  // crosses both boundaries; stage 1 only passes it on.
  problem.tensors[0].consumers.push_back(5);
  PartitionOptions options;
  options.numStages = 3;
  llvm::Expected<Partition> part = evaluate(problem, options, {0, 2, 4});
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  const StageReport &middle = part->stages[1];
  ASSERT_EQ(middle.received.size(), 2u);
  ASSERT_EQ(middle.sent.size(), 2u);
  // Received: tensor 0 (relayed, not consumed here) and tensor 1.
  EXPECT_EQ(middle.received[0].tensor, 0u);
  EXPECT_TRUE(middle.received[0].relayed);
  EXPECT_EQ(middle.received[0].peer, 0u);
  EXPECT_EQ(middle.received[1].tensor, 1u);
  EXPECT_FALSE(middle.received[1].relayed);
  // Sent: tensor 0 passed on, tensor 3 produced here.
  EXPECT_EQ(middle.sent[0].tensor, 0u);
  EXPECT_TRUE(middle.sent[0].relayed);
  EXPECT_EQ(middle.sent[1].tensor, 3u);
  EXPECT_FALSE(middle.sent[1].relayed);
  // Four transfers, each forward and gradient: 8 s; compute 2 s.
  EXPECT_DOUBLE_EQ(middle.activationCommTime, 8);
  EXPECT_DOUBLE_EQ(middle.time, 10);
  EXPECT_DOUBLE_EQ(part->stages[0].time, 2 + 4);
  EXPECT_DOUBLE_EQ(part->stages[2].time, 2 + 4);
  EXPECT_DOUBLE_EQ(part->bottleneck, 10);
  // Received tensors are held for the backward: 20 bytes, 2 in flight (1F1B).
  EXPECT_DOUBLE_EQ(middle.activationBytes, 20);
  EXPECT_DOUBLE_EQ(middle.peakMemory, 2 * 20);
}

TEST(PartitionReport, OptimalAvoidsCuttingUnderASkipConnection) {
  PartitionProblem problem = chain(6);
  problem.tensors[0].consumers.push_back(3); // spans nodes 1..3
  PartitionOptions options;
  options.numStages = 2;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  // Cuts before nodes 2 and 3 carry two tensors (4 s each side); before
  // node 4 one: stages 4 + 2 and 2 + 2, better than any other cut.
  EXPECT_EQ(part->stages[1].begin, 4u);
  EXPECT_DOUBLE_EQ(part->bottleneck, 6);
  EXPECT_DOUBLE_EQ(part->lowerBound, 3);
}

TEST(PartitionReport, TiedWeightIsOwnedOnceAndReducedAlongTheChain) {
  PartitionProblem problem = chain(6);
  problem.link.bandwidth = 1e9; // make tensors free, keep the param visible
  problem.link.latency = 0;
  problem.params.push_back({"embedding", 4e9});
  problem.params.push_back({"other", 100});
  problem.nodes[0].params = {0};
  problem.nodes[5].params = {0, 1};
  PartitionOptions options;
  options.numStages = 3;
  options.microbatches = 4;
  llvm::Expected<Partition> part = evaluate(problem, options, {0, 2, 4});
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_EQ(part->stages[0].ownedParams, std::vector<unsigned>{0});
  EXPECT_DOUBLE_EQ(part->stages[0].ownedParamBytes, 4e9);
  EXPECT_EQ(part->stages[2].ownedParams, std::vector<unsigned>{1});
  ASSERT_EQ(part->stages[2].tiedUses.size(), 1u);
  EXPECT_EQ(part->stages[2].tiedUses[0].param, 0u);
  EXPECT_EQ(part->stages[2].tiedUses[0].owner, 0u);
  EXPECT_TRUE(part->stages[1].tiedUses.empty());
  // 4 s per transfer, two per step, over 4 microbatches: 2 s per boundary.
  EXPECT_DOUBLE_EQ(part->stages[0].tiedReduceTime, 2);
  EXPECT_DOUBLE_EQ(part->stages[1].tiedReduceTime, 4);
  EXPECT_DOUBLE_EQ(part->stages[2].tiedReduceTime, 2);
  // Owner: 4x (Adam); user: weights + gradient; the relay holds nothing.
  EXPECT_DOUBLE_EQ(part->stages[0].peakMemory, 4 * 4e9 + 3 * 0);
  EXPECT_DOUBLE_EQ(part->stages[2].peakMemory, 2 * 4e9 + 4 * 100 + 1 * 10);
  EXPECT_DOUBLE_EQ(part->stages[1].peakMemory, 2 * 10);
}

TEST(PartitionReport, RandomCutsMatchTheReference) {
  std::mt19937_64 rng(11);
  for (unsigned seed = 0; seed < 300; ++seed) {
    reference::RandomShape shape;
    shape.nodes = 2 + seed % 20;
    PartitionProblem problem = reference::randomProblem(rng, shape);
    PartitionOptions options;
    options.numStages = 1 + rng() % std::min(6u, shape.nodes);
    options.microbatches = 1 + rng() % 5;
    std::vector<unsigned> positions(shape.nodes - 1);
    std::iota(positions.begin(), positions.end(), 1);
    std::shuffle(positions.begin(), positions.end(), rng);
    std::vector<unsigned> begins = {0};
    begins.insert(begins.end(), positions.begin(),
                  positions.begin() + options.numStages - 1);
    std::sort(begins.begin(), begins.end());
    llvm::Expected<Partition> part = evaluate(problem, options, begins);
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    std::vector<reference::StageCost> expected =
        reference::costs(problem, options, part->stageOfNode);
    for (unsigned i = 0; i < options.numStages; ++i) {
      EXPECT_NEAR(expected[i].time, part->stages[i].time,
                  1e-12 * std::max(1.0, expected[i].time));
      EXPECT_EQ(expected[i].memory, part->stages[i].peakMemory);
      // Every transfer is seen from both sides.
      if (i + 1 < options.numStages) {
        unsigned sentRight = 0;
        for (const Transfer &t : part->stages[i].sent)
          sentRight += t.peer == i + 1;
        EXPECT_EQ(sentRight, part->stages[i + 1].received.size());
      }
    }
  }
}

TEST(PartitionErrors, RejectsMoreStagesThanOps) {
  PartitionProblem problem = chain(3);
  PartitionOptions options;
  options.numStages = 4;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_FALSE(bool(part));
  EXPECT_EQ(llvm::toString(part.takeError()),
            "partition: num-stages (4) exceeds the number of ops (3)");
}

TEST(PartitionErrors, RejectsMoreStagesThanUnits) {
  PartitionProblem problem = chain(6);
  for (unsigned q = 0; q < 6; ++q)
    problem.nodes[q].unit = q / 3;
  PartitionOptions options;
  options.numStages = 3;
  options.granularity = Granularity::Layer;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_FALSE(bool(part));
  EXPECT_EQ(llvm::toString(part.takeError()),
            "partition: num-stages (3) exceeds the number of units (2)");
  options.numStages = 2;
  part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_EQ(part->stages[1].begin, 3u);
}

TEST(PartitionErrors, RejectsInvalidGraphs) {
  PartitionOptions options;
  options.numStages = 2;
  PartitionProblem backwards = chain(4);
  backwards.tensors[2].consumers.push_back(1);
  llvm::Expected<Partition> part = partition(backwards, options);
  ASSERT_FALSE(bool(part));
  EXPECT_NE(llvm::toString(part.takeError()).find("not after its producer"),
            std::string::npos);

  PartitionProblem badParam = chain(4);
  badParam.nodes[1].params.push_back(7);
  part = partition(badParam, options);
  ASSERT_FALSE(bool(part));
  llvm::consumeError(part.takeError());

  PartitionProblem negative = chain(4);
  negative.nodes[2].forward = -1;
  part = partition(negative, options);
  ASSERT_FALSE(bool(part));
  llvm::consumeError(part.takeError());

  PartitionProblem fine = chain(4);
  options.inFlight = {1, 2, 3};
  part = partition(fine, options);
  ASSERT_FALSE(bool(part));
  llvm::consumeError(part.takeError());

  options.inFlight.clear();
  llvm::Expected<Partition> inside = evaluate(fine, options, {0, 0});
  ASSERT_FALSE(bool(inside));
  llvm::consumeError(inside.takeError());
}

TEST(PartitionErrors, InfeasibleMemoryNamesTheSmallestLimit) {
  PartitionProblem problem = chain(4);
  problem.params.push_back({"w", 100});
  for (Node &node : problem.nodes)
    node.params = {};
  problem.nodes[3].params = {0};
  PartitionOptions options;
  options.numStages = 2;
  options.stateFactor = 4;
  options.memoryLimit = 399;
  // Stage 1 always owns w (400 bytes) and holds one received 10-byte tensor
  // per microbatch in flight (1): 410 at best.
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_FALSE(bool(part));
  double least = 0;
  std::string message;
  llvm::handleAllErrors(part.takeError(),
                        [&](const InfeasibleMemoryError &error) {
                          least = error.getMinimumFeasibleMemory();
                          message = error.message();
                        });
  EXPECT_EQ(least, 410);
  EXPECT_NE(message.find("smallest limit that fits is 410 bytes"),
            std::string::npos)
      << message;
  options.memoryLimit = 410;
  part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_TRUE(part->fitsMemory);
}

} // namespace
