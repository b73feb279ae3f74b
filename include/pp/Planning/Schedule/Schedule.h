//===- Schedule.h - Per-stage action lists ----------------------*- C++ -*-===//
//
// A schedule is one action list per pipeline stage. The model is cut into
// `NumStages * NumChunks` virtual stages; `Placement` says which stage and
// local chunk hold each virtual stage.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_SCHEDULE_H
#define PP_PLANNING_SCHEDULE_SCHEDULE_H

#include "pp/Planning/Schedule/Action.h"
#include "pp/Support/PipelineLimits.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pp::sched {

/// How virtual stages map to (stage, chunk).
enum class Placement : uint8_t {
  /// Virtual stage k lives on stage k % p as chunk k / p (Megatron's
  /// interleaving; with one chunk, the plain pipeline).
  Loop,
  /// Two chunks in a V: virtual stage k < p on stage k chunk 0, virtual stage
  /// k >= p on stage 2p-1-k chunk 1 (ZB-V). Needs NumChunks == 2.
  VShape,
};

llvm::StringRef placementName(Placement P);
std::optional<Placement> parsePlacement(llvm::StringRef Name);

/// The largest pipelines pp plans (pp/Support/PipelineLimits.h, shared with
/// the runtime's loader); larger requests are refused at once with an error
/// that states the limits.
inline constexpr int kMaxStages = kMaxPipelineStages;
inline constexpr int kMaxMicrobatches = kMaxPipelineMicrobatches;
inline constexpr int kMaxVirtualStages = kMaxPipelineChunks;
inline constexpr int64_t kMaxScheduleUnits = kMaxPipelineUnits;

/// An error naming the limit that `stages`, `microbatches` and `chunks`
/// (per stage) exceed, or success.
llvm::Error checkScheduleSize(int64_t stages, int64_t microbatches,
                              int64_t chunks);

struct Schedule {
  /// The generator that made it ("1f1b", ...) or "custom".
  std::string Name = "custom";
  int NumStages = 1;
  int NumMicrobatches = 1;
  int NumChunks = 1;
  Placement Place = Placement::Loop;
  /// Stages[s] is stage s's action list, in execution order.
  std::vector<std::vector<Action>> Stages;

  int numVirtualStages() const { return NumStages * NumChunks; }
  /// The virtual stage of local chunk `Chunk` on stage `Stage`.
  int virtualStage(int Stage, int Chunk) const;
  /// The (stage, chunk) that holds virtual stage `V`.
  std::pair<int, int> locate(int V) const;

  /// True if some stage holds a SEND or RECV.
  bool hasCommunication() const;
  /// Total number of actions over all stages.
  size_t numActions() const;

  bool operator==(const Schedule &O) const {
    return Name == O.Name && NumStages == O.NumStages &&
           NumMicrobatches == O.NumMicrobatches && NumChunks == O.NumChunks &&
           Place == O.Place && Stages == O.Stages;
  }
  bool operator!=(const Schedule &O) const { return !(*this == O); }
};

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_SCHEDULE_H
