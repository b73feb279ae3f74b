//===- TrainingPasses.td - pp's training passes ------------*- tablegen -*-===//
//
// The passes that turn an imported model into a training step: the loss
// (pp-attach-loss) and reverse-mode differentiation split into the backward
// of the activations and the backward of the weights (pp-autodiff).
// docs/Training.md gives the contracts they implement.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_TRAININGPASSES_TD
#define PP_TRANSFORMS_TRAININGPASSES_TD

include "mlir/Pass/PassBase.td"

def PPAttachLoss : Pass<"pp-attach-loss", "mlir::ModuleOp"> {
  let summary = "Make @forward return a scalar training loss";
  let description = [{
    Rewrites `@forward` so that it returns the loss of one of its results
    as its only result, named `loss` (`onnx.name`). With `kind=cross-entropy`
    (the default) the chosen result holds logits with the classes on the
    last axis, and the loss is `nn.softmax_cross_entropy` against integer
    labels of the logits' shape without the last axis (`i64`), the mean over
    the positions whose label is not `ignore-index`. With `kind=mse` it is
    the mean of `(output - labels)^2` over all elements, built from
    `nn.sub`, `nn.mul` and `nn.reduce_mean`, with labels of the output's
    type. The labels are a new last argument named by `labels`, unless
    `@forward` already has an argument of that name (a model that declares
    its labels), which must then have the labels' shape (cross-entropy: any
    integer element type; mse: the output's type). With `kind=output` the
    chosen result must already be a scalar (0-d) float tensor, and no labels
    are added. The other results, and the ops only they used, are removed.
    The module records the kind as `pp.loss` (the export's manifest
    carries it).

    `train-mode=true` (the default) sets `training = true` on every
    `nn.batch_norm`, which then normalises with the batch's statistics as
    `model.train()` does in PyTorch; `train-mode=false` sets
    `training = false` (the running statistics, `model.eval()`).

    Frozen initializers stay out of training: no gradient is computed for
    them, no optimizer state is kept, and they are saved unchanged. The
    pass makes such a global immutable (its loads become
    `ml_program.global_load_const`) and records why in `pp.frozen`:
    - `option`: its ONNX initializer name (or symbol name) matches one of
      the `frozen` names or glob patterns (`*`, `?`, `[...]`), such as
      registered buffers PyTorch exports like parameters
      (`frozen=final_logits_bias,*.attn.masked_bias`). A pattern that
      matches no initializer is an error (one that matches BatchNorm's
      running statistics is not: they are never trained anyway).
    - `training_info`: the model carries ONNX `TrainingInfoProto`s and
      none of their `update_binding`s names it.
    - `non_finite`: its data holds an infinity or a NaN (a `-inf` attention
      mask): such a tensor cannot be trained (weight decay and momentum
      would turn it into NaN). A remark names it and the first such
      element.
    BatchNormalization's running statistics are state, never trained, and
    are not affected.

    `padding-index=NAME:ROW` gives row ROW of the embedding table NAME (an
    initializer's ONNX name or symbol) no gradient from its lookups, as
    PyTorch's `nn.Embedding(padding_idx=ROW)` does; the export loses that
    (it writes a plain Gather). Every `nn.gather` along axis 0 from that
    table gets `pp.padding_index`, which `pp-autodiff` passes to
    `nn.gather_grad`. Other uses of the table (a tied LM head) still train
    the row.

    ```
    $ pp-opt gpt.onnx --pp-attach-loss="kind=cross-entropy ignore-index=-100"
    $ pp-opt bart.onnx --pp-attach-loss="frozen=final_logits_bias"
    ```
  }];
  let options = [
    Option<"kind", "kind", "::pp::LossKind",
           /*default=*/"::pp::LossKind::CrossEntropy",
           "The loss: cross-entropy, mse, or output (the chosen result is "
           "the loss)", [{::pp::getLossValues(/*withNone=*/false)}]>,
    Option<"outputIndex", "output", "unsigned", /*default=*/"0",
           "Which result of @forward the loss is computed from">,
    Option<"labels", "labels", "std::string", /*default=*/"\"labels\"",
           "Name (onnx.name) of the labels argument">,
    ListOption<"ignoreIndex", "ignore-index", "int64_t",
               "Cross-entropy only: the label value of positions left out "
               "of the loss (default: none)">,
    Option<"trainMode", "train-mode", "bool", /*default=*/"true",
           "Normalise nn.batch_norm with the batch's statistics (training) "
           "instead of the running ones">,
    ListOption<"frozen", "frozen", "std::string",
               "Initializers kept out of training: ONNX names or glob "
               "patterns">,
    ListOption<"paddingIndex", "padding-index", "std::string",
               "NAME:ROW: the embedding row whose lookups pass no gradient "
               "(PyTorch's padding_idx)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect"];
}

def PPOutlineStages : Pass<"pp-outline-stages", "mlir::ModuleOp"> {
  let summary = "One function per stage chunk, cut where the partition says";
  let description = [{
    Splits `@forward`, whose ops `pp-partition-stages` assigned to virtual
    stages (`pp.stage`), into one function per virtual stage, so that
    `pp-autodiff` differentiates each chunk on its own and `pp-export`
    writes one program per stage. The schedule's placement
    (`pp.schedule`'s `placement`: a loop for interleaved schedules, a V for
    zb-v) says which stage and chunk hold virtual stage `k`; the function
    is `@stage{s}` (one chunk per stage) or `@stage{s}_chunk{c}`, with
    `pp.stage`, `pp.chunk` and `pp.virtual_stage` attributes, in pipeline
    order. Without a schedule the cut must have one chunk per stage.

    - Each function takes the data inputs its ops read (with their
      `onnx.name`), then the tensors it receives from the previous virtual
      stage (`pp.role = "boundary_in"`); it returns the model outputs its
      ops make (the loss on the last virtual stage), then the tensors it
      sends to the next (`pp.role = "boundary_out"`). Each boundary tensor
      is keyed (`pp.key`) by its name: the ONNX node that makes it, with
      the result number when the node has several, made unique.
    - A tensor made on virtual stage `a` and last read on `c > a` crosses
      every boundary in between: the stages in between receive it and send
      it on unchanged (the partitioner's and the simulator's relay model),
      so the plan, its simulation and the execution move the same bytes.
    - Constants and parameter loads are copied into every function that
      reads them: parameters do not travel. A parameter read on several
      stages (a tied embedding and LM head) then lives on each, and
      `pp-schedule` reduces its gradients between them (`pp.reduce_tied_grads`).
    - With a loss (`pp.loss`), a boundary tensor that carries no gradient
      (integers, masks, values no trainable parameter or float input
      reaches, or on no path to the loss) is marked `pp.no_grad` on both
      sides: no gradient is computed or sent for it.
    - Random ops get their `pp.rng_id` before the split (see
      `pp-autodiff`).

    A model cut into one virtual stage keeps `@forward`, marked as stage 0,
    chunk 0. An op that reads a value made on a later virtual stage (a
    hand-written `pp.stage` out of order) is an error at the op.

    Which stage holds which chunk of a model cut into several chunks per
    stage is the schedule's placement: the module's `pp.schedule`, or
    before any schedule the `placement` option (`loop`: virtual stage k on
    stage k mod p, as interleaved-1f1b; `v`: ZB-V's and DualPipeV's V).
    `--pp-pipeline` outlines before it schedules, with the placement of
    the schedule it asked for.

    ```
    $ pp-opt gpt.onnx --pp-attach-loss --pp-partition-stages="num-stages=2" \
        --pp-outline-stages --pp-autodiff --pp-schedule
    ```
  }];
  let options = [
    Option<"placement", "placement", "::pp::OutlinePlacement",
           /*default=*/"::pp::OutlinePlacement::Schedule",
           "For a cut into several chunks per stage: the module's "
           "pp.schedule's placement (schedule), or before any schedule loop "
           "or v", [{::pp::getOutlinePlacementValues()}]>,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect",
                           "::mlir::ml_program::MLProgramDialect",
                           "::mlir::func::FuncDialect"];
}

def PPAutodiff : Pass<"pp-autodiff", "mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation into forward, backward-input "
                "and backward-weight functions";
  let description = [{
    For every function `@F` with a body, a float result and no `pp.role`
    yet (after `pp-attach-loss`: `@forward`), adds `@F_backward_input` (B)
    and `@F_backward_weight` (W) and marks the roles and ports of all three
    with `pp.role` and `pp.key` attributes (docs/Training.md, "Autodiff").

    Values that depend only on globals and constants are parameter-derived;
    the others, depending on a data input, are activations. B propagates the
    output gradients through the activations to the float data inputs and
    returns, besides the input gradients, the cotangents W needs: the
    gradients of the activations whose ops read a parameter-derived operand.
    W turns them into the gradient of each such operand and propagates it
    back through the parameter-derived ops to the globals, returning one
    gradient per trainable parameter (a mutable float global on a
    differentiable path to an output) in the order of the module's globals;
    a parameter read several times (tied weights) gets the sum. Only
    values on a differentiable path from the inputs and parameters to the
    outputs are differentiated: integer and boolean values carry no
    gradient, and neither do `nn.batch_norm`'s running statistics nor
    `nn.gather`'s indices.

    Each gradient rule reads only the forward values it needs. B and W
    recompute the parameter-derived ones (cloned `ml_program.global_load`,
    constants and the ops on them), and `@F` returns the activations they
    read as saved values, each once, shared by B and W; each backward
    function takes, in key order, only the saved values it reads.
    Broadcasting is undone with `nn.sum_to`. Generated ops carry the
    location of the forward op they differentiate, so that diagnostics and
    the exported program name the ONNX node.

    An op without a gradient rule (such as `nn.onnx`) on a differentiable
    path from the inputs or parameters to the outputs is an error that names
    the op and the ONNX node; off that path it is left alone.

    ```
    $ pp-opt mlp.onnx --pp-attach-loss --pp-autodiff
    ```
  }];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect",
                           "::mlir::ml_program::MLProgramDialect",
                           "::mlir::func::FuncDialect"];
}

