//===- StageOptions.cpp - Parsing pp-partition-stages' options ------------===//

#include "StageOptions.h"

#include <algorithm>
#include <cmath>

using namespace pp;

static llvm::Error optionError(llvm::StringRef option, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "option '" + option + "': " + msg);
}

llvm::Expected<partition::Method> pp::parseMethod(llvm::StringRef text) {
  if (text == "optimal")
    return partition::Method::Optimal;
  if (text == "uniform")
    return partition::Method::Uniform;
  if (text == "parameters")
    return partition::Method::Parameters;
  return optionError(
      "method", "expected optimal, uniform or parameters, not '" + text + "'");
}

llvm::Expected<partition::Granularity>
pp::parseGranularity(llvm::StringRef text) {
  if (text == "op")
    return partition::Granularity::Op;
  if (text == "layer")
    return partition::Granularity::Layer;
  return optionError("granularity", "expected op or layer, not '" + text + "'");
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
