//===- SchedulePasses.td - pp's schedule passes ------------*- tablegen -*-===//

#ifndef PP_TRANSFORMS_SCHEDULEPASSES_TD
#define PP_TRANSFORMS_SCHEDULEPASSES_TD

include "mlir/Pass/PassBase.td"

def PPSchedule : Pass<"pp-schedule", "mlir::ModuleOp"> {
  let summary = "Generate the per-stage action lists of a pipeline schedule";
  let description = [{
    Generates the compute-only action lists (F, B, W or fused BW, tied
    reductions, optimizer step) of one training step with the schedule
    library (docs/Schedules.md) and writes them as a `pp.schedule` op at the
    end of the module, replacing any schedule already there. The result is
    verified (`pp-verify-schedule`) before the pass returns.

    The number of stages is the module's `pp.num_stages` (set by
    `pp-partition-stages`) unless `num-stages` is given. Per-stage F, B and
    W times are the sums of the `pp.cost` attributes (`pp-annotate-cost`) of
    the ops assigned to each stage by `pp.stage`; the activation bytes a
    microbatch keeps on a stage are the sum of their `act` entries, and the
    bytes a stage sends forward are those of the values its ops produce and
    a later stage uses (relayed through the stages in between). Without
    `pp.cost` attributes every stage gets F = B = W = 1 and a remark says
    so. Transfers take `latency + bytes / bandwidth`, from the options or
    from the link of the `device` profile (the partitioner's, in seconds and
    bytes per second); without either they are free. The costs are stored
    on the `pp.schedule` op (`costs`), so that
    `pp-insert-send-recv` and `pp-simulate` use the same figures.

    `schedule=search` builds a one-chunk schedule for these costs under the
    memory limits: list scheduling (ready B first, F within in-flight
    limits, the oldest W otherwise) under several limits that fit, and
    1F1B and ZB-H1, each simulated; the fastest is kept (docs/Schedules.md,
    "Search").

    `schedule=auto` generates every kind (interleaved with 2, 3 and 4
    chunks, and search), simulates each with these costs, drops those whose
    peak activations exceed `max-in-flight` microbatches or whose memory
    exceeds `memory-limit` and keeps the fastest; a remark and the op's
    `selection` attribute say why. A kind whose conditions the options
    break fails with the condition and the nearest valid settings.

    `memory-limit` is bytes per device, like the partitioner's. On an
    outlined, differentiated module (the order `--pp-pipeline` runs) it is
    checked against the byte-accurate memory model of docs/Memory.md: a
    stage's parameters, AdamW state, gradients, the activations each
    microbatch in flight keeps (after `pp-recompute`, what it kept) and
    the functions' working memory, walked along the stage's actions. A
    schedule whose predicted peak exceeds it on some stage is an error
    that names the stage and its peak. Before outlining, only the ops'
    `act` bytes are counted against it.

    ```
    $ pp-opt gpt.mlir --pp-schedule="schedule=zb-h1 microbatches=8"
    ```
  }];
  let options = [
    Option<"schedule", "schedule", "::pp::sched::ScheduleKind",
           /*default=*/"::pp::sched::ScheduleKind::OneFOneB",
           "gpipe, 1f1b, interleaved-1f1b, zb-h1, zb-h2, zb-v, dualpipev, "
           "search or auto", [{::pp::getScheduleValues()}]>,
    Option<"microbatches", "microbatches", "unsigned", /*default=*/"0",
           "Microbatches per step (0: as many as stages)">,
    Option<"virtualStages", "virtual-stages", "unsigned", /*default=*/"0",
           "Chunks per stage (0: the kind's default, 2 for "
           "interleaved-1f1b, zb-v and dualpipev, else 1)">,
    Option<"memoryLimit", "memory-limit", "std::string", /*default=*/"\"\"",
           "Bytes per device (80GB, 80GiB, 8e10) no stage may exceed: the "
           "memory model's peak once the stage functions exist, else the "
           "ops' activation bytes; empty: no limit">,
    Option<"maxInFlight", "max-in-flight", "double", /*default=*/"0",
           "For auto and search: the most microbatches' activations a stage "
           "may hold (peak_activations units); 0: no limit">,
    Option<"optimizer", "optimizer", "::pp::PlanOptimizer",
           /*default=*/"::pp::PlanOptimizer::AdamW",
           "The optimizer whose state memory-limit counts: adamw, momentum "
           "or sgd", [{::pp::getPlanOptimizerValues()}]>,
    Option<"numStages", "num-stages", "unsigned", /*default=*/"0",
           "Number of stages (0: the module's pp.num_stages)">,
    Option<"optimizerStep", "optimizer-step", "bool", /*default=*/"true",
           "End every stage's list with the optimizer step">,
    Option<"tiedEmbedding", "tied-embedding", "bool", /*default=*/"false",
           "Reduce tied-weight gradients between the stages holding the "
           "first and the last virtual stage">,
    Option<"device", "device", "std::string", /*default=*/"\"\"",
           "Device profile (h100, a100, cpu or a JSON file) whose link "
           "latency and bandwidth time the transfers; empty: the module's "
           "pp.device (recorded by the partitioner), else default-device, "
           "else free transfers unless latency or bandwidth is given">,
    Option<"defaultDevice", "default-device", "std::string",
           /*default=*/"\"\"",
           "Device profile when neither device nor the module's pp.device "
           "names one (pp-opt --pp-device sets it)">,
    Option<"latency", "latency", "double", /*default=*/"0",
           "Time of every transfer, in the unit of the costs (overrides the "
           "device's)">,
    Option<"bandwidth", "bandwidth", "double", /*default=*/"0",
           "Bytes per time unit of a link (overrides the device's); 0: "
           "infinite">,
  ];
  let dependentDialects = ["::pp::pp::PPDialect"];
}

