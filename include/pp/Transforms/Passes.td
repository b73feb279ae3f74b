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

def PPFuseLinear : Pass<"pp-fuse-linear", "mlir::ModuleOp"> {
  let summary = "Fuse linear layers (weight transpose, bias) into one nn.gemm";
  let description = [{
    Without constant folding PyTorch exports `nn.Linear` on an activation of
    any rank as `Transpose(W)`, `MatMul(x, W^T)` and `Add(b, ...)`. Run as
    they are, every weight is transposed into a new tensor in the forward
    and again in the backward, and the bias takes another pass over the
    activation. This pass rewrites each layer into one `nn.gemm` that reads
    `W` transposed in place (`transB`) and adds the bias as its `C`:

    | matches | becomes |
    |---|---|
    | `nn.matmul(x, nn.transpose(w) {perm = [1, 0]})` | `nn.gemm(x, w) {transB = true}` |
    | the same followed by `nn.add` of a bias `b` | `nn.gemm(x, w, b) {transB = true}` |
    | `nn.matmul(x, w)` followed by `nn.add` of a bias `b`, `w` a parameter | `nn.gemm(x, w, b)` |

    `x` is a float tensor `[..., M, K]` of rank 2 or more and `w` a matrix
    (`[N, K]` transposed, `[K, N]` plain). When `x` has more than two axes,
    it is reshaped to `[(...) * M, K]` for the product and the result back
    to `[..., M, N]`; the runtime executes both reshapes as views. A bias is
    the other operand of an `nn.add` (either side) that is the product's
    only user, of shape `[N]` or `[1, N]` and the product's element type; it
    becomes `C` with `beta = 1`. The transpose goes when no other op uses
    it. An untransposed product is fused only with a bias (otherwise there
    is nothing to gain) and only when `w` is computed by pure ops from
    globals and constants alone: a product of two activations (attention's
    scores) is no linear layer. Batched weights and other permutations are
    left as they are.

    The `nn.gemm` and the reshape after it take the location of the last op
    they replace (the `nn.add`, else the `nn.matmul`), the reshape before it
    the `nn.matmul`'s, so diagnostics and the export name real ONNX nodes.

    `pp-pipeline` runs this pass right after `pp-fuse-gelu` (option
    `fuse-linear`, on by default).

    ```
    $ pp-opt examples/tiny_gpt.onnx --pp-fuse-linear
    ```
  }];
  let dependentDialects = ["::pp::nn::NNDialect"];
}

#endif // PP_TRANSFORMS_PASSES_TD
