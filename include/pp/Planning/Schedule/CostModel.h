//===- CostModel.h - Times and sizes the simulator uses ---------*- C++ -*-===//
//
// Per-stage forward/backward-input/backward-weight times (optionally per
// chunk), per-transfer latency and bandwidth with per-virtual-stage output
// bytes, and per-virtual-stage activation bytes kept between F and W.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_COSTMODEL_H
#define PP_PLANNING_SCHEDULE_COSTMODEL_H

#include "pp/Planning/Schedule/Action.h"
#include "pp/Planning/Schedule/MemoryModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include <vector>

namespace pp::sched {

struct StageCost {
  /// Time of one microbatch's F, B and W on the whole stage. With `v`
  /// chunks, each chunk takes a 1/v share unless ChunkF/B/W say otherwise.
  double F = 1, B = 1, W = 1;
  /// Optional explicit per-chunk times (size = number of chunks).
  std::vector<double> ChunkF, ChunkB, ChunkW;
  /// Bytes of one microbatch's output activation of each chunk (the tensor
  /// sent forward; the gradient sent back has the same size). A single entry
  /// applies to every chunk.
  std::vector<double> OutputBytes;
  /// Activation bytes one microbatch keeps on the whole stage between the
  /// start of its F and the end of its W (split evenly over chunks).
  double ActivationBytes = 0;
};

/// Trainable parameters shared by several virtual stages (a tied embedding
/// and LM head): their gradients are all-reduced once per step.
struct TiedParameters {
  std::vector<int> VirtualStages;
  double Bytes = 0;
};

struct CostModel {
  std::vector<StageCost> Stages;
  /// Optional costs per virtual stage, in pipeline order, for a model cut
  /// into NumStages * NumChunks pieces (pp-partition-stages virtual-stages):
  /// entry k's F, B, W, ActivationBytes and OutputBytes (one entry: the bytes
  /// sent to virtual stage k + 1) are those of virtual stage k. They replace
  /// `Stages` for schedules with Virtual.size() / Stages.size() chunks per
  /// stage, mapped to (stage, chunk) through `Place`.
  std::vector<StageCost> Virtual;
  Placement Place = Placement::Loop;
  /// Transfer time = Latency + bytes / Bandwidth. Bandwidth in bytes per time
  /// unit; 0 means infinite.
  double Latency = 0;
  double Bandwidth = 0;
  /// Share of a chunk's activation bytes that B frees (the rest is freed by
  /// W). 0 means W keeps everything until it ends.
  double FreedByB = 0;
  double OptimizerTime = 0;
  /// A TR's time when `Tied` names nothing the two stages share.
  double TiedReduceTime = 0;
  /// What the stages share, priced by tiedReduceTime.
  std::vector<TiedParameters> Tied;
  /// Optional, one per stage: the byte-accurate memory model
  /// (MemoryModel.h). With it the simulator's memory timeline and peaks
  /// are the stage's whole memory in pool bytes, action by action; without
  /// it they count ActivationBytes only.
  std::vector<StageMemory> Memory;

  /// Every stage has times F, B, W; every transfer takes `Comm`.
  static CostModel uniform(int NumStages, double F = 1, double B = 1,
                           double W = 1, double Comm = 0);

  /// Duration of a compute action (F, B, W, BW, OPT, TR) of chunk `Chunk` on
  /// stage `Stage` when each stage has `NumChunks` chunks. Stages past the
  /// end of `Stages` reuse the last entry.
  double computeTime(ActionKind K, int Stage, int Chunk, int NumChunks) const;
  /// Time to move the output of chunk `Chunk` of stage `Stage` (or the
  /// gradient of that output).
  double transferTime(int Stage, int Chunk, int NumChunks) const;
  double transferBytes(int Stage, int Chunk, int NumChunks) const;
  /// Activation bytes one microbatch keeps for one chunk.
  double activationBytes(int Stage, int NumChunks) const;
  /// Time of the TR between stages `A` and `B` with `NumChunks` chunks per
  /// stage (virtual stages mapped through `Place`): an all-reduce of the
  /// gradients of every parameter both hold, as a ring of the two stages
  /// does it, two steps each moving half the bytes: 2 * Latency +
  /// bytes / Bandwidth. TiedReduceTime if they share nothing in `Tied`.
  double tiedReduceTime(int A, int B, int NumChunks) const;

private:
  const StageCost &stage(int Stage) const;
  /// The entry of `Virtual` for chunk `Chunk` of stage `Stage`, or null when
  /// the virtual costs do not apply to `NumChunks` chunks per stage.
  const StageCost *virtualStage(int Stage, int Chunk, int NumChunks) const;
};

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_COSTMODEL_H
