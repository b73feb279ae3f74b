//===- Passes.td - pp's passes -----------------------------*- tablegen -*-===//

#ifndef PP_TRANSFORMS_PASSES_TD
#define PP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def PPSummary : Pass<"pp-summary", "mlir::ModuleOp"> {
  let summary = "Print a summary of the model: interface, ops, parameters, FLOPs";
  let description = [{
    Prints, for every function, its inputs and outputs, the number of ops of
    each kind, the parameters (count and bytes) it reads, and the forward
    FLOPs and memory traffic from the nn cost interface. Prints to stderr so
    that it can accompany the IR on stdout; the IR is not changed.

    ```
    $ pp-opt examples/mlp.onnx --pp-summary -o /dev/null
    ```
  }];
  let options = [
    Option<"topOps", "top-ops", "unsigned", /*default=*/"0",
           "List only the N most frequent op kinds (0: all)">,
  ];
  let dependentDialects = ["::pp::nn::NNDialect"];
}

#endif // PP_TRANSFORMS_PASSES_TD
