//===- Simulator.h - Timed simulation of a schedule -------------*- C++ -*-===//
//
// Event-driven simulation of a (verified) schedule: each stage runs its list
// in order on one compute stream; SENDs and RECVs do not occupy the compute
// stream: a transfer starts on the sender's link to that peer (one transfer
// at a time per link, in SEND order) once the tensor is produced, the SEND
// is issued and the RECV is posted, and takes latency + bytes / bandwidth.
// A compute waits for the arrival of the tensors it consumes.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_SIMULATOR_H
#define PP_PLANNING_SCHEDULE_SIMULATOR_H

#include "pp/Planning/Schedule/CostModel.h"
#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <vector>

namespace pp::sched {

/// When an action of a stage ran. For SEND/RECV, Start is when it was
/// issued/posted and End when the transfer finished (arrived).
struct ActionTiming {
  double Start = 0;
  double End = 0;
};

/// One step of a stage's activation memory: from `Time` on, the stage holds
/// `Activations` (whole-stage microbatch units) and `Bytes`.
struct MemoryPoint {
  double Time = 0;
  double Activations = 0;
  double Bytes = 0;
};

struct StageResult {
  double BusyTime = 0;   ///< sum of compute durations
  double IdleTime = 0;   ///< step time - busy time
  double Bubble = 0;     ///< idle time / step time
  double FirstStart = 0; ///< start of the first compute
  double EndTime = 0;    ///< end of the last action
  /// Most microbatches held at once between a microbatch's first F and the
  /// end of its last W (or BW) here, a chunk counting 1/NumChunks.
  double PeakActivations = 0;
  /// Same, but counting only until the end of B (or BW): the memory the
  /// zero-bubble papers count, since W keeps only a small part.
  double PeakPendingBackward = 0;
  /// The most bytes held at once: activations only, or with
  /// CostModel::Memory the stage's whole memory (its predicted peak).
  double PeakBytes = 0;
  /// With CostModel::Memory: the action at the peak (-1: none).
  int PeakAction = -1;
  size_t NumTransfersSent = 0;
  double BytesSent = 0;
  std::vector<MemoryPoint> Memory; ///< the memory timeline
};

/// One transfer, for traces.
struct Transfer {
  int From = 0, To = 0;
  Action Send; ///< the SEND action on `From`
  double Start = 0, End = 0;
  double Bytes = 0;
};

struct SimResult {
  double StepTime = 0;
  /// Total idle time of all stages / (stages * step time).
  double BubbleFraction = 0;
  /// Idle time inside each stage's own window [first start, end], over the
  /// sum of windows: the bubble left when consecutive steps may overlap
  /// (the zero-bubble papers' figure of merit).
  double WindowBubbleFraction = 0;
  double TotalCommTime = 0;
  std::vector<StageResult> Stages;
  /// Timings[s][i] is stage s's action i.
  std::vector<std::vector<ActionTiming>> Timings;
  std::vector<Transfer> Transfers;
};

/// Simulates `S` with `Costs`. `S` should have passed verify(); a schedule
/// that still gets stuck yields an error naming a stuck action. A schedule
/// without SEND/RECV is simulated with transfers that start as soon as the
/// producer finishes.
llvm::Expected<SimResult> simulate(const Schedule &S, const CostModel &Costs);

/// {"step_time", "bubble_fraction", "window_bubble_fraction",
///  "comm_time", "stages": [{"stage", "busy_time", "idle_time",
///  "bubble_fraction", "start_time", "end_time", "peak_activations",
///  "peak_pending_backward", "peak_bytes", "transfers_sent",
///  "bytes_sent"}]}
llvm::json::Value toJSON(const SimResult &R);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_SIMULATOR_H
