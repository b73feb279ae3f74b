//===- Schedule.cpp - Virtual-stage placement -----------------------------===//

#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace pp::sched {

StringRef placementName(Placement P) {
  return P == Placement::Loop ? "loop" : "v";
}

std::optional<Placement> parsePlacement(StringRef Name) {
  return StringSwitch<std::optional<Placement>>(Name)
      .Case("loop", Placement::Loop)
      .Case("v", Placement::VShape)
      .Default(std::nullopt);
}

int Schedule::virtualStage(int Stage, int Chunk) const {
  if (Place == Placement::VShape)
    return Chunk == 0 ? Stage : 2 * NumStages - 1 - Stage;
  return Chunk * NumStages + Stage;
}

std::pair<int, int> Schedule::locate(int V) const {
  if (Place == Placement::VShape)
    return V < NumStages ? std::make_pair(V, 0)
                         : std::make_pair(2 * NumStages - 1 - V, 1);
  return {V % NumStages, V / NumStages};
}

bool Schedule::hasCommunication() const {
  for (const auto &List : Stages)
    for (const Action &A : List)
      if (isComm(A.Kind))
        return true;
  return false;
}

size_t Schedule::numActions() const {
  size_t N = 0;
  for (const auto &List : Stages)
    N += List.size();
  return N;
}

} // namespace pp::sched
