//===- pp-sched-fuzzer.cpp - libFuzzer target for the schedule text form --===//
//
// Feeds arbitrary bytes to what `pp-sched --input FILE` does with its file,
// with pp-sched's default costs (F = B = W = 1, transfers free): parse, then
// for a schedule that parses the checks of checkInputSchedule (verification,
// lowering of a compute-only schedule, verification again) and, for one that
// passes, the simulation. Any input must end in a result or an error: never
// a crash, a hang, unbounded memory or a sanitizer report.
//
//===----------------------------------------------------------------------===//

#include "pp/Planning/Schedule/InputCheck.h"
#include "pp/Planning/Schedule/Simulator.h"
#include "pp/Planning/Schedule/TextForm.h"

#include <cstdint>
#include <cstdlib>

using namespace pp::sched;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  llvm::Expected<Schedule> Parsed = parseSchedule(Text);
  if (!Parsed) {
    llvm::consumeError(Parsed.takeError());
    return 0;
  }
  CostModel Costs = CostModel::uniform(Parsed->NumStages);
  llvm::Expected<Schedule> Checked =
      checkInputSchedule(std::move(*Parsed), Costs, "fuzz.sched");
  if (!Checked) {
    llvm::consumeError(Checked.takeError());
    return 0;
  }
  llvm::Expected<SimResult> Sim = simulate(*Checked, Costs);
  // A verified schedule runs to completion: the simulator may not refuse it.
  if (!Sim) {
    llvm::errs() << "verified schedule not simulated: "
                 << llvm::toString(Sim.takeError()) << '\n';
    std::abort();
  }
  return 0;
}
