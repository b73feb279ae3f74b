//===- Generators.h - Schedule generators -----------------------*- C++ -*-===//
//
// gpipe, 1f1b, interleaved-1f1b, zb-h1, zb-h2, zb-v, dualpipev and auto.
// Generators produce compute-only lists (F, B, W, BW, TR, OPT);
// `lowerCommunication` (Lowering.h) inserts the matched SEND/RECV pairs.
// `generate` does both.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_GENERATORS_H
#define PP_PLANNING_SCHEDULE_GENERATORS_H

#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace pp::sched {

enum class ScheduleKind : uint8_t {
  GPipe,
  OneFOneB,
  Interleaved1F1B,
  ZBH1,
  ZBH2,
  ZBV,
  DualPipeV,
  Search,
  Auto,
};

llvm::StringRef kindName(ScheduleKind K);
std::optional<ScheduleKind> parseKind(llvm::StringRef Name);
/// "gpipe, 1f1b, interleaved-1f1b, zb-h1, zb-h2, zb-v, dualpipev, auto".
std::string kindNames();
/// zb-v and dualpipev: two chunks per stage in the V placement.
bool isVShaped(ScheduleKind K);

struct ScheduleOptions {
  ScheduleKind Kind = ScheduleKind::OneFOneB;
  int NumStages = 4;
  int NumMicrobatches = 8;
  /// Chunks per stage. 0 picks the kind's default: 2 for interleaved-1f1b
  /// and zb-v, 1 otherwise.
  int VirtualStages = 0;
  /// Append OPT to every stage.
  bool OptimizerStep = true;
  /// Add a tied-weight gradient reduction (TR) between the stages holding
  /// the first and the last virtual stage (e.g. tied embedding and LM head).
  bool TiedEmbedding = false;
  /// Groups of virtual stages that share a trainable parameter: every two
  /// stages holding members of one group reduce their gradients (one TR pair
  /// per pair of stages, whatever the number of shared parameters). Pairs
  /// are ordered (lower stage, higher stage) and every stage runs its TRs in
  /// that order, which cannot deadlock.
  std::vector<std::vector<int>> TiedGroups;
  /// For auto: the chunks per stage of the stage cut (0: any). Candidates
  /// with another chunk count are rejected: their virtual stages would not
  /// be the cut's.
  int CutChunks = 0;
  /// Insert matched SEND/RECV pairs (generate() only).
  bool InsertCommunication = true;
  /// For auto and search: the most activations (in `peak_activations`
  /// units, microbatches) any stage may hold; 0 means no limit.
  double MemoryLimit = 0;
  /// For auto and search: the most bytes (`peak_bytes`) any stage may
  /// hold: with CostModel::Memory its whole predicted memory, else the
  /// costs' activation bytes held from F to the end of W; 0 means no
  /// limit.
  double MemoryLimitBytes = 0;
  /// Costs that zb-h1/zb-h2/zb-v and auto schedule against; null means
  /// uniform F = B = W = 1.
  const CostModel *Costs = nullptr;
};

/// The compute-only action lists of one kind (not auto). Errors explain
/// unmet conditions and suggest the nearest valid settings.
llvm::Expected<Schedule> generateComputeOnly(const ScheduleOptions &Opts);

/// generateComputeOnly, then lowerCommunication if asked. For auto, the
/// fastest candidate (see chooseSchedule).
llvm::Expected<Schedule> generate(const ScheduleOptions &Opts);

/// One candidate that auto considered.
struct AutoCandidate {
  std::string Label;   ///< e.g. "interleaved-1f1b v=2"
  double StepTime = 0; ///< 0 if it was not simulated
  double Bubble = 0;
  double PeakActivations = 0;
  std::string Rejected; ///< why it was not eligible; empty if it was
};

struct AutoResult {
  Schedule Chosen;
  std::vector<AutoCandidate> Candidates;
  /// One sentence: what was chosen and why.
  std::string Reason;
};

/// Generates every kind (interleaved with v = 2, 3, 4 where valid), lowers
/// and simulates each with `Costs`, drops those over `Opts.MemoryLimit`, and
/// keeps the fastest (ties go to the lower peak memory).
llvm::Expected<AutoResult> chooseSchedule(const ScheduleOptions &Opts,
                                          const CostModel &Costs);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_GENERATORS_H
