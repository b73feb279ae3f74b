//===- NNInterfaces.td - Interfaces of the nn dialect ------*- tablegen -*-===//
//
// The cost interface every nn op implements: the work and memory traffic of
// its forward computation, from which a device profile derives a time.
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
  ];
}

#endif // PP_DIALECT_NN_IR_NNINTERFACES_TD
