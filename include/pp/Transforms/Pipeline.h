//===- Pipeline.h - pp's named pass pipeline --------------------*- C++ -*-===//

#ifndef PP_TRANSFORMS_PIPELINE_H
#define PP_TRANSFORMS_PIPELINE_H

namespace pp {

/// Registers `pp-pipeline`: GELU and linear-layer fusion, on one stage the
/// loss, then cost annotation, stage partitioning, schedule generation,
/// communication, verification and simulation, and on one stage autodiff,
/// with one set of options (docs/Pipeline.md).
void registerPPPipeline();

} // namespace pp

#endif // PP_TRANSFORMS_PIPELINE_H
