//===- TextForm.cpp - Printing and parsing the text form ------------------===//

#include "pp/Planning/Schedule/TextForm.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace pp::sched {

void printSchedule(raw_ostream &OS, const Schedule &S) {
  OS << "schedule " << S.Name << " stages=" << S.NumStages
     << " microbatches=" << S.NumMicrobatches << " chunks=" << S.NumChunks
     << " placement=" << placementName(S.Place) << '\n';
  for (size_t I = 0; I < S.Stages.size(); ++I) {
    OS << 's' << I << ':';
    for (const Action &A : S.Stages[I]) {
      OS << ' ';
      printAction(OS, A, S.NumChunks);
    }
    OS << '\n';
  }
}

std::string scheduleToString(const Schedule &S) {
  std::string Str;
  raw_string_ostream OS(Str);
  printSchedule(OS, S);
  return Str;
}

static Error lineError(unsigned Line, const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(),
                           "line " + Twine(Line) + ": " + Msg);
}

static Error parseHeader(StringRef Rest, unsigned LineNo, Schedule &S,
                         bool &HaveStages, bool &HaveMbs, bool &HaveChunks) {
  SmallVector<StringRef> Words;
  SplitString(Rest, Words);
  for (StringRef Word : Words) {
    auto [Key, Value] = Word.split('=');
    if (Value.empty() && !Word.contains('=')) {
      S.Name = Key.str();
      continue;
    }
    if (Key == "placement") {
      auto P = parsePlacement(Value);
      if (!P)
        return lineError(LineNo, "placement must be 'loop' or 'v', not '" +
                                     Value + "'");
      S.Place = *P;
      continue;
    }
    unsigned N;
    if (Value.getAsInteger(10, N) || N == 0 || N > 1000000)
      return lineError(LineNo, "'" + Key + "' needs a positive integer, not '" +
                                   Value + "'");
    if (Key == "stages") {
      S.NumStages = N;
      HaveStages = true;
    } else if (Key == "microbatches") {
      S.NumMicrobatches = N;
      HaveMbs = true;
    } else if (Key == "chunks") {
      S.NumChunks = N;
      HaveChunks = true;
    } else {
      return lineError(LineNo, "unknown header key '" + Key +
                                   "' (expected stages, microbatches, chunks "
                                   "or placement)");
    }
  }
  return Error::success();
}

Expected<Schedule> parseSchedule(StringRef Text) {
  Schedule S;
  bool HaveStages = false, HaveMbs = false, HaveChunks = false;
  SmallVector<StringRef> Lines;
  Text.split(Lines, '\n');
  int MaxMb = -1, MaxChunk = -1;
  unsigned HeaderLine = 0;
  for (unsigned I = 0; I < Lines.size(); ++I) {
    unsigned LineNo = I + 1;
    StringRef Line = Lines[I].split('#').first.trim();
    if (Line.empty())
      continue;
    if (Line.consume_front("schedule")) {
      if (!Line.empty() && !isSpace(Line.front()))
        return lineError(LineNo, "expected 'schedule' followed by a space");
      if (!S.Stages.empty())
        return lineError(LineNo, "the header must come before the stages");
      if (Error E =
              parseHeader(Line, LineNo, S, HaveStages, HaveMbs, HaveChunks))
        return std::move(E);
      HeaderLine = LineNo;
      continue;
    }
    auto [Label, Body] = Line.split(':');
    unsigned StageNo;
    if (!Label.consume_front("s") || Label.trim().getAsInteger(10, StageNo) ||
        Body.data() == nullptr || !Line.contains(':'))
      return lineError(LineNo, "expected 'sN: actions...' or a "
                               "'schedule' header, got '" +
                                   Line + "'");
    if (StageNo != S.Stages.size())
      return lineError(LineNo, formatv("expected stage s{0}, got s{1} (stage "
                                       "lines must be in order)",
                                       S.Stages.size(), StageNo)
                                   .str());
    S.Stages.emplace_back();
    SmallVector<StringRef> Tokens;
    SplitString(Body, Tokens);
    for (StringRef Tok : Tokens) {
      Expected<Action> A = parseAction(Tok);
      if (!A)
        return lineError(LineNo, toString(A.takeError()));
      if (A->Kind != ActionKind::OptimizerStep &&
          A->Kind != ActionKind::TiedReduce) {
        // Refused here, before anything is sized by it.
        if (A->Microbatch >= kMaxMicrobatches || A->Chunk >= kMaxVirtualStages)
          return lineError(LineNo,
                           formatv("'{0}': microbatch or chunk beyond pp's "
                                   "limits ({1} microbatches, {2} chunks)",
                                   Tok, kMaxMicrobatches, kMaxVirtualStages)
                               .str());
        MaxMb = std::max<int>(MaxMb, A->Microbatch);
        MaxChunk = std::max<int>(MaxChunk, A->Chunk);
      }
      S.Stages.back().push_back(*A);
    }
  }
  if (S.Stages.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no stage lines ('s0: ...') in the schedule");
  if (!HaveStages)
    S.NumStages = S.Stages.size();
  else if (S.NumStages != static_cast<int>(S.Stages.size()))
    return createStringError(
        inconvertibleErrorCode(),
        formatv("the header says stages={0} but there are {1} stage lines",
                S.NumStages, S.Stages.size()));
  if (!HaveMbs)
    S.NumMicrobatches = std::max(1, MaxMb + 1);
  if (!HaveChunks)
    S.NumChunks = std::max(1, MaxChunk + 1);
  // Verification and simulation size their tables by these counts: refuse
  // what pp does not plan before anything is allocated.
  if (Error E = checkScheduleSize(S.NumStages, S.NumMicrobatches, S.NumChunks))
    return HeaderLine && (HaveStages || HaveMbs || HaveChunks)
               ? lineError(HeaderLine, toString(std::move(E)))
               : std::move(E);
  return S;
}

} // namespace pp::sched
