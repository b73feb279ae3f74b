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

def PPFuseGelu : Pass<"pp-fuse-gelu", "mlir::ModuleOp"> {
  let summary = "Recognise GELU exported as elementwise nodes as one nn.gelu";
  let description = [{
    Below ONNX opset 20 PyTorch exports GELU as a chain of elementwise nodes,
    which the importer turns into up to nine nn ops (and their backward into
    about twenty more). This pass replaces each chain by one `nn.gelu`,
    whose kernel and gradient rule (`nn.gelu_grad`) are fused:

    | form | chain | becomes |
    |---|---|---|
    | exact | `0.5 * x * (1 + erf(x / 1.4142135))` | `nn.gelu` |
    | tanh | `0.5 * x * (1 + tanh(0.7978846 * (x + 0.044715 * x^3)))` | `nn.gelu {approximate = "tanh"}` |

    The operands of `nn.add` and `nn.mul` may come in either order, the three
    factors of the outer product in any grouping, `x / 1.4142135` may be
    written `x * 0.70710678`, and `x^3` as `x * (x * x)` or `nn.pow` by 3.
    Every constant is an `nn.constant` splat of the element type of `x`
    within a relative 1e-6 of the exact value (one unit in the last place
    for coarser types: f16, bf16). A chain is fused only when every value
    inside it has no other use and its result has the type of `x`, so that
    every constant broadcasts away (0-d, all-ones, or a splat within the
    shape of `x`); anything else is left as it is. The `nn.gelu` takes the
    location of the chain's last op, so diagnostics and the export name a
    real ONNX node. The numerics stay PyTorch's up to rounding.

    `pp-pipeline` runs this pass first (option `fuse-gelu`, on by default).

    ```
    $ pp-opt examples/tiny_gpt.onnx --pp-fuse-gelu
    ```
  }];
  let dependentDialects = ["::pp::nn::NNDialect"];
}

#endif // PP_TRANSFORMS_PASSES_TD