def PPRecompute : Pass<"pp-recompute", "mlir::ModuleOp"> {
  let summary = "Choose which saved activations the backward recomputes";
  let description = [{
    Runs after `pp-autodiff`. For every forward function `@F` with its
    `@F_backward_input` (B) and `@F_backward_weight` (W), decides which of
    the activations `@F` saves for them it keeps and which B recomputes
    from the kept ones, then rewrites the three functions: `@F` returns
    only the kept values (saved ports renumbered `s0`, `s1`, ...), B
    starts with copies of the forward ops it recomputes (real ops, visible
    in the IR, with the forward op's location and random stream
    `pp.rng_id`, so a recomputed dropout draws the same mask), and a
    recomputed value W reads is handed from B to W as a cotangent port,
    so W never recomputes what B already did. The clones carry
    `pp.cost = {recompute = seconds}`, which pp-schedule adds to B's time.

    Policies (`policy=`):
    - `none` keeps everything (the pass changes nothing);
    - `full` keeps only each chunk's inputs (the activations it received
      or the data) and recomputes its whole forward inside B;
    - `selective` recomputes what costs little time for each byte it
      frees and keeps the rest: it ranks the saved values by the seconds
      their recomputation takes (the op and the ops before it whose results
      are not saved, timed by the cost model on the device) per byte
      freed, and recomputes them cheapest first while the time added
      stays within `selective-budget` of the chunk's F + B + W time and
      each one frees memory. Elementwise ops, normalisation, softmax and
      an attention core (scores, softmax, dropout, product with V: large
      results for little work) come first; the results of linear layers
      and convolutions (much work per byte) last, so they stay;
    - `auto` keeps, per stage, as much as fits `memory-limit` (bytes per
      device, the stage's predicted peak under the module's `pp.schedule`
      and `optimizer`'s state): it starts from keeping everything and
      recomputes ops in order of bytes freed per second added until the
      stage fits, then keeps again those it can afford (a greedy knapsack
      on (bytes, seconds) checked against the byte-accurate memory model).
      Stages with more microbatches in flight recompute more. When even
      `full` does not fit, the error names the stage and the memory it
      would need.

    An op with memory effects and no random stream is never recomputed.
    docs/Memory.md describes the memory model and the policies' results.

    ```
    $ pp-opt model.onnx --pp-pipeline="num-stages=4 recompute=selective"
    $ pp-opt m.mlir --pp-recompute="policy=auto memory-limit=2GB"
    ```
  }];
  let options = [
    Option<"policy", "policy", "::pp::RecomputePolicy",
           /*default=*/"::pp::RecomputePolicy::None",
           "What to recompute: none, full, selective or auto",
           [{::pp::getRecomputePolicyValues()}]>,
    Option<"memoryLimit", "memory-limit", "std::string", /*default=*/"\"\"",
           "Bytes per device policy=auto plans for (80GB, 80GiB, 8e10)">,
    Option<"selectiveBudget", "selective-budget", "double",
           /*default=*/"0.05",
           "policy=selective: the most time recomputation may add, as a "
           "share of each chunk's F + B + W time">,
    Option<"optimizer", "optimizer", "::pp::PlanOptimizer",
           /*default=*/"::pp::PlanOptimizer::AdamW",
           "The optimizer whose state the memory holds: adamw, momentum "
           "or sgd", [{::pp::getPlanOptimizerValues()}]>,
    Option<"device", "device", "std::string", /*default=*/"\"\"",
           "Device profile that times the recomputation and decides what "
           "is memory-bound (default: the module's pp.device, else "
           "default-device, else h100)">,
    Option<"defaultDevice", "default-device", "std::string",
           /*default=*/"\"\"",
           "Device profile when neither device nor the module's pp.device "
           "names one (pp-opt --pp-device sets it)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect"];
}

