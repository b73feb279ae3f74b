//===- PartitionBench.cpp - Partitioner speed on a GPT-like graph ---------===//
//
// Builds a random GPT-like chain (embedding, blocks of 12 ops with two
// residual skip edges each, final norm and an LM head tied to the embedding)
// of --ops nodes and times partition() into --stages stages for each method,
// with and without a memory limit, at op and layer granularity.
//
//   PartitionBench [--ops N] [--stages P] [--repeat R] [--seed S]
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Partition/Partition.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <random>

using namespace pp::partition;

static llvm::cl::opt<unsigned> numOps("ops", llvm::cl::desc("nodes"),
                                      llvm::cl::init(100000));
static llvm::cl::opt<unsigned> numStages("stages", llvm::cl::desc("stages"),
                                         llvm::cl::init(64));
static llvm::cl::opt<unsigned> repeat("repeat",
                                      llvm::cl::desc("runs per configuration"),
                                      llvm::cl::init(5));
static llvm::cl::opt<unsigned> seed("seed", llvm::cl::init(1));

namespace {

PartitionProblem gptLike(unsigned n, std::mt19937_64 &rng) {
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  const double hidden = 4096, tokens = 4096; // per microbatch
  const double actBytes = 2 * hidden * tokens;
  PartitionProblem problem;
  problem.link.latency = 20e-6;
  problem.link.bandwidth = 25e9;
  problem.params.push_back({"wte", 2 * 50304 * hidden});
  auto addNode = [&](std::string name, int64_t unit, bool inBlock,
                     double seconds, double act, int param) {
    Node node;
    node.name = std::move(name);
    node.unit = unit;
    node.inBlock = inBlock;
    node.forward = seconds * jitter(rng);
    node.backwardInput = node.forward * jitter(rng);
    node.backwardWeight = param >= 0 ? node.forward * jitter(rng) : 0;
    node.activationBytes = act;
    if (param >= 0)
      node.params.push_back(param);
    problem.nodes.push_back(std::move(node));
    return unsigned(problem.nodes.size() - 1);
  };
  auto connect = [&](unsigned from, std::vector<unsigned> to) {
    problem.tensors.push_back({"", from, std::move(to), actBytes});
  };
  unsigned embed = addNode("/wte/Gather", -1, false, 1e-4, actBytes, 0);
  unsigned blockInput = embed;
  unsigned blocks = (n - 3) / 12, block = 0;
  while (problem.nodes.size() + 2 < n) {
    std::string scope = "/h." + std::to_string(block) + "/";
    unsigned first = problem.nodes.size();
    auto op = [&](const char *name, double seconds, bool weight) {
      int param = -1;
      if (weight) {
        param = problem.params.size();
        problem.params.push_back({"", 2 * hidden * hidden});
      }
      return addNode(scope + name, block, true, seconds, actBytes, param);
    };
    const char *names[] = {"ln_1",    "c_attn", "scores",   "softmax",
                           "context", "c_proj", "add",      "ln_2",
                           "c_fc",    "gelu",   "mlp_proj", "add_1"};
    const double seconds[] = {1e-4, 9e-4, 4e-4,   2e-4, 4e-4,   3e-4,
                              5e-5, 1e-4, 1.2e-3, 2e-4, 1.2e-3, 5e-5};
    const bool weights[] = {true,  true, false, false, false, true,
                            false, true, true,  false, true,  false};
    unsigned count = std::min<unsigned>(12, n - 2 - problem.nodes.size());
    for (unsigned k = 0; k < count; ++k) {
      unsigned q = op(names[k], seconds[k], weights[k]);
      if (q > first)
        connect(q - 1, {q});
    }
    unsigned last = problem.nodes.size() - 1;
    // Block input to the first op and to the residual adds.
    std::vector<unsigned> uses = {first};
    if (count > 6)
      uses.push_back(first + 6);
    connect(blockInput, uses);
    if (count == 12)
      connect(first + 6, {first + 11});
    blockInput = last;
    ++block;
  }
  (void)blocks;
  unsigned norm = addNode("/ln_f", -1, false, 1e-4, actBytes, -1);
  connect(blockInput, {norm});
  unsigned head = addNode("/lm_head", -1, false, 3e-3, actBytes * 6, 0);
  connect(norm, {head});
  return problem;
}

struct Config {
  const char *name;
  Method method;
  Granularity granularity;
  double memoryFactor; // limit = factor * the unlimited optimum's peak
};

} // namespace

int main(int argc, char **argv) {
  llvm::cl::ParseCommandLineOptions(argc, argv, "pp partitioner benchmark\n");
  std::mt19937_64 rng(seed);
  auto buildStart = std::chrono::steady_clock::now();
  PartitionProblem problem = gptLike(numOps, rng);
  double buildSeconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - buildStart)
                            .count();
  llvm::outs() << "graph: " << problem.nodes.size() << " ops, "
               << problem.tensors.size() << " tensors, "
               << problem.params.size() << " parameters (built in "
               << llvm::format("%.3f", buildSeconds) << " s); " << numStages
               << " stages\n";

  const Config configs[] = {
      {"optimal op", Method::Optimal, Granularity::Op, 0},
      {"optimal op, memory 0.9x", Method::Optimal, Granularity::Op, 0.9},
      {"optimal op, memory 0.3x", Method::Optimal, Granularity::Op, 0.3},
      {"optimal layer", Method::Optimal, Granularity::Layer, 0},
      {"uniform layer", Method::Uniform, Granularity::Layer, 0},
      {"parameters layer", Method::Parameters, Granularity::Layer, 0},
  };
  double unlimitedPeak = 0;
  llvm::outs() << llvm::format("%-26s %10s %10s %12s %12s\n", "method", "min s",
                               "median s", "bottleneck", "lower bound");
  for (const Config &config : configs) {
    PartitionOptions options;
    options.numStages = numStages;
    options.method = config.method;
    options.granularity = config.granularity;
    options.microbatches = 2 * numStages;
    options.memoryLimit = config.memoryFactor * unlimitedPeak;
    std::vector<double> seconds;
    double bottleneck = 0, lowerBound = 0;
    for (unsigned r = 0; r < repeat; ++r) {
      auto start = std::chrono::steady_clock::now();
      llvm::Expected<Partition> part = partition(problem, options);
      seconds.push_back(std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - start)
                            .count());
      if (!part) {
        std::string message = llvm::toString(part.takeError());
        if (r == 0)
          llvm::errs() << config.name << ": " << message << "\n";
        bottleneck = -1;
        continue;
      }
      bottleneck = part->bottleneck;
      lowerBound = part->lowerBound;
      if (config.memoryFactor == 0 && config.method == Method::Optimal &&
          config.granularity == Granularity::Op)
        for (const StageReport &stage : part->stages)
          unlimitedPeak = std::max(unlimitedPeak, stage.peakMemory);
    }
    std::sort(seconds.begin(), seconds.end());
    llvm::outs() << llvm::format(
        "%-26s %10.4f %10.4f %12.6f %12.6f\n", config.name, seconds.front(),
        seconds[seconds.size() / 2], bottleneck, lowerBound);
  }
  return 0;
}
