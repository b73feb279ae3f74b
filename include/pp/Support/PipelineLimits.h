//===- PipelineLimits.h - The largest pipelines pp plans and runs -*- C++ -*-//
//
// Plain C++ (no LLVM): the planner (include/pp/Planning/Schedule/Schedule.h)
// and the runtime's loader (runtime/include/pp/Runtime/Program.h) refuse the
// same counts. Thousands of stages, up to a million microbatches, at most
// kMaxPipelineUnits (stage, microbatch, chunk) units: about 25 million
// actions once SEND/RECV are in, which generation, verification and
// simulation handle in about 15 s and 2 GB (docs/Schedules.md).
//
//===----------------------------------------------------------------------===//

#ifndef PP_SUPPORT_PIPELINELIMITS_H
#define PP_SUPPORT_PIPELINELIMITS_H

#include <cstdint>

namespace pp {

inline constexpr int kMaxPipelineStages = 16384;
inline constexpr int kMaxPipelineMicrobatches = 1 << 20;
inline constexpr int kMaxPipelineChunks = 64;
inline constexpr int64_t kMaxPipelineUnits = int64_t(1) << 22;

} // namespace pp

#endif // PP_SUPPORT_PIPELINELIMITS_H
