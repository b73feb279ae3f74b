//===- Schedule.cpp - Virtual-stage placement -----------------------------===//

#include "pp/Planning/Schedule/Schedule.h"

#include "llvm/ADT/StringSwitch.h"

using namespace llvm;

namespace pp::sched {

llvm::Error checkScheduleSize(int64_t stages, int64_t microbatches,
                              int64_t chunks) {
  auto refuse = [](const llvm::Twine &what) {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        what + " (pp plans at most " + llvm::Twine(kMaxStages) + " stages, " +
            llvm::Twine(kMaxMicrobatches) + " microbatches, " +
            llvm::Twine(kMaxVirtualStages) +
            " chunks per stage, and stages x microbatches x chunks up to " +
            llvm::Twine(kMaxScheduleUnits) + ")");
  };
  if (stages > kMaxStages)
    return refuse(llvm::Twine(stages) + " stages are too many");
  if (microbatches > kMaxMicrobatches)
    return refuse(llvm::Twine(microbatches) + " microbatches are too many");
  if (chunks > kMaxVirtualStages)
    return refuse(llvm::Twine(chunks) + " chunks per stage are too many");
  if (stages * microbatches * std::max<int64_t>(chunks, 1) > kMaxScheduleUnits)
    return refuse(llvm::Twine(stages) + " stages x " +
                  llvm::Twine(microbatches) + " microbatches x " +
                  llvm::Twine(std::max<int64_t>(chunks, 1)) +
                  " chunks is too large a schedule");
  return llvm::Error::success();
}

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
