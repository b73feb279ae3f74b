//===- PPOps.td - Operations of the pp dialect -------------*- tablegen -*-===//

#ifndef PP_DIALECT_PP_IR_PPOPS_TD
#define PP_DIALECT_PP_IR_PPOPS_TD

include "pp/Dialect/PP/IR/PPDialect.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def PP_SendOp : PP_Op<"send", [MemoryEffects<[MemWrite]>]> {
  let summary = "Send a tensor to another stage";
  let description = [{
    Sends `value` to stage `peer` on `channel`. Each send is matched by
    exactly one `pp.recv` on the peer with the same channel, the sender's
    stage as its peer, and the same type.

    ```mlir
    pp.send %act to 1 channel 0 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$value,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$peer,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$channel);
  let assemblyFormat = [{
    $value `to` $peer `channel` $channel attr-dict `:` type($value)
  }];
  let hasVerifier = 1;
}

def PP_RecvOp : PP_Op<"recv", [MemoryEffects<[MemRead]>]> {
  let summary = "Receive a tensor from another stage";
  let description = [{
    Receives the tensor that stage `peer` sends on `channel`.

    ```mlir
    %act = pp.recv from 0 channel 0 : tensor<8x128xf32>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$peer,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$channel);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    `from` $peer `channel` $channel attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}


//===----------------------------------------------------------------------===//
// Schedules: per-stage action lists
//===----------------------------------------------------------------------===//

def PP_ScheduleOp : PP_Op<"schedule", [NoTerminator, SingleBlock,
                                        NoRegionArguments]> {
  let summary = "A pipeline schedule: one action list per stage";
  let description = [{
    One training step of a pipeline with `num_stages` stages, `microbatches`
    microbatches and `virtual_stages` chunks per stage. The region holds one
    `pp.stage_actions` per stage, in stage order; each lists what that stage
    does, in execution order. `kind` names the generator (`gpipe`, `1f1b`,
    `interleaved-1f1b`, `zb-h1`, `zb-h2`, `zb-v`) or `custom`. `placement`
    says which stage and local chunk hold each virtual stage: `loop`
    (virtual stage k on stage k mod p as chunk k div p) or `v` (two chunks
    in a V, ZB-V). It is the op form of the schedule library's `Schedule`
    (docs/Schedules.md); `pp-verify-schedule` checks it as a whole.

    The optional `costs` dictionary carries the per-stage times the schedule
    was made with, so that later passes simulate it the same way: `f`, `b`,
    `w` (arrays, one per stage), and optionally `act` (activation bytes per
    microbatch and stage), `out` (bytes of a stage's output per microbatch),
    `latency`, `bandwidth` (bytes per time unit; 0: infinite). A model cut
    into `num_stages * virtual_stages` pieces (pp-partition-stages'
    `virtual-stages`) has its costs per virtual stage instead, in pipeline
    order and mapped to stages by the placement: `vf`, `vb`, `vw`, `vact`,
    `vout` (all five, one entry per virtual stage). `tied` lists the
    trainable parameters several virtual stages share, each as
    `{stages = [virtual stages], bytes = N}`: a `pp.reduce_tied_grads`
    between two stages all-reduces the gradients of those both hold. `selection` records why
    `auto` chose this kind.

    ```mlir
    pp.schedule "1f1b" stages 2 microbatches 1 virtual_stages 1 {
      pp.stage_actions 0 {
        pp.forward mb 0 chunk 0
        pp.backward mb 0 chunk 0
        pp.optimizer_step
      }
      pp.stage_actions 1 {
        pp.forward mb 0 chunk 0
        pp.backward mb 0 chunk 0
        pp.optimizer_step
      }
    }
    ```
  }];
  let arguments = (ins PP_ScheduleKindAttr:$kind,
                       ConfinedAttr<I64Attr, [IntPositive]>:$num_stages,
                       ConfinedAttr<I64Attr, [IntPositive]>:$microbatches,
                       ConfinedAttr<I64Attr, [IntPositive]>:$virtual_stages,
                       DefaultValuedAttr<PP_PlacementAttr,
                           "::pp::pp::Placement::Loop">:$placement,
                       OptionalAttr<DictionaryAttr>:$costs,
                       OptionalAttr<DictionaryAttr>:$selection);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $kind `stages` $num_stages `microbatches` $microbatches
    `virtual_stages` $virtual_stages (`placement` $placement^)?
    attr-dict-with-keyword $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The action list of stage `stage`.
    StageActionsOp getStage(int64_t stage);
  }];
}

