//===- CostModel.cpp - Per-action times and sizes -------------------------===//

#include "pp/Planning/Schedule/CostModel.h"

#include <cassert>

namespace pp::sched {

CostModel CostModel::uniform(int NumStages, double F, double B, double W,
                             double Comm) {
  CostModel C;
  StageCost SC;
  SC.F = F;
  SC.B = B;
  SC.W = W;
  C.Stages.assign(std::max(1, NumStages), SC);
  C.Latency = Comm;
  return C;
}

const StageCost &CostModel::stage(int Stage) const {
  static const StageCost Default;
  if (Stages.empty())
    return Default;
  if (Stage < 0)
    Stage = 0;
  return Stages[std::min<size_t>(Stage, Stages.size() - 1)];
}

const StageCost *CostModel::virtualStage(int Stage, int Chunk,
                                         int NumChunks) const {
  int P = static_cast<int>(Stages.size());
  if (NumChunks < 2 || P == 0 ||
      static_cast<int>(Virtual.size()) != P * NumChunks || Stage < 0 ||
      Stage >= P || Chunk < 0 || Chunk >= NumChunks)
    return nullptr;
  int K = Chunk * P + Stage;
  if (Place == Placement::VShape && NumChunks == 2 && Chunk == 1)
    K = 2 * P - 1 - Stage;
  return &Virtual[K];
}

static double share(const std::vector<double> &PerChunk, double Total,
                    int Chunk, int NumChunks) {
  if (static_cast<int>(PerChunk.size()) == NumChunks)
    return PerChunk[Chunk];
  return Total / NumChunks;
}

double CostModel::computeTime(ActionKind K, int Stage, int Chunk,
                              int NumChunks) const {
  if (const StageCost *VC = virtualStage(Stage, Chunk, NumChunks)) {
    switch (K) {
    case ActionKind::Forward:
      return VC->F;
    case ActionKind::BackwardInput:
      return VC->B;
    case ActionKind::BackwardWeight:
      return VC->W;
    case ActionKind::FullBackward:
      return VC->B + VC->W;
    default:
      break;
    }
  }
  const StageCost &SC = stage(Stage);
  switch (K) {
  case ActionKind::Forward:
    return share(SC.ChunkF, SC.F, Chunk, NumChunks);
  case ActionKind::BackwardInput:
    return share(SC.ChunkB, SC.B, Chunk, NumChunks);
  case ActionKind::BackwardWeight:
    return share(SC.ChunkW, SC.W, Chunk, NumChunks);
  case ActionKind::FullBackward:
    return share(SC.ChunkB, SC.B, Chunk, NumChunks) +
           share(SC.ChunkW, SC.W, Chunk, NumChunks);
  case ActionKind::OptimizerStep:
    return OptimizerTime;
  case ActionKind::TiedReduce:
    return TiedReduceTime;
  default:
    return 0;
  }
}

double CostModel::transferBytes(int Stage, int Chunk, int NumChunks) const {
  if (const StageCost *VC = virtualStage(Stage, Chunk, NumChunks))
    return VC->OutputBytes.empty() ? 0 : VC->OutputBytes.front();
  const StageCost &SC = stage(Stage);
  if (SC.OutputBytes.empty())
    return 0;
  if (static_cast<int>(SC.OutputBytes.size()) == NumChunks)
    return SC.OutputBytes[Chunk];
  return SC.OutputBytes.front();
}

double CostModel::transferTime(int Stage, int Chunk, int NumChunks) const {
  double Bytes = transferBytes(Stage, Chunk, NumChunks);
  return Latency + (Bandwidth > 0 ? Bytes / Bandwidth : 0);
}

double CostModel::activationBytes(int Stage, int NumChunks) const {
  if (virtualStage(Stage, 0, NumChunks)) {
    // The simulator counts chunk-microbatches: charge the stage's chunks'
    // mean.
    double Sum = 0;
    for (int C = 0; C < NumChunks; ++C)
      Sum += virtualStage(Stage, C, NumChunks)->ActivationBytes;
    return Sum / NumChunks;
  }
  return stage(Stage).ActivationBytes / NumChunks;
}

double CostModel::tiedReduceTime(int A, int B, int NumChunks) const {
  int P = static_cast<int>(Stages.size());
  auto stageOf = [&](int K) {
    if (NumChunks == 2 && Place == Placement::VShape)
      return K < P ? K : 2 * P - 1 - K;
    return P > 0 ? K % P : K;
  };
  double Bytes = 0;
  bool Shared = false;
  for (const TiedParameters &T : Tied) {
    bool HasA = false, HasB = false;
    for (int K : T.VirtualStages) {
      HasA |= stageOf(K) == A;
      HasB |= stageOf(K) == B;
    }
    if (HasA && HasB) {
      Bytes += T.Bytes;
      Shared = true;
    }
  }
  if (!Shared)
    return TiedReduceTime;
  return 2 * Latency + (Bandwidth > 0 ? Bytes / Bandwidth : 0);
}

} // namespace pp::sched