def PPFitMemory : Pass<"pp-fit-memory", "mlir::ModuleOp"> {
  let summary = "Choose a schedule and what to recompute that fit a memory "
                "limit and run fastest";
  let description = [{
    Runs after `pp-autodiff`, in place of `pp-schedule` and `pp-recompute`
    (`--pp-pipeline="... schedule=auto recompute=auto memory-limit=X"`).
    For each schedule of `schedules` it runs, on a copy of the module,
    `pp-schedule` with that kind and `pp-recompute` with `policy=auto` at
    `memory-limit`, then simulates the result with the byte-accurate
    memory model (docs/Memory.md); it keeps the fastest candidate whose
    every stage fits, and a remark lists every candidate's step time and
    peak, or why it did not fit. When none fits, the error names the
    smallest memory that would (each schedule with `policy=full`) and the
    schedule it would take.

    ```
    $ pp-opt gpt.onnx --pp-pipeline="num-stages=4 microbatches=8 \
        schedule=auto recompute=auto memory-limit=2GB"
    ```
  }];
  let options = [
    ListOption<"schedules", "schedules", "std::string",
               "The schedules to try (default: gpipe, 1f1b, zb-h1, zb-h2)">,
    Option<"microbatches", "microbatches", "unsigned", /*default=*/"0",
           "Microbatches per step (0: as many as stages)">,
    Option<"memoryLimit", "memory-limit", "std::string", /*default=*/"\"\"",
           "Bytes per device (80GB, 80GiB, 8e10)">,
    Option<"optimizer", "optimizer", "::pp::PlanOptimizer",
           /*default=*/"::pp::PlanOptimizer::AdamW",
           "The optimizer whose state the memory holds: adamw, momentum "
           "or sgd", [{::pp::getPlanOptimizerValues()}]>,
    Option<"device", "device", "std::string", /*default=*/"\"\"",
           "Device profile for the schedule's transfers and the "
           "recomputation's times (default: the module's pp.device, else "
           "default-device, else h100)">,
    Option<"defaultDevice", "default-device", "std::string",
           /*default=*/"\"\"",
           "Device profile when neither device nor the module's pp.device "
           "names one (pp-opt --pp-device sets it)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect", "::pp::pp::PPDialect"];
}

#endif // PP_TRANSFORMS_TRAININGPASSES_TD
