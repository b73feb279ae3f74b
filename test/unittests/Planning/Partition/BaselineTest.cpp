//===- BaselineTest.cpp - method=uniform and method=parameters ------------===//

#include "Reference.h"

#include "pp/Planning/Partition/Partition.h"

#include "gtest/gtest.h"

using namespace pp::partition;

namespace {

/// An embedding op, `blocks` blocks of `opsPerBlock` ops, then a norm and a
/// head op; units set for Granularity::Layer.
PartitionProblem transformerLike(unsigned blocks, unsigned opsPerBlock) {
  PartitionProblem problem;
  auto add = [&](std::string name, int64_t unit, bool inBlock, double time) {
    Node node;
    node.name = std::move(name);
    node.unit = unit;
    node.inBlock = inBlock;
    node.forward = time;
    unsigned q = problem.nodes.size();
    if (q)
      problem.tensors.push_back({"", q - 1, {q}, 8});
    problem.nodes.push_back(node);
  };
  add("/embed/Gather", -1, false, 3);
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned k = 0; k < opsPerBlock; ++k)
      add("/blocks." + std::to_string(b) + "/op" + std::to_string(k), b, true,
          1);
  add("/ln_f/LayerNormalization", -1, false, 0.5);
  add("/lm_head/MatMul", -1, false, 3);
  return problem;
}

/// Blocks per stage of a partition of transformerLike().
std::vector<unsigned> blocksPerStage(const Partition &part,
                                     const PartitionProblem &problem) {
  std::vector<unsigned> count(part.stages.size(), 0);
  for (unsigned q = 0; q < problem.nodes.size(); ++q)
    if (problem.nodes[q].inBlock &&
        (q == 0 || problem.nodes[q - 1].unit != problem.nodes[q].unit))
      ++count[part.stageOfNode[q]];
  return count;
}

TEST(PartitionUniform, SplitsBlocksEvenlyRemainderFirstNeverDropping) {
  // Megatron #1304: 30 layers on 4 stages must give 8 8 7 7, not 7 7 7 7.
  PartitionProblem problem = transformerLike(30, 2);
  PartitionOptions options;
  options.numStages = 4;
  options.method = Method::Uniform;
  options.granularity = Granularity::Layer;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_EQ(blocksPerStage(*part, problem),
            (std::vector<unsigned>{8, 8, 7, 7}));
  // The embedding rides with the first block, norm and head with the last.
  EXPECT_EQ(part->stageOfNode.front(), 0u);
  EXPECT_EQ(part->stageOfNode.back(), 3u);
  EXPECT_EQ(part->stages.back().end, problem.nodes.size());
}

TEST(PartitionUniform, RandomBlockCountsDifferByAtMostOne) {
  std::mt19937_64 rng(21);
  for (unsigned trial = 0; trial < 200; ++trial) {
    unsigned blocks = 1 + rng() % 40, p = 1 + rng() % blocks;
    PartitionProblem problem = transformerLike(blocks, 1 + rng() % 3);
    PartitionOptions options;
    options.numStages = p;
    options.method = Method::Uniform;
    options.granularity = Granularity::Layer;
    llvm::Expected<Partition> part = partition(problem, options);
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    std::vector<unsigned> count = blocksPerStage(*part, problem);
    unsigned total = 0;
    for (unsigned i = 0; i < p; ++i) {
      total += count[i];
      EXPECT_EQ(count[i], blocks / p + (i < blocks % p ? 1 : 0));
    }
    EXPECT_EQ(total, blocks);
  }
}

TEST(PartitionUniform, FewerBlocksThanStagesCountsEveryUnit) {
  PartitionProblem problem = transformerLike(2, 2);
  PartitionOptions options;
  options.numStages = 5; // 5 units: embed, 2 blocks, norm, head
  options.method = Method::Uniform;
  options.granularity = Granularity::Layer;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  for (const StageReport &stage : part->stages)
    EXPECT_LT(stage.begin, stage.end);
}

TEST(PartitionParameters, MinimisesTheLargestOwnedParameterBytes) {
  std::mt19937_64 rng(22);
  for (unsigned seed = 0; seed < 300; ++seed) {
    reference::RandomShape shape;
    shape.nodes = 2 + rng() % 10;
    shape.params = rng() % 8;
    PartitionProblem problem = reference::randomProblem(rng, shape);
    PartitionOptions options;
    options.numStages = 1 + rng() % std::min(5u, shape.nodes);
    options.method = Method::Parameters;
    double best = std::numeric_limits<double>::infinity();
    reference::forEachCut(
        problem, options, [&](const std::vector<unsigned> &stageOf) {
          std::vector<double> owned(options.numStages, 0);
          std::vector<bool> seen(problem.params.size(), false);
          for (unsigned q = 0; q < problem.nodes.size(); ++q)
            for (unsigned param : problem.nodes[q].params)
              if (!seen[param]) {
                seen[param] = true;
                owned[stageOf[q]] += problem.params[param].bytes;
              }
          best = std::min(best, *std::max_element(owned.begin(), owned.end()));
        });
    llvm::Expected<Partition> part = partition(problem, options);
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    double worst = 0;
    for (const StageReport &stage : part->stages) {
      EXPECT_LT(stage.begin, stage.end);
      worst = std::max(worst, stage.ownedParamBytes);
    }
    EXPECT_EQ(worst, best) << "seed " << seed;
  }
}

TEST(PartitionBaselines, OptimalIsNeverSlower) {
  std::mt19937_64 rng(23);
  for (unsigned trial = 0; trial < 40; ++trial) {
    reference::RandomShape shape;
    shape.nodes = 50 + rng() % 150;
    shape.params = 20;
    PartitionProblem problem = reference::randomProblem(rng, shape);
    PartitionOptions options;
    options.numStages = 2 + rng() % 12;
    llvm::Expected<Partition> optimal = partition(problem, options);
    ASSERT_TRUE(bool(optimal)) << llvm::toString(optimal.takeError());
    for (Method method : {Method::Uniform, Method::Parameters}) {
      options.method = method;
      llvm::Expected<Partition> baseline = partition(problem, options);
      ASSERT_TRUE(bool(baseline)) << llvm::toString(baseline.takeError());
      EXPECT_LE(optimal->bottleneck, baseline->bottleneck * (1 + 1e-12));
    }
    options.method = Method::Optimal;
  }
}

TEST(PartitionBaselines, ReportWhetherTheyFitMemory) {
  PartitionProblem problem = transformerLike(4, 1);
  problem.params.push_back({"big", 1000});
  problem.nodes[0].params = {0};
  PartitionOptions options;
  options.numStages = 2;
  options.method = Method::Uniform;
  options.memoryLimit = 100;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_FALSE(part->fitsMemory);
}

} // namespace
