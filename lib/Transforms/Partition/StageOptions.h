//===- StageOptions.h - Parsing pp-partition-stages' options ----*- C++ -*-===//

#ifndef PP_LIB_TRANSFORMS_PARTITION_STAGEOPTIONS_H
#define PP_LIB_TRANSFORMS_PARTITION_STAGEOPTIONS_H

#include "pp/Planning/Partition/Problem.h"
#include "pp/Support/Format.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace pp {

/// The option values of `method` and `granularity`, as the report writes
/// them.
llvm::StringRef getMethodName(partition::Method method);
llvm::StringRef getGranularityName(partition::Granularity granularity);

/// Microbatches whose activations stage `i` of `p` holds at its peak, from
/// a microbatch's F to the end of its W (as pp-simulate's
/// `peak_activations` counts), under `schedule` with `m` microbatches: gpipe
/// m; 1f1b min(p-i, m); zb-h1 min(p, m); zb-h2 min(2p-1, m). With `v` > 1
/// chunks per stage (interleaved-1f1b, or zb-v with v = 2) one entry per
/// virtual stage: 1F1B's count of the stage that holds it (an estimate).
llvm::Expected<std::vector<double>>
getInFlight(llvm::StringRef schedule, unsigned p, unsigned m, unsigned v = 1);

/// The stage that holds virtual stage `k` of `p * v` under `schedule`'s
/// placement: a V for zb-v (k, then 2p - 1 - k), else a loop (k mod p).
/// Either way the virtual stage is chunk k / p of that stage.
unsigned stageOfVirtualStage(llvm::StringRef schedule, unsigned k, unsigned p,
                             unsigned v);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_PARTITION_STAGEOPTIONS_H
