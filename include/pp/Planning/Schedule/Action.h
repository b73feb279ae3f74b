//===- Action.h - One action of a pipeline schedule -------------*- C++ -*-===//
//
// An action is what one pipeline stage does next: a compute pass (F, B, W or
// the fused backward BW) on one microbatch and one of the stage's chunks
// (virtual stages), a point-to-point transfer of an activation or a gradient,
// the reduction of tied-weight gradients, or the optimizer step.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_SCHEDULE_ACTION_H
#define PP_PLANNING_SCHEDULE_ACTION_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace pp::sched {

enum class ActionKind : uint8_t {
  Forward,        ///< F: forward pass of one chunk.
  BackwardInput,  ///< B: gradient of the chunk's input (sent upstream).
  BackwardWeight, ///< W: gradient of the chunk's weights (kept locally).
  FullBackward,   ///< BW: B and W fused into one pass.
  SendF,          ///< SF: send a chunk's forward output to a peer stage.
  RecvF,          ///< RF: receive a chunk's forward input from a peer stage.
  SendB,          ///< SB: send the gradient of a chunk's input upstream.
  RecvB,          ///< RB: receive the gradient of a chunk's output.
  TiedReduce,     ///< TR: all-reduce of tied-weight gradients with a peer.
  OptimizerStep,  ///< OPT: the optimizer step, once per training step.
};

/// Number of distinct action kinds.
constexpr unsigned NumActionKinds = 10;

/// One entry of a stage's action list. For compute and communication actions
/// `Microbatch` and `Chunk` name the microbatch and the *local* chunk of the
/// stage the action runs on; `Peer` is the other stage of a transfer or of a
/// tied reduction (-1 otherwise).
struct Action {
  ActionKind Kind = ActionKind::Forward;
  int32_t Microbatch = 0;
  int32_t Chunk = 0;
  int32_t Peer = -1;

  static Action compute(ActionKind K, int Mb, int Chunk = 0) {
    return Action{K, Mb, Chunk, -1};
  }
  static Action comm(ActionKind K, int Mb, int Chunk, int Peer) {
    return Action{K, Mb, Chunk, Peer};
  }

  bool operator==(const Action &O) const {
    return Kind == O.Kind && Microbatch == O.Microbatch && Chunk == O.Chunk &&
           Peer == O.Peer;
  }
  bool operator!=(const Action &O) const { return !(*this == O); }
};

/// F, B, W or BW: an action that occupies the stage's compute stream.
inline bool isCompute(ActionKind K) {
  return K == ActionKind::Forward || K == ActionKind::BackwardInput ||
         K == ActionKind::BackwardWeight || K == ActionKind::FullBackward;
}
/// SF, RF, SB or RB.
inline bool isComm(ActionKind K) {
  return K == ActionKind::SendF || K == ActionKind::RecvF ||
         K == ActionKind::SendB || K == ActionKind::RecvB;
}
inline bool isSend(ActionKind K) {
  return K == ActionKind::SendF || K == ActionKind::SendB;
}
inline bool isRecv(ActionKind K) {
  return K == ActionKind::RecvF || K == ActionKind::RecvB;
}
/// B or BW: the actions that produce the gradient of a chunk's input.
inline bool isInputGrad(ActionKind K) {
  return K == ActionKind::BackwardInput || K == ActionKind::FullBackward;
}
/// W or BW: the actions after which a chunk's activations are freed.
inline bool isWeightGrad(ActionKind K) {
  return K == ActionKind::BackwardWeight || K == ActionKind::FullBackward;
}

/// The text-form mnemonic of a kind: F, B, W, BW, SF, RF, SB, RB, TR, OPT.
llvm::StringRef mnemonic(ActionKind K);
/// A readable name: "forward", "backward-input", "send-forward", ...
llvm::StringRef describe(ActionKind K);

/// Prints one action in the text form (see docs/Schedules.md), e.g. `F3`,
/// `B3.1`, `SF3.1>2`, `RB0<1`, `TR~3`, `OPT`. The chunk suffix is printed
/// only when `NumChunks > 1`.
void printAction(llvm::raw_ostream &OS, const Action &A, int NumChunks);
std::string actionToString(const Action &A, int NumChunks);

/// A number as printf's %g prints it: "16", "0.25", "28.5".
std::string formatNumber(double Value);

/// Parses one action token of the text form.
llvm::Expected<Action> parseAction(llvm::StringRef Token);

} // namespace pp::sched

#endif // PP_PLANNING_SCHEDULE_ACTION_H
