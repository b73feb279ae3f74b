//===- Action.cpp - Action mnemonics, printing and parsing ----------------===//

#include "pp/Planning/Schedule/Action.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace pp::sched {

StringRef mnemonic(ActionKind K) {
  switch (K) {
  case ActionKind::Forward:
    return "F";
  case ActionKind::BackwardInput:
    return "B";
  case ActionKind::BackwardWeight:
    return "W";
  case ActionKind::FullBackward:
    return "BW";
  case ActionKind::SendF:
    return "SF";
  case ActionKind::RecvF:
    return "RF";
  case ActionKind::SendB:
    return "SB";
  case ActionKind::RecvB:
    return "RB";
  case ActionKind::TiedReduce:
    return "TR";
  case ActionKind::OptimizerStep:
    return "OPT";
  }
  llvm_unreachable("unknown action kind");
}

StringRef describe(ActionKind K) {
  switch (K) {
  case ActionKind::Forward:
    return "forward";
  case ActionKind::BackwardInput:
    return "backward-input";
  case ActionKind::BackwardWeight:
    return "backward-weight";
  case ActionKind::FullBackward:
    return "full-backward";
  case ActionKind::SendF:
    return "send-forward";
  case ActionKind::RecvF:
    return "recv-forward";
  case ActionKind::SendB:
    return "send-backward";
  case ActionKind::RecvB:
    return "recv-backward";
  case ActionKind::TiedReduce:
    return "tied-grad-reduce";
  case ActionKind::OptimizerStep:
    return "optimizer-step";
  }
  llvm_unreachable("unknown action kind");
}

void printAction(raw_ostream &OS, const Action &A, int NumChunks) {
  OS << mnemonic(A.Kind);
  if (A.Kind == ActionKind::OptimizerStep)
    return;
  if (A.Kind == ActionKind::TiedReduce) {
    OS << '~' << A.Peer;
    return;
  }
  OS << A.Microbatch;
  if (NumChunks > 1 || A.Chunk != 0)
    OS << '.' << A.Chunk;
  if (isSend(A.Kind))
    OS << '>' << A.Peer;
  else if (isRecv(A.Kind))
    OS << '<' << A.Peer;
}

std::string actionToString(const Action &A, int NumChunks) {
  std::string Str;
  raw_string_ostream OS(Str);
  printAction(OS, A, NumChunks);
  return Str;
}

std::string formatNumber(double Value) {
  std::string Str;
  raw_string_ostream OS(Str);
  OS << format("%g", Value);
  return Str;
}

static Error badToken(StringRef Token, StringRef Why) {
  return createStringError(inconvertibleErrorCode(),
                           formatv("bad action '{0}': {1}", Token, Why));
}

Expected<Action> parseAction(StringRef Token) {
  if (Token == "OPT")
    return Action{ActionKind::OptimizerStep, 0, 0, -1};
  StringRef Rest = Token;
  size_t NumLetters = 0;
  while (NumLetters < Rest.size() && isAlpha(Rest[NumLetters]))
    ++NumLetters;
  StringRef Mnemonic = Rest.take_front(NumLetters);
  Rest = Rest.drop_front(NumLetters);
  std::optional<ActionKind> Kind =
      StringSwitch<std::optional<ActionKind>>(Mnemonic)
          .Case("F", ActionKind::Forward)
          .Case("B", ActionKind::BackwardInput)
          .Case("W", ActionKind::BackwardWeight)
          .Case("BW", ActionKind::FullBackward)
          .Case("SF", ActionKind::SendF)
          .Case("RF", ActionKind::RecvF)
          .Case("SB", ActionKind::SendB)
          .Case("RB", ActionKind::RecvB)
          .Case("TR", ActionKind::TiedReduce)
          .Default(std::nullopt);
  if (!Kind)
    return badToken(Token, "unknown kind '" + Mnemonic.str() +
                               "' (expected F, B, W, BW, SF, RF, SB, RB, "
                               "TR or OPT)");
  Action A;
  A.Kind = *Kind;
  auto ReadInt = [&](int32_t &Out, StringRef What) -> Error {
    size_t Digits = 0;
    while (Digits < Rest.size() && isDigit(Rest[Digits]))
      ++Digits;
    unsigned long long Value;
    if (Digits == 0 || Digits > 9 ||
        getAsUnsignedInteger(Rest.take_front(Digits), 10, Value))
      return badToken(Token, ("expected " + What).str());
    Out = static_cast<int32_t>(Value);
    Rest = Rest.drop_front(Digits);
    return Error::success();
  };
  if (A.Kind == ActionKind::TiedReduce) {
    if (!Rest.consume_front("~"))
      return badToken(Token, "expected '~' and the peer stage after TR");
    if (Error E = ReadInt(A.Peer, "the peer stage"))
      return std::move(E);
  } else {
    if (Error E = ReadInt(A.Microbatch, "a microbatch number"))
      return std::move(E);
    if (Rest.consume_front("."))
      if (Error E = ReadInt(A.Chunk, "a chunk number after '.'"))
        return std::move(E);
    if (isSend(A.Kind)) {
      if (!Rest.consume_front(">"))
        return badToken(Token, "expected '>' and the destination stage");
      if (Error E = ReadInt(A.Peer, "the destination stage"))
        return std::move(E);
    } else if (isRecv(A.Kind)) {
      if (!Rest.consume_front("<"))
        return badToken(Token, "expected '<' and the source stage");
      if (Error E = ReadInt(A.Peer, "the source stage"))
        return std::move(E);
    }
  }
  if (!Rest.empty())
    return badToken(Token, "unexpected '" + Rest.str() + "'");
  return A;
}

} // namespace pp::sched
