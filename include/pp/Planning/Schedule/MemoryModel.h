//===- MemoryModel.h - A stage's memory, action by action -------*- C++ -*-===//
//
// The byte-accurate memory model of one pipeline stage: what each action of
// its list allocates and frees, in the bytes the runtime's buffer pool
// counts (every buffer rounded up to 64 bytes). The figures per chunk come
// from the stage's functions (pp::computeStageMemory reads them from the
// IR); walking a stage's action list over them gives the bytes held after
// every action and the most held at once, which is the stage's predicted
// peak. The simulator, pp-schedule's memory limit, pp-recompute's auto
// policy, the plan report and pp-run's --report all use this one model.
// docs/Memory.md explains each term against the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_MEMORYMODEL_H
#define PP_PLANNING_SCHEDULE_MEMORYMODEL_H

#include "pp/Planning/Schedule/Action.h"

#include <cstdint>
#include <vector>

namespace pp::sched {

/// The bytes a pool buffer of `bytes` takes: rounded up to 64, at least 64.
inline double poolBytes(double bytes) {
  double rounded = double((uint64_t(bytes) + 63) / 64 * 64);
  return rounded < 64 ? 64 : rounded;
}

/// Per microbatch, what one chunk (virtual stage) of a stage allocates and
/// frees, in pool bytes.
struct ChunkMemory {
  /// RF allocates the boundary inputs; F releases them (but for those its
  /// results keep: counted in SavedB/SavedW/BoundaryOut).
  double Received = 0;
  /// Most bytes F's run has allocated at once beyond its arguments
  /// (temporaries and the results made so far).
  double PeakF = 0;
  /// F's results: saved values only B reads, saved values W reads (both
  /// including received buffers they keep), other outputs (the loss, freed
  /// after B) and the boundary outputs (freed when SF sends them).
  double SavedB = 0, SavedW = 0, Outputs = 0, BoundaryOut = 0;
  /// RB allocates the gradients of the boundary outputs; B releases them.
  double GradsReceived = 0;
  /// The zero (or loss) gradient seeds B's run takes, allocated before it
  /// and released after it.
  double Seeds = 0;
  /// Most bytes B's run has allocated at once: its temporaries, the
  /// forward values it recomputes, its results.
  double PeakB = 0;
  /// B's results: the gradients of the boundary inputs (freed when SB sends
  /// them) and what W reads (cotangents, recomputed values, input
  /// gradients), freed after W.
  double BoundaryInGrad = 0, ForW = 0;
  double PeakW = 0;
  /// W's results, the parameters' gradients: the first microbatch's become
  /// the step's accumulators, later ones are added and released.
  double ParamGrads = 0;

  /// Bytes one microbatch holds here from the end of F until B.
  double heldAfterF() const { return SavedB + SavedW + Outputs; }
};

/// The memory of one stage.
struct StageMemory {
  /// Held all the time: the parameters (and their constants) the stage's
  /// functions read.
  double Parameters = 0;
  /// Optimizer state held all the time after the first step (AdamW: two
  /// buffers per trainable parameter, momentum SGD one, SGD none).
  double OptimizerState = 0;
  /// Pool bytes of one buffer per trainable parameter: OptimizerState is
  /// this times the optimizer's state count.
  double TrainableBytes = 0;
  /// Bytes a TR receives (the peers' gradients of tied parameters), held
  /// until the optimizer step.
  double TiedReceived = 0;
  /// Kernels' scratch the stage's context keeps between calls (its
  /// largest request: a convolution's column matrix), held all the time.
  double Workspace = 0;
  /// By local chunk.
  std::vector<ChunkMemory> Chunks;
};

/// The bytes held along one stage's action list in a steady training step
/// (after the first, when the optimizer state exists).
struct MemoryWalk {
  /// Held before the first action: parameters, optimizer state and the
  /// kernels' scratch.
  double Base = 0;
  /// After[i]: held after action i; During[i]: the most held while it ran.
  std::vector<double> After, During;
  double Peak = 0;
  /// Index of the action at the peak (-1: before the first).
  int PeakAction = -1;
};

/// Walks `actions` (a stage's list, with or without SEND/RECV) over
/// `memory`. An F without an RF before it takes its input from the
/// previous local chunk's boundary output (interleaved and V placements);
/// a B without an RB likewise from the next local chunk's input gradient.
MemoryWalk walkStageMemory(const std::vector<Action> &actions,
                           const StageMemory &memory);

/// The state count of an optimizer: "adamw"/"adam" 2, "momentum" 1,
/// "sgd" 0.
int optimizerStateCount(llvm::StringRef optimizer);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_MEMORYMODEL_H