def PP_StageActionsOp : PP_Op<"stage_actions", [NoTerminator, SingleBlock,
    NoRegionArguments, HasParent<"ScheduleOp">]> {
  let summary = "The action list of one pipeline stage";
  let description = [{
    The actions of stage `stage` in execution order: compute
    (`pp.forward`, `pp.backward_input`, `pp.backward_weight`,
    `pp.backward`), communication (`pp.send_activation`,
    `pp.recv_activation`, `pp.send_grad`, `pp.recv_grad`), the tied-weight
    gradient reduction and the optimizer step.
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$stage);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$stage attr-dict-with-keyword $body";
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    ScheduleOp getSchedule() {
      return ::llvm::cast<ScheduleOp>((*this)->getParentOp());
    }
  }];
}

class PP_ActionOp<string mnemonic, list<Trait> traits = []>
    : PP_Op<mnemonic, !listconcat(traits, [HasParent<"StageActionsOp">])> {
  let hasVerifier = 1;
}

class PP_ComputeActionOp<string mnemonic, string what>
    : PP_ActionOp<mnemonic> {
  let summary = what # " of one microbatch on one chunk";
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$microbatch,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$chunk);
  let assemblyFormat = "`mb` $microbatch `chunk` $chunk attr-dict";
}

def PP_ForwardActionOp : PP_ComputeActionOp<"forward", "Forward pass"> {
  let description = [{
    F: the forward pass of microbatch `microbatch` through the stage's local
    chunk `chunk`.

    ```mlir
    pp.forward mb 3 chunk 0
    ```
  }];
}
def PP_BackwardInputActionOp
    : PP_ComputeActionOp<"backward_input", "Backward to the input"> {
  let description = [{
    B: the gradient of the chunk's input (sent to the previous virtual
    stage), for microbatch `microbatch`. A later `pp.backward_weight` of the
    same microbatch and chunk completes the backward.
  }];
}
def PP_BackwardWeightActionOp
    : PP_ComputeActionOp<"backward_weight", "Backward to the weights"> {
  let description = [{
    W: the gradient of the chunk's weights for microbatch `microbatch`, kept
    on the stage; it frees the microbatch's activations.
  }];
}
def PP_BackwardActionOp
    : PP_ComputeActionOp<"backward", "Fused backward (B and W)"> {
  let description = [{
    BW: the input and weight gradients of the chunk in one pass.
  }];
}

class PP_CommActionOp<string mnemonic, string what, string dir>
    : PP_ActionOp<mnemonic> {
  let summary = what;
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$microbatch,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$chunk,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$peer);
  let assemblyFormat = "`mb` $microbatch `chunk` $chunk `" # dir #
                       "` $peer attr-dict";
}

def PP_SendActivationActionOp : PP_CommActionOp<"send_activation",
    "Send a chunk's forward output to another stage", "to"> {
  let description = [{
    SF: sends the output of the forward of microbatch `microbatch` on the
    local chunk `chunk` to stage `peer`, which holds the next virtual stage.
    Matched by exactly one `pp.recv_activation` there.

    ```mlir
    pp.send_activation mb 3 chunk 0 to 1
    ```
  }];
}
def PP_RecvActivationActionOp : PP_CommActionOp<"recv_activation",
    "Receive a chunk's forward input from another stage", "from"> {
  let description = [{
    RF: receives the input of the forward of microbatch `microbatch` on the
    local chunk `chunk` from stage `peer`.

    ```mlir
    pp.recv_activation mb 3 chunk 0 from 0
    ```
  }];
}
def PP_SendGradActionOp : PP_CommActionOp<"send_grad",
    "Send the gradient of a chunk's input to another stage", "to"> {
  let description = [{
    SB: sends the input gradient that the backward of microbatch
    `microbatch` on local chunk `chunk` produced to stage `peer`, which holds
    the previous virtual stage.
  }];
}
def PP_RecvGradActionOp : PP_CommActionOp<"recv_grad",
    "Receive the gradient of a chunk's output from another stage", "from"> {
  let description = [{
    RB: receives the gradient of the output of local chunk `chunk` for
    microbatch `microbatch` from stage `peer`.
  }];
}

def PP_ReduceTiedGradsActionOp : PP_ActionOp<"reduce_tied_grads"> {
  let summary = "All-reduce tied-weight gradients with another stage";
  let description = [{
    TR: sums the gradients of weights shared with stage `peer` (a tied
    embedding and LM head). The n-th reduction with stage t on stage s pairs
    with the n-th reduction with stage s on stage t; both block.

    ```mlir
    pp.reduce_tied_grads with 3
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntNonNegative]>:$peer);
  let assemblyFormat = "`with` $peer attr-dict";
}

def PP_OptimizerStepActionOp : PP_ActionOp<"optimizer_step"> {
  let summary = "The optimizer step of the stage";
  let description = [{
    OPT: applies the gradients accumulated over all microbatches to the
    stage's weights; at most once, after all compute.
  }];
  let assemblyFormat = "attr-dict";
  let hasVerifier = 0;
}

#endif // PP_DIALECT_PP_IR_PPOPS_TD
