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

#endif // PP_DIALECT_PP_IR_PPOPS_TD
