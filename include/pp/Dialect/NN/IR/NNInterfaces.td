//===- NNInterfaces.td - Interfaces of the nn dialect ------*- tablegen -*-===//
//
// The cost interface every nn op implements: the work and memory traffic of
// its forward computation and of the gradient of each operand, and what the
// backward keeps from the forward; a device profile derives times from them.
//
//===----------------------------------------------------------------------===//

#ifndef PP_DIALECT_NN_IR_NNINTERFACES_TD
#define PP_DIALECT_NN_IR_NNINTERFACES_TD

include "mlir/IR/OpBase.td"

def NN_CostOpInterface : OpInterface<"CostOpInterface"> {
  let description = [{
    Reports the arithmetic work and memory traffic of an op for one execution
    with its static operand and result shapes. A device profile turns these
    figures into time with a roofline model. The defaults describe an
    elementwise op: `getFlopsPerElement()` floating-point operations per result
    element, every operand read once and every result written once. Ops whose
    work is not proportional to their output (matrix products, convolutions,
    reductions) override `getForwardCost()`.

    The backward is described per operand: `getOperandGradientCost(i)` is the
    work of computing the gradient of operand `i` from the results' gradients
    (zero for operands that have none: integers, booleans, running
    statistics). A planner splits the backward into B (gradients of
    activations, sent to the previous stage) and W (gradients of parameters,
    kept) by summing over the operands of each kind.
    `getSavedForBackward()` names the operands and results the backward
    reads, and `getSavedStatisticsBytes()` the bytes it keeps that are no SSA
    value (layer norm's per-row mean and inverse deviation); a planner counts
    each saved value once, and no parameter as an activation.
  }];
  let cppNamespace = "::pp::nn";
  let methods = [
    InterfaceMethod<
      /*desc=*/"Floating-point operations per result element (elementwise ops).",
      /*retTy=*/"double", /*methodName=*/"getFlopsPerElement", /*args=*/(ins),
      /*methodBody=*/"", /*defaultImplementation=*/"return 1.0;">,
    InterfaceMethod<
      /*desc=*/"FLOPs and bytes read and written by the forward computation.",
      /*retTy=*/"::pp::nn::OpCost", /*methodName=*/"getForwardCost",
      /*args=*/(ins), /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::pp::nn::getElementwiseCost($_op.getOperation(),
                                            $_op.getFlopsPerElement());
      }]>,
    InterfaceMethod<
      /*desc=*/[{FLOPs and bytes read and written to compute the gradient of
                 operand `operand` from the gradients of the results; zero
                 when the operand has no gradient.}],
      /*retTy=*/"::pp::nn::OpCost", /*methodName=*/"getOperandGradientCost",
      /*args=*/(ins "unsigned":$operand), /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::pp::nn::getDefaultOperandGradientCost(
            $_op.getOperation(), operand, $_op.getFlopsPerElement());
      }]>,
    InterfaceMethod<
      /*desc=*/[{Appends the operands and results whose values the backward
                 reads (kept from the forward, or recomputed).}],
      /*retTy=*/"void", /*methodName=*/"getSavedForBackward",
      /*args=*/(ins "::llvm::SmallVectorImpl<::mlir::Value> &":$values),
      /*methodBody=*/"", /*defaultImplementation=*/[{
        ::pp::nn::getDefaultSavedForBackward($_op.getOperation(), values);
      }]>,
    InterfaceMethod<
      /*desc=*/[{Bytes the backward keeps from the forward that are no SSA
                 value (per-row statistics of a normalisation).}],
      /*retTy=*/"double", /*methodName=*/"getSavedStatisticsBytes",
      /*args=*/(ins), /*methodBody=*/"", /*defaultImplementation=*/[{
        return ::pp::nn::getDefaultSavedStatisticsBytes($_op.getOperation());
      }]>,
  ];
}

#endif // PP_DIALECT_NN_IR_NNINTERFACES_TD
