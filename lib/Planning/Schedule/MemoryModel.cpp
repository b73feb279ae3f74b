//===- MemoryModel.cpp - A stage's memory, action by action ---------------===//
//
// Mirrors what the runtime's PipelineStage does with each action's tensors
// (runtime/lib/PipelineStageActions.cpp): the walk must change when that
// code changes what it keeps.
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Schedule/MemoryModel.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <map>
#include <utility>

namespace pp::sched {

namespace {

/// What one (chunk, microbatch) holds at a point of the walk.
struct Held {
  double Received = 0;      // RF's buffers, until F
  double FromF = 0;         // F's saved values and outputs, until B
  double ForWFromF = 0;     // of which W reads (released after W)
  double BoundaryOut = 0;   // until SF (or the next local chunk's F)
  double GradsReceived = 0; // RB's buffers, until B
  double BoundaryInGrad = 0;
  double ForW = 0;
};

} // namespace

MemoryWalk walkStageMemory(const std::vector<Action> &actions,
                           const StageMemory &memory) {
  MemoryWalk walk;
  walk.Base = memory.Parameters + memory.OptimizerState + memory.Workspace;
  double held = walk.Base;
  walk.Peak = held;
  std::map<std::pair<int, int>, Held> state;
  std::vector<bool> accumulating(memory.Chunks.size(), false);
  static const ChunkMemory kNone;
  auto chunkOf = [&](int c) -> const ChunkMemory & {
    return c >= 0 && size_t(c) < memory.Chunks.size() ? memory.Chunks[c]
                                                      : kNone;
  };
  // The input a local neighbour left for (chunk, mb): the boundary output of
  // another chunk's F (forward) or its boundary-input gradient (backward).
  auto takeLocal = [&](int chunk, int mb, bool forward) {
    for (auto &[key, h] : state) {
      if (key.second != mb || key.first == chunk)
        continue;
      double &bytes = forward ? h.BoundaryOut : h.BoundaryInGrad;
      if (bytes > 0) {
        double taken = bytes;
        bytes = 0;
        return taken;
      }
    }
    return 0.0;
  };

  auto backwardInput = [&](const Action &a, double &during) {
    const ChunkMemory &c = chunkOf(a.Chunk);
    Held &h = state[{a.Chunk, a.Microbatch}];
    double grads = h.GradsReceived;
    h.GradsReceived = 0;
    if (grads == 0 && c.GradsReceived > 0)
      grads = takeLocal(a.Chunk, a.Microbatch, /*forward=*/false);
    // The local neighbour's gradient stays referenced through the run.
    held += c.Seeds;
    during = std::max(during, held + c.PeakB);
    held += c.BoundaryInGrad + c.ForW;
    held -= c.Seeds + grads;
    // B releases what only it read (and the outputs); W's values stay.
    held -= h.FromF - h.ForWFromF;
    h.FromF = h.ForWFromF;
    h.BoundaryInGrad = c.BoundaryInGrad;
    h.ForW = c.ForW;
  };
  auto backwardWeight = [&](const Action &a, double &during) {
    const ChunkMemory &c = chunkOf(a.Chunk);
    Held &h = state[{a.Chunk, a.Microbatch}];
    during = std::max(during, held + c.PeakW);
    held -= h.FromF + h.ForW;
    h.FromF = h.ForWFromF = h.ForW = 0;
    // The first gradients of the step become the accumulators; later ones
    // are added to them and released.
    if (size_t(a.Chunk) < accumulating.size() && !accumulating[a.Chunk]) {
      accumulating[a.Chunk] = true;
      held += c.ParamGrads;
    }
  };

  for (const Action &a : actions) {
    const ChunkMemory &c = chunkOf(a.Chunk);
    Held &h = state[{a.Chunk, a.Microbatch}];
    double during = held;
    switch (a.Kind) {
    case ActionKind::RecvF:
      h.Received += c.Received;
      held += c.Received;
      during = held;
      break;
    case ActionKind::Forward: {
      double input = h.Received;
      h.Received = 0;
      if (input == 0 && c.Received > 0)
        input = takeLocal(a.Chunk, a.Microbatch, /*forward=*/true);
      during = held + c.PeakF;
      held += c.heldAfterF() + c.BoundaryOut - input;
      h.FromF = c.heldAfterF();
      h.ForWFromF = c.SavedW;
      h.BoundaryOut = c.BoundaryOut;
      break;
    }
    case ActionKind::SendF:
      held -= h.BoundaryOut;
      h.BoundaryOut = 0;
      break;
    case ActionKind::RecvB:
      h.GradsReceived += c.GradsReceived;
      held += c.GradsReceived;
      during = held;
      break;
    case ActionKind::BackwardInput:
      backwardInput(a, during);
      break;
    case ActionKind::BackwardWeight:
      backwardWeight(a, during);
      break;
    case ActionKind::FullBackward:
      backwardInput(a, during);
      backwardWeight(a, during);
      break;
    case ActionKind::SendB:
      held -= h.BoundaryInGrad;
      h.BoundaryInGrad = 0;
      break;
    case ActionKind::TiedReduce:
      held += memory.TiedReceived;
      during = held;
      break;
    case ActionKind::OptimizerStep:
      break;
    }
    during = std::max(during, held);
    walk.After.push_back(held);
    walk.During.push_back(during);
    if (during > walk.Peak) {
      walk.Peak = during;
      walk.PeakAction = int(walk.During.size()) - 1;
    }
  }
  return walk;
}

int optimizerStateCount(llvm::StringRef optimizer) {
  return llvm::StringSwitch<int>(optimizer)
      .Cases("adamw", "adam", 2)
      .Case("momentum", 1)
      .Default(0);
}

} // namespace pp::sched
