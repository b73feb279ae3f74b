//===- Pipeline.h - pp's named pass pipeline --------------------*- C++ -*-===//
//
// `pp-pipeline` as a C++ API: a compiler that runs pp inside its own pass
// pipeline fills PipelineOptions (the same options as
// --pp-pipeline="...", docs/Pipeline.md) and calls buildPipeline on a
// module-level pass manager.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_PIPELINE_H
#define PP_TRANSFORMS_PIPELINE_H

#include "pp/Planning/Partition/Problem.h"
#include "pp/Planning/Schedule/Generators.h"
#include "pp/Transforms/OptionValues.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace pp {

/// The options of `pp-pipeline`.
struct PipelineOptions : public mlir::PassPipelineOptions<PipelineOptions> {
  Option<unsigned> numStages{*this, "num-stages",
                             llvm::cl::desc("Pipeline stages (devices)"),
                             llvm::cl::init(1)};
  Option<unsigned> microbatches{
      *this, "microbatches",
      llvm::cl::desc("Microbatches per step (0: as many as stages)"),
      llvm::cl::init(0)};
  Option<sched::ScheduleKind> schedule{
      *this, "schedule", llvm::cl::desc("The pipeline schedule"),
      llvm::cl::init(sched::ScheduleKind::OneFOneB), getScheduleValues()};
  Option<unsigned> virtualStages{
      *this, "virtual-stages",
      llvm::cl::desc("Chunks per stage (interleaved-1f1b: default 2; zb-v "
                     "uses 2); the cut makes num-stages * virtual-stages "
                     "virtual stages"),
      llvm::cl::init(0)};
  Option<std::string> device{
      *this, "device",
      llvm::cl::desc("Device profile: h100, a100, cpu or a JSON file "
                     "(default: pp-opt's --pp-device, else h100)"),
      llvm::cl::init("")};
  Option<partition::Method> method{
      *this, "method", llvm::cl::desc("How the stage cut is chosen"),
      llvm::cl::init(partition::Method::Optimal), getMethodValues()};
  Option<partition::Granularity> granularity{
      *this, "granularity", llvm::cl::desc("Where cuts may fall"),
      llvm::cl::init(partition::Granularity::Op), getGranularityValues()};
  Option<std::string> memoryLimit{
      *this, "memory-limit",
      llvm::cl::desc("Bytes per device (80GB, 80GiB, or 'device'): the cut, "
                     "the schedule and recompute=auto all fit it"),
      llvm::cl::init("")};
  Option<RecomputePolicy> recompute{
      *this, "recompute",
      llvm::cl::desc("Activation recomputation: none, full, selective or "
                     "auto (fits memory-limit; with schedule=auto also "
                     "chooses the schedule)"),
      llvm::cl::init(RecomputePolicy::None), getRecomputePolicyValues()};
  Option<PlanOptimizer> optimizer{
      *this, "optimizer",
      llvm::cl::desc("The optimizer whose state the memory plan counts: "
                     "adamw, momentum or sgd"),
      llvm::cl::init(PlanOptimizer::AdamW), getPlanOptimizerValues()};
  Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Plan report: a JSON file, or '-' for tables on stderr "
                     "(default: pp-opt's --pp-report)"),
      llvm::cl::init("")};
  Option<std::string> trace{
      *this, "trace",
      llvm::cl::desc("Write the simulated timeline as a Perfetto trace"),
      llvm::cl::init("")};
  Option<std::string> timeline{
      *this, "timeline",
      llvm::cl::desc("Write the simulated timeline as an SVG picture"),
      llvm::cl::init("")};
  Option<LossKind> loss{
      *this, "loss", llvm::cl::desc("Training loss on output 0"),
      llvm::cl::init(LossKind::CrossEntropy), getLossValues(/*withNone=*/true)};
  Option<std::string> labels{
      *this, "labels", llvm::cl::desc("Name of the labels input of the loss"),
      llvm::cl::init("labels")};
  ListOption<int64_t> ignoreIndex{
      *this, "ignore-index",
      llvm::cl::desc("Cross-entropy: the label of positions left out of the "
                     "loss (default: none)")};
  ListOption<std::string> frozen{
      *this, "frozen",
      llvm::cl::desc("Initializers kept out of training: ONNX names or glob "
                     "patterns (pp-attach-loss)")};
  ListOption<std::string> paddingIndex{
      *this, "padding-index",
      llvm::cl::desc("NAME:ROW: the embedding row whose lookups pass no "
                     "gradient (pp-attach-loss)")};
  Option<bool> fuseGelu{
      *this, "fuse-gelu",
      llvm::cl::desc("Replace GELU exported as elementwise nodes by nn.gelu"),
      llvm::cl::init(true)};
  Option<bool> fuseLinear{
      *this, "fuse-linear",
      llvm::cl::desc("Rewrite linear layers (transposed weight, bias) as one "
                     "nn.gemm"),
      llvm::cl::init(true)};
};

/// Adds pp-pipeline's passes to `pm` (a pass manager on builtin.module):
/// GELU and linear-layer fusion, the loss, cost annotation, stage
/// partitioning, one function per stage chunk and their backward
/// functions, activation recomputation, schedule generation,
/// communication, verification and simulation.
void buildPipeline(mlir::OpPassManager &pm, const PipelineOptions &options);

/// Registers `pp-pipeline` (buildPipeline) for textual pipelines.
void registerPPPipeline();

} // namespace pp

#endif // PP_TRANSFORMS_PIPELINE_H