def PPInsertSendRecv : Pass<"pp-insert-send-recv", "mlir::ModuleOp"> {
  let summary = "Lower compute-only schedules to lists with matched "
                "communication";
  let description = [{
    For every `pp.schedule` without communication, inserts a
    `pp.send_activation` / `pp.send_grad` after every compute whose output
    another stage consumes and the matching `pp.recv_activation` /
    `pp.recv_grad` on that stage (the schedule library's
    `lowerCommunication`). The compute lists are run once with the
    schedule's costs, which fixes one global order; every pair is placed at
    its producer's end on both stages, so the lists run to completion even
    when sends and receives both block. Schedules that already communicate
    are left as they are. The result is verified.
  }];
  let dependentDialects = ["::pp::pp::PPDialect"];
}

def PPVerifySchedule : Pass<"pp-verify-schedule", "mlir::ModuleOp"> {
  let summary = "Check that every pp.schedule is a valid schedule";
  let description = [{
    Checks every `pp.schedule` with the schedule library's verifier: ranges;
    per stage and chunk one F, then one fused backward or a B followed by a
    W, for every microbatch, nothing after the optimizer step; data
    dependencies between virtual stages (a forward needs its input, received
    or produced earlier on the stage; a backward needs its output's
    gradient); every send matched by exactly one receive of the same tensor
    and vice versa; and no deadlock when sends, receives and tied reductions
    block (the lists are run with rendezvous semantics). The first failure
    is reported at the offending action op, naming it in the text form
    (`stage 1, action 4 'RF2<0': ...`), or at the stage's list when an
    action is missing. The IR is not changed.
  }];
}

def PPSimulate : Pass<"pp-simulate", "mlir::ModuleOp"> {
  let summary = "Simulate every pp.schedule: step time, bubble, memory";
  let description = [{
    Verifies and simulates the module's `pp.schedule` with its `costs`
    (uniform F = B = W = 1 with a remark when it has none): each stage runs
    its list in order, computes wait for their inputs, transfers take
    latency + bytes / bandwidth and overlap compute (docs/Schedules.md gives
    the exact definitions).

    `report=FILE.json` writes the result as the `schedule` object of the
    plan report: if FILE already holds a JSON object (the plan report of
    `pp-partition-stages`), its `schedule` key is added or replaced and the
    rest kept; otherwise the file becomes `{"schedule": {...}}`. The object
    has the fields of `pp-sched --json` (`step_time`, `bubble_fraction`,
    `window_bubble_fraction`, `comm_time`, `schedule`, `num_stages`,
    `num_microbatches`, `virtual_stages`, `placement`, `num_actions`,
    `verified`, `stages` with `peak_activations`, `busy_time`, ...),
    `auto` when `pp-schedule` chose the kind, and `costs` naming where the
    costs came from. `report=-` prints a summary table to stderr.
    `trace=FILE.json` writes a Perfetto / Chrome trace, `timeline=FILE.svg`
    an SVG timeline. The IR is not changed.

    On an outlined, differentiated module (after `pp-autodiff` and
    `pp-recompute`) memory is the byte-accurate model of docs/Memory.md:
    each stage's parameters, `optimizer` state, gradient accumulators,
    activations held per microbatch in flight, recomputation and
    communication buffers, action by action. The stages' `peak_bytes`
    and the timeline are then the whole stage's pool bytes, and the
    report's `stages[].peak_memory` (and `memory`, its breakdown) becomes
    this prediction, which `pp-run --report` compares with the measured
    peak. Before outlining, memory counts the cost model's activation
    bytes only.

    ```
    $ pp-opt plan.mlir --pp-simulate="report=plan.json timeline=plan.svg"
    ```
  }];
  let options = [
    Option<"report", "report", "std::string", /*default=*/"\"\"",
           "Add the simulation as 'schedule' to this JSON report, or print "
           "a summary to stderr with '-' (default: --pp-report)">,
    Option<"trace", "trace", "std::string", /*default=*/"\"\"",
           "Write a Perfetto / Chrome trace-event JSON file">,
    Option<"timeline", "timeline", "std::string", /*default=*/"\"\"",
           "Write an SVG timeline">,
    Option<"optimizer", "optimizer", "::pp::PlanOptimizer",
           /*default=*/"::pp::PlanOptimizer::AdamW",
           "The optimizer whose state the memory model counts: adamw, "
           "momentum or sgd", [{::pp::getPlanOptimizerValues()}]>,
  ];
}

#endif // PP_TRANSFORMS_SCHEDULEPASSES_TD
