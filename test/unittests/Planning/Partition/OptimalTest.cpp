//===- OptimalTest.cpp - method=optimal against brute force ---------------===//

#include "Reference.h"

#include "pp/Planning/Partition/Partition.h"

#include "gtest/gtest.h"

#include <random>

using namespace pp::partition;
using namespace pp::partition::reference;

namespace {

void expectClose(double expected, double actual, const char *what,
                 unsigned seed) {
  double scale = std::max({1.0, std::fabs(expected), std::fabs(actual)});
  EXPECT_LE(std::fabs(expected - actual), 1e-12 * scale)
      << what << ": expected " << expected << ", got " << actual << " (seed "
      << seed << ")";
}

/// Checks the invariants every returned partition must meet.
void expectWellFormed(const PartitionProblem &problem,
                      const PartitionOptions &options, const Partition &part) {
  ASSERT_EQ(part.stages.size(), options.numStages);
  ASSERT_EQ(part.stageOfNode.size(), problem.nodes.size());
  unsigned expectedBegin = 0;
  for (unsigned i = 0; i < part.stages.size(); ++i) {
    EXPECT_EQ(part.stages[i].begin, expectedBegin);
    EXPECT_LT(part.stages[i].begin, part.stages[i].end) << "empty stage " << i;
    for (unsigned q = part.stages[i].begin; q < part.stages[i].end; ++q)
      EXPECT_EQ(part.stageOfNode[q], i);
    expectedBegin = part.stages[i].end;
  }
  EXPECT_EQ(expectedBegin, problem.nodes.size()) << "dropped nodes";
  for (unsigned q = 1; q < problem.nodes.size(); ++q)
    if (part.stageOfNode[q] != part.stageOfNode[q - 1]) {
      EXPECT_TRUE(cuttable(problem, options, q))
          << "cut inside a unit at " << q;
    }
}

/// The reported stage times and memory agree with the reference model.
void expectReportMatchesReference(const PartitionProblem &problem,
                                  const PartitionOptions &options,
                                  const Partition &part, unsigned seed) {
  std::vector<StageCost> ref = costs(problem, options, part.stageOfNode);
  double worst = 0;
  for (unsigned i = 0; i < ref.size(); ++i) {
    expectClose(ref[i].time, part.stages[i].time, "stage time", seed);
    expectClose(ref[i].memory, part.stages[i].peakMemory, "stage memory", seed);
    worst = std::max(worst, ref[i].time);
  }
  expectClose(worst, part.bottleneck, "bottleneck", seed);
}

struct Case {
  RandomShape shape;
  unsigned stages;
};

Case randomCase(std::mt19937_64 &rng) {
  Case c;
  c.shape.nodes = std::uniform_int_distribution<unsigned>(2, 12)(rng);
  c.shape.skip = std::uniform_real_distribution<double>(0, 0.6)(rng);
  c.shape.params = std::uniform_int_distribution<unsigned>(0, 6)(rng);
  c.stages = std::uniform_int_distribution<unsigned>(
      1, std::min(5u, c.shape.nodes))(rng);
  return c;
}

PartitionOptions randomOptions(std::mt19937_64 &rng, unsigned stages) {
  PartitionOptions options;
  options.numStages = stages;
  options.microbatches = std::uniform_int_distribution<unsigned>(1, 8)(rng);
  if (rng() % 2) {
    // A schedule other than 1F1B with m >= p: arbitrary integers.
    for (unsigned i = 0; i < stages; ++i)
      options.inFlight.push_back(std::uniform_int_distribution<int>(1, 6)(rng));
  }
  return options;
}

TEST(PartitionOptimal, EqualsBruteForceOnRandomGraphs) {
  std::mt19937_64 rng(1);
  for (unsigned seed = 0; seed < 2000; ++seed) {
    Case c = randomCase(rng);
    PartitionProblem problem = randomProblem(rng, c.shape);
    PartitionOptions options = randomOptions(rng, c.stages);
    BruteForce expected = bruteForce(problem, options);
    llvm::Expected<Partition> part = partition(problem, options);
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    expectWellFormed(problem, options, *part);
    expectReportMatchesReference(problem, options, *part, seed);
    expectClose(expected.bottleneck, part->bottleneck, "optimum", seed);
    EXPECT_LE(part->lowerBound, part->bottleneck * (1 + 1e-12));
  }
}

TEST(PartitionOptimal, EqualsBruteForceWithSlowLinks) {
  // Communication dominating compute makes stage cost strongly non-monotone.
  std::mt19937_64 rng(2);
  for (unsigned seed = 0; seed < 1000; ++seed) {
    Case c = randomCase(rng);
    c.shape.skip = 0.5;
    PartitionProblem problem = randomProblem(rng, c.shape);
    problem.link.bandwidth = 20;
    problem.link.latency = 1;
    PartitionOptions options = randomOptions(rng, c.stages);
    BruteForce expected = bruteForce(problem, options);
    llvm::Expected<Partition> part = partition(problem, options);
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    expectWellFormed(problem, options, *part);
    expectClose(expected.bottleneck, part->bottleneck, "optimum", seed);
  }
}

TEST(PartitionOptimal, EqualsBruteForceUnderMemoryLimits) {
  std::mt19937_64 rng(3);
  unsigned infeasible = 0, feasible = 0;
  for (unsigned seed = 0; seed < 2000; ++seed) {
    Case c = randomCase(rng);
    PartitionProblem problem = randomProblem(rng, c.shape);
    PartitionOptions options = randomOptions(rng, c.stages);
    double least = bruteForce(problem, options).minimumMemory;
    // Limits around the least feasible memory, exactly on it included.
    switch (seed % 4) {
    case 0:
      options.memoryLimit = least;
      break;
    case 1:
      options.memoryLimit = least * 0.9;
      break;
    default:
      options.memoryLimit =
          least * std::uniform_real_distribution<double>(1, 1.6)(rng);
    }
    if (options.memoryLimit == 0)
      options.memoryLimit = 1; // 0 would mean no limit
    BruteForce expected = bruteForce(problem, options);
    llvm::Expected<Partition> part = partition(problem, options);
    if (std::isinf(expected.bottleneck)) {
      ++infeasible;
      ASSERT_FALSE(bool(part)) << "seed " << seed;
      double reported = -1;
      llvm::handleAllErrors(part.takeError(),
                            [&](const InfeasibleMemoryError &error) {
                              reported = error.getMinimumFeasibleMemory();
                            });
      expectClose(least, reported, "minimum feasible memory", seed);
      continue;
    }
    ++feasible;
    ASSERT_TRUE(bool(part))
        << llvm::toString(part.takeError()) << " seed " << seed;
    expectWellFormed(problem, options, *part);
    expectReportMatchesReference(problem, options, *part, seed);
    EXPECT_TRUE(part->fitsMemory);
    for (const StageReport &stage : part->stages)
      EXPECT_LE(stage.peakMemory, options.memoryLimit);
    expectClose(expected.bottleneck, part->bottleneck, "optimum", seed);
  }
  EXPECT_GT(infeasible, 200u);
  EXPECT_GT(feasible, 1000u);
}

TEST(PartitionOptimal, EqualsBruteForceAtLayerGranularity) {
  std::mt19937_64 rng(4);
  for (unsigned seed = 0; seed < 1000; ++seed) {
    Case c = randomCase(rng);
    c.shape.unitSize = std::uniform_int_distribution<unsigned>(1, 3)(rng);
    PartitionProblem problem = randomProblem(rng, c.shape);
    PartitionOptions options = randomOptions(rng, c.stages);
    options.granularity = Granularity::Layer;
    BruteForce expected = bruteForce(problem, options);
    if (seed % 2 && expected.cuts > 0) {
      options.memoryLimit = expected.minimumMemory * 1.2;
      expected = bruteForce(problem, options);
    }
    llvm::Expected<Partition> part = partition(problem, options);
    if (expected.cuts == 0) {
      // Fewer units than stages.
      ASSERT_FALSE(bool(part));
      EXPECT_NE(llvm::toString(part.takeError()).find("exceeds the number of"),
                std::string::npos);
      continue;
    }
    if (options.memoryLimit == 0 && seed % 2)
      continue; // zero memory everywhere: the limit meant "none"
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    expectWellFormed(problem, options, *part);
    expectClose(expected.bottleneck, part->bottleneck, "optimum", seed);
  }
}

/// An O(p n^2) dynamic program over the reference costs: exact for any cost
/// that depends only on a stage's boundaries and index (time and memory both
/// do), slow, and independent of the library's sweep.
double referenceDynamicProgram(const PartitionProblem &problem,
                               const PartitionOptions &options) {
  unsigned n = problem.nodes.size(), p = options.numStages;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> flight = inFlight(options);
  std::vector<std::vector<double>> best(p + 1, std::vector<double>(n + 1, inf));
  best[0][0] = 0;
  for (unsigned stage = 0; stage < p; ++stage)
    for (unsigned a = stage; a < n; ++a) {
      if (std::isinf(best[stage][a]))
        continue;
      for (unsigned b = a + 1; b <= n; ++b) {
        // [a, b) as the middle stage of the cut [0, a) [a, b) [b, n).
        PartitionOptions three = options;
        three.numStages = 3;
        three.inFlight = {1, flight[stage], 1};
        std::vector<unsigned> stageOf(n);
        for (unsigned q = 0; q < n; ++q)
          stageOf[q] = q < a ? 0 : q < b ? 1 : 2;
        StageCost c = costs(problem, three, stageOf)[1];
        if (options.memoryLimit > 0 && c.memory > options.memoryLimit)
          continue;
        best[stage + 1][b] =
            std::min(best[stage + 1][b], std::max(best[stage][a], c.time));
      }
    }
  return best[p][n];
}

TEST(PartitionOptimal, EqualsQuadraticDynamicProgramOnMediumGraphs) {
  std::mt19937_64 rng(5);
  for (unsigned seed = 0; seed < 12; ++seed) {
    RandomShape shape;
    shape.nodes = 40;
    shape.skip = 0.4;
    shape.params = 6;
    PartitionProblem problem = randomProblem(rng, shape);
    PartitionOptions options;
    options.numStages = 2 + seed % 6;
    options.microbatches = 4;
    if (seed >= 6) {
      // A limit that binds: 80% of the unconstrained optimum's peak.
      llvm::Expected<Partition> free = partition(problem, options);
      ASSERT_TRUE(bool(free)) << llvm::toString(free.takeError());
      for (const StageReport &stage : free->stages)
        options.memoryLimit = std::max(options.memoryLimit, stage.peakMemory);
      options.memoryLimit *= 0.8;
    }
    double expected = referenceDynamicProgram(problem, options);
    llvm::Expected<Partition> part = partition(problem, options);
    if (std::isinf(expected)) {
      ASSERT_FALSE(bool(part));
      llvm::consumeError(part.takeError());
      continue;
    }
    ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
    expectClose(expected, part->bottleneck, "optimum", seed);
  }
}

TEST(PartitionOptimal, ResolvesNearTiesExactly) {
  // Cut after node 0: max(1, 1 - 1e-10) = 1; after node 1: 1 + 1e-10. Both
  // lie within the bisection's 1e-9 tolerance; only the final strict check
  // finds the first.
  PartitionProblem problem;
  for (double t : {1.0, 1e-10, 1 - 2e-10}) {
    Node node;
    node.forward = t;
    problem.nodes.push_back(node);
  }
  PartitionOptions options;
  options.numStages = 2;
  llvm::Expected<Partition> part = partition(problem, options);
  ASSERT_TRUE(bool(part)) << llvm::toString(part.takeError());
  EXPECT_EQ(part->stages[1].begin, 1u);
  EXPECT_EQ(part->bottleneck, 1.0);
}

} // namespace
