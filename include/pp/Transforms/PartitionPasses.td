//===- PartitionPasses.td - pp's partition passes ----------*- tablegen -*-===//

#ifndef PP_TRANSFORMS_PARTITIONPASSES_TD
#define PP_TRANSFORMS_PARTITIONPASSES_TD

include "mlir/Pass/PassBase.td"

def PPAnnotateCost : Pass<"pp-annotate-cost", "mlir::ModuleOp"> {
  let summary = "Attach each op's F, B, W seconds and saved bytes as pp.cost";
  let description = [{
    Computes, for every compute op of `func.func @forward`, the seconds per
    microbatch of its forward (`f`), of the gradient of its activation
    operands (`b`) and of its parameter operands (`w`) on the chosen device,
    and the activation bytes it keeps for the backward (`act`), and attaches
    them as `pp.cost` for inspection and tests. The figures are the ones
    `pp-partition-stages` uses; that pass does not need this one.

    Times come from the nn cost interface (FLOPs and bytes per phase) through
    the device profile's roofline, `max(FLOPs / peak, bytes / bandwidth)`
    plus a launch overhead per kernel, or from measured times the profile
    lists for the op. Constants and parameter loads get no cost.

    ```mlir
    %0 = nn.matmul %x, %w {pp.cost = {act = 65536 : i64, b = 0.0 : f64,
                                      f = 2.72e-05 : f64, w = 2.72e-05 : f64}}
        : tensor<64x256xf32>, tensor<256x1024xf32> -> tensor<64x1024xf32>
    ```
  }];
  let options = [
    Option<"device", "device", "std::string", /*default=*/"\"\"",
           "Device profile: h100, a100, cpu, or a JSON profile file "
           "(default: the module's pp.device, else default-device, else "
           "h100)">,
    Option<"defaultDevice", "default-device", "std::string",
           /*default=*/"\"\"",
           "Device profile when neither device nor the module's pp.device "
           "names one (pp-opt --pp-device sets it)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect"];
}

def PPPartitionStages : Pass<"pp-partition-stages", "mlir::ModuleOp"> {
  let summary = "Cut func @forward into pipeline stages (pp.stage on every op)";
  let description = [{
    Builds the partitioner's graph from `func.func @forward`: the compute ops
    in block order are its nodes, with their forward, backward-to-input and
    backward-to-weight seconds and saved activation bytes from the nn cost
    interface and the device profile; the values between them are its
    tensors (function arguments are loaded by the first stage; only float
    values that depend on a parameter carry a gradient back); the mutable
    `ml_program.global`s they load are its parameters, owned by the first
    stage that uses them and tied when used by several. It then cuts the
    order into `num-stages` contiguous stages with the exact partitioner
    (docs/Partitioning.md) and writes `pp.stage = N : i64` on every op
    (constants and parameter loads take the stage of their first user, the
    terminator that of the last value it returns) and `pp.num_stages` on the
    module.

    Function arguments are data: every stage that reads one loads it from
    the data set, so arguments are never sent between stages.

    `virtual-stages=v` (with `schedule=interleaved-1f1b`, or `zb-v` with
    v = 2) cuts the order into `num-stages * v` pieces, the virtual stages
    of a chunked schedule, in pipeline order: `pp.stage` then holds the
    virtual stage, and the module records `pp.virtual_stages = v`. Which
    stage holds which virtual stage is the schedule's placement (loop for
    interleaved, a V for zb-v). Each piece is costed as a stage of its own,
    with the in-flight microbatches of 1F1B on its stage (an estimate: the
    report says so), and `memory-limit` is not supported with v > 1.

    `method=optimal` minimises the slowest stage's time (compute plus the
    relayed communication of every cut tensor and tied parameter) within
    `memory-limit`; `uniform` gives every stage the same number of blocks
    (Megatron), `parameters` balances the parameter bytes (DeepSpeed).
    `granularity=layer` cuts only between the repeated blocks named by the
    ONNX node scopes (`/transformer/h.3/...`). The activation memory counts
    the microbatches in flight under `schedule` with `microbatches`.

    `report=FILE.json` writes the plan (docs/PlanReport.md); `report=-`
    prints it as a table on stderr.

    ```
    $ pp-opt gpt.onnx --pp-partition-stages="num-stages=4 granularity=layer report=-"
    ```
  }];
  let options = [
    Option<"numStages", "num-stages", "unsigned", /*default=*/"1",
           "Number of pipeline stages">,
    Option<"virtualStages", "virtual-stages", "unsigned", /*default=*/"1",
           "Chunks per stage (interleaved-1f1b, zb-v): the cut makes "
           "num-stages * virtual-stages virtual stages">,
    Option<"microbatches", "microbatches", "unsigned", /*default=*/"0",
           "Microbatches per step (0: as many as stages)">,
    Option<"schedule", "schedule", "::pp::sched::ScheduleKind",
           /*default=*/"::pp::sched::ScheduleKind::OneFOneB",
           "Schedule that decides the microbatches in flight: gpipe, 1f1b, "
           "zb-h1, zb-h2, search; with virtual-stages > 1 interleaved-1f1b, "
           "zb-v or dualpipev",
           [{::pp::getScheduleValues()}]>,
    Option<"memoryLimit", "memory-limit", "std::string", /*default=*/"\"\"",
           "Bytes per device (80GB, 80GiB, 8e10, or 'device' for the "
           "profile's capacity); empty: no limit">,
    Option<"recompute", "recompute", "bool", /*default=*/"false",
           "The stages recompute activations (pp-recompute): memory-limit "
           "counts only the inputs of each microbatch in flight and one "
           "microbatch's activations, the least recomputation leaves">,
    Option<"granularity", "granularity", "::pp::partition::Granularity",
           /*default=*/"::pp::partition::Granularity::Op",
           "Where cuts may fall: op (between any ops) or layer (between "
           "blocks)", [{::pp::getGranularityValues()}]>,
    Option<"method", "method", "::pp::partition::Method",
           /*default=*/"::pp::partition::Method::Optimal",
           "optimal, uniform (same blocks per stage) or parameters (same "
           "parameter bytes per stage)", [{::pp::getMethodValues()}]>,
    Option<"device", "device", "std::string", /*default=*/"\"\"",
           "Device profile: h100, a100, cpu, or a JSON profile file "
           "(default: the module's pp.device, else default-device, else "
           "h100)">,
    Option<"defaultDevice", "default-device", "std::string",
           /*default=*/"\"\"",
           "Device profile when neither device nor the module's pp.device "
           "names one (pp-opt --pp-device sets it)">,
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "Write the plan as JSON to this file, or as a table to stderr "
           "with '-' (default: --pp-report)">,
    Option<"layerLevel", "layer-level", "unsigned", /*default=*/"1",
           "Which numbered scope of the node names is a block (1: the "
           "outermost)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect"];
}

#endif // PP_TRANSFORMS_PARTITIONPASSES_TD
