//===- StageOptions.cpp - Parsing pp-partition-stages' options ------------===//

#include "StageOptions.h"

#include "llvm/Support/ErrorHandling.h"

#include <algorithm>
#include <cmath>

using namespace pp;

static llvm::Error optionError(llvm::StringRef option, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "option '" + option + "': " + msg);
}

llvm::StringRef pp::getMethodName(partition::Method method) {
  switch (method) {
  case partition::Method::Optimal:
    return "optimal";
  case partition::Method::Uniform:
    return "uniform";
  case partition::Method::Parameters:
    return "parameters";
  }
  llvm_unreachable("unknown partition method");
}

llvm::StringRef pp::getGranularityName(partition::Granularity granularity) {
  switch (granularity) {
  case partition::Granularity::Op:
    return "op";
  case partition::Granularity::Layer:
    return "layer";
  }
  llvm_unreachable("unknown granularity");
}

unsigned pp::stageOfVirtualStage(llvm::StringRef schedule, unsigned k,
                                 unsigned p, unsigned v) {
  if ((schedule == "zb-v" || schedule == "dualpipev") && v == 2)
    return k < p ? k : 2 * p - 1 - k;
  return k % p;
}

llvm::Expected<std::vector<double>>
pp::getInFlight(llvm::StringRef schedule, unsigned p, unsigned m, unsigned v) {
  bool vShaped = schedule == "zb-v" || schedule == "dualpipev";
  bool chunked = schedule == "interleaved-1f1b" || vShaped;
  if (v > 1) {
    if (!chunked)
      return optionError(
          "schedule",
          "'" + schedule +
              "' runs one chunk per stage, but "
              "virtual-stages=" +
              llvm::Twine(v) +
              " was given: use interleaved-1f1b, or zb-v or dualpipev with "
              "virtual-stages=2");
    if (vShaped && v != 2)
      return optionError("virtual-stages", schedule +
                                               " places exactly 2 chunks per "
                                               "stage, not " +
                                               llvm::Twine(v));
    std::vector<double> inFlight(p * v);
    for (unsigned k = 0; k < p * v; ++k)
      inFlight[k] = std::min(p - stageOfVirtualStage(schedule, k, p, v), m);
    return inFlight;
  }
  std::vector<double> inFlight(p);
  for (unsigned i = 0; i < p; ++i) {
    unsigned ahead = p - i;
    if (schedule == "gpipe")
      inFlight[i] = m;
    else if (schedule == "1f1b")
      inFlight[i] = std::min(ahead, m);
    else if (schedule == "zb-h1") // held until W: p on every stage
      inFlight[i] = std::min(p, m);
    else if (schedule == "zb-h2" || schedule == "search")
      inFlight[i] = std::min(2 * p - 1, m); // search holds at most zb-h2's
    else if (chunked)
      return optionError("schedule",
                         "'" + schedule +
                             "' runs several chunks per stage: give "
                             "virtual-stages (2 for zb-v and dualpipev), or "
                             "use gpipe, "
                             "1f1b, zb-h1 or zb-h2");
    else
      return optionError("schedule", "expected gpipe, 1f1b, zb-h1, zb-h2, "
                                     "interleaved-1f1b, zb-v or dualpipev, "
                                     "not '" +
                                         schedule + "'");
  }
  return inFlight;
}
