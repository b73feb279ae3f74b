//===- NNGradOps.td - Loss and gradient ops of nn ----------*- tablegen -*-===//
//
// The training loss (`softmax_cross_entropy`) and the fused gradient ops that
// autodiff emits where composing forward ops would save or recompute too much
// (docs/Training.md, "Gradient ops of the nn dialect"). Operand order is
// fixed: `dy` (the gradient of the forward result) comes first, then what the
// rule reads from the forward. Ops whose result type the forward op does not
// determine (a convolution's input size, the data a gather read from) spell
// it in the IR, and the verifier checks that the forward op applied to it
// gives `dy`'s type.
//
//===----------------------------------------------------------------------===//

#ifndef PP_DIALECT_NN_IR_NNGRADOPS_TD
#define PP_DIALECT_NN_IR_NNGRADOPS_TD

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

def NN_SoftmaxCrossEntropyOp
    : NN_CostedOp<"softmax_cross_entropy", [Pure, InferTypeOpAdaptor]> {
  let summary = "Mean cross-entropy of softmax(logits) against class labels";
  let description = [{
    The training loss `pp-attach-loss` adds for `kind=cross-entropy`: classes
    lie on the last axis of `logits` (rank >= 1), and `labels` holds one class
    index per position, with the logits' shape minus the last axis (a 0-d
    tensor for rank-1 logits). The result is the 0-d mean, over the positions
    whose label is not `ignore_index`, of `-log_softmax(logits)[label]`, as
    PyTorch's `cross_entropy` with `reduction="mean"` computes it. When every
    position is ignored the mean is 0/0 (NaN), as in PyTorch.

    Example:
    ```mlir
    %loss = nn.softmax_cross_entropy %logits, %labels
        {ignore_index = -100 : i64}
        : tensor<4x16x50xf32>, tensor<4x16xi64> -> tensor<f32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$logits, NN_IntTensor:$labels,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs NN_FloatTensor:$loss);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->`
    type($loss)
  }];
  let hasVerifier = 1;
}

def NN_SoftmaxCrossEntropyGradOp
    : NN_Op<"softmax_cross_entropy_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Gradient of `softmax_cross_entropy` with respect to logits";
  let description = [{
    `dlogits = dloss * (softmax(logits) - onehot(label)) / count` along the
    last axis, where `count` is the number of positions whose label is not
    `ignore_index`; ignored positions get zero. `dloss` is the 0-d gradient
    of the loss, and the result has the logits' type. The softmax is
    recomputed from `logits`, so the forward saves nothing but its operands.
  }];
  let arguments = (ins NN_FloatTensor:$dloss, NN_FloatTensor:$logits,
                       NN_IntTensor:$labels,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs NN_FloatTensor:$dlogits);
  let assemblyFormat = [{
    $dloss `,` $logits `,` $labels attr-dict `:` type($dloss) `,`
    type($logits) `,` type($labels)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 14; }
  }];
}

//===----------------------------------------------------------------------===//
// Undoing broadcasting
//===----------------------------------------------------------------------===//

def NN_SumToOp : NN_CostedOp<"sum_to", [Pure]> {
  let summary = "Sum over broadcast axes down to the result type";
  let description = [{
    The inverse of numpy-style broadcasting: the result type must broadcast
    to `x`'s shape (its rank is at most `x`'s), and each result element is
    the sum of the elements of `x` that broadcasting it would fill. Autodiff
    applies it to the gradient of every operand an op broadcast (`add`,
    `matmul`'s batch axes, `expand`).

    Example:
    ```mlir
    %db = nn.sum_to %dy : tensor<8x16x64xf32> -> tensor<64xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$x);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$x attr-dict `:` type($x) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

class NN_ActivationGradOp<string mnemonic, string summaryText,
                          string forwardName, int flops>
    : NN_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = summaryText;
  let results = (outs NN_FloatTensor:$dx);
  let description = [{
    The input gradient of `nn.}] # forwardName # [{`, elementwise, from the
    forward op's input `x`. `dy`, `x` and `dx` share one type.
  }];
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return }] # flops # [{; }
  }];
}

def NN_ReluGradOp
    : NN_ActivationGradOp<"relu_grad", "`x > 0 ? dy : 0`", "relu", 1> {
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dx)";
}

def NN_GeluGradOp
    : NN_ActivationGradOp<"gelu_grad", "`dy * gelu'(x)`", "gelu", 24> {
  let description = [{
    The input gradient of `nn.gelu`, elementwise: `dy` times the derivative
    of gelu at `x`, with the same `approximate` (`none`: exact with erf;
    `tanh`: the tanh approximation) as the forward op. `dy`, `x` and `dx`
    share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       DefaultValuedAttr<NN_GeluApproximationAttr,
                           "::pp::nn::GeluApproximation::None">:$approximate);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dx)";
}

def NN_TanhGradOp
    : NN_ActivationGradOp<"tanh_grad", "`dy * (1 - y^2)`", "tanh", 3> {
  let description = [{
    The input gradient of `nn.tanh`, elementwise, from the forward op's
    result `y`: `dy * (1 - y^2)`. `dy`, `y` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$y);
  let assemblyFormat = "$dy `,` $y attr-dict `:` type($dx)";
}

def NN_SigmoidGradOp
    : NN_ActivationGradOp<"sigmoid_grad", "`dy * y * (1 - y)`", "sigmoid", 3> {
  let description = [{
    The input gradient of `nn.sigmoid`, elementwise, from the forward op's
    result `y`: `dy * y * (1 - y)`. `dy`, `y` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$y);
  let assemblyFormat = "$dy `,` $y attr-dict `:` type($dx)";
}

def NN_SoftmaxGradOp : NN_ActivationGradOp<"softmax_grad",
    "`y * (dy - sum(dy * y, axis))`", "softmax", 4> {
  let description = [{
    The input gradient of `nn.softmax` along `axis`, from the forward op's
    result `y`: `y * (dy - sum(dy * y, axis))`, the sum keeping the axis.
    `dy`, `y` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$y, I64Attr:$axis);
  let assemblyFormat = "$dy `,` $y attr-dict `:` type($dx)";
  let hasVerifier = 1;
}

def NN_LogSoftmaxGradOp : NN_ActivationGradOp<"log_softmax_grad",
    "`dy - exp(y) * sum(dy, axis)`", "log_softmax", 10> {
  let description = [{
    The input gradient of `nn.log_softmax` along `axis`, from the forward
    op's result `y`: `dy - exp(y) * sum(dy, axis)`, the sum keeping the axis.
    `dy`, `y` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$y, I64Attr:$axis);
  let assemblyFormat = "$dy `,` $y attr-dict `:` type($dx)";
  let hasVerifier = 1;
}

def NN_DropoutGradOp : NN_Op<"dropout_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "`mask ? dy / (1 - ratio) : 0`";
  let description = [{
    The input gradient of training-mode `nn.dropout`, from the keep-mask the
    forward op returned and its `ratio`. `mask` has `dy`'s shape; `dx` has
    `dy`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_BoolTensor:$mask, F32Attr:$ratio);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = "$dy `,` $mask attr-dict `:` type($dy) `,` type($mask)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 2; }
  }];
}

def NN_HardSigmoidGradOp : NN_ActivationGradOp<"hard_sigmoid_grad",
    "`0 < alpha * x + beta < 1 ? alpha * dy : 0`", "hard_sigmoid", 4> {
  let description = [{
    The input gradient of `nn.hard_sigmoid`, elementwise, from the forward
    op's input `x` and its `alpha` and `beta`: `alpha * dy` where the
    forward is strictly inside its linear piece (`alpha * x + beta`
    computed as the forward computes it, strictly between 0 and 1), else 0.
    With PyTorch's `alpha = 1/6`, `beta = 0.5` that is
    `hardsigmoid_backward`'s `-3 < x < 3`. `dy`, `x` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x, F32Attr:$alpha,
                       F32Attr:$beta);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dx)";
}

def NN_HardSwishGradOp : NN_ActivationGradOp<"hard_swish_grad",
    "`x < -3 ? 0 : x <= 3 ? dy * (x / 3 + 0.5) : dy`", "hard_swish", 3> {
  let description = [{
    The input gradient of `nn.hard_swish`, elementwise, from the forward
    op's input `x`, with the boundaries of PyTorch 1.13's
    `hardswish_backward` formula (its CUDA and scalar CPU kernels): 0 below
    -3, `dy * (x / 3 + 0.5)` from -3 to 3 inclusive (so `-dy / 2` at -3 and
    `3 dy / 2` at 3), `dy` above 3. (PyTorch 1.13's vectorised CPU loop
    gives `dy` at exactly 3.) `dy`, `x` and `dx` share one type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dx)";
}

def NN_ClipGradOp : NN_ActivationGradOp<"clip_grad",
    "`min <= x <= max ? dy : 0`", "clip", 2> {
  let description = [{
    The input gradient of `nn.clip`, elementwise, from the forward op's
    input `x` and its bounds: `dy` where `min <= x <= max` (a missing bound
    always holds), else 0, as PyTorch's `clamp_backward` (the bounds pass
    the gradient; NaN does not). `dy`, `x` and `dx` share one type; the
    bounds are float attributes of its element type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       OptionalAttr<TypedAttrInterface>:$min,
                       OptionalAttr<TypedAttrInterface>:$max);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dx)";
  let hasVerifier = 1;
}

class NN_ExtremumGradOp<string mnemonic, string forwardName, string loses>
    : NN_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = "Gradient of `" # forwardName # "` with respect to `a`";
  let description = [{
    The gradient of `nn.}] # forwardName # [{(a, b)` with respect to `a`,
    before broadcasting is undone: `a }] # loses # [{ b ? 0 : a == b ? dy / 2 : dy`
    with `a` and `b` broadcast to `dy`'s shape, as PyTorch's backward of
    `torch.}] # forwardName # [{imum`: equal elements share the gradient, and
    a NaN comparison passes it to both operands. The gradient of `b` is the
    same op with the operands swapped. The result has `dy`'s type; autodiff
    sums it to `a`'s shape (`nn.sum_to`). `a` and `b` have `dy`'s element
    type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$a,
                       NN_FloatTensor:$b);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = [{
    $dy `,` $a `,` $b attr-dict `:` type($dy) `,` type($a) `,` type($b)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 3; }
  }];
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location>,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      types.push_back(adaptor.getDy().getType());
      return ::mlir::success();
    }
  }];
}

def NN_MaxGradOp : NN_ExtremumGradOp<"max_grad", "max", "<">;
def NN_MinGradOp : NN_ExtremumGradOp<"min_grad", "min", ">">;

//===----------------------------------------------------------------------===//
// Normalisation
//===----------------------------------------------------------------------===//

def NN_LayerNormGradOp : NN_Op<"layer_norm_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Input gradient of `layer_norm`";
  let description = [{
    The gradient of `nn.layer_norm` with respect to its input `x`, over the
    axes from `axis` to the last, with the forward op's `scale`, `axis` and
    `epsilon`. The per-row mean and inverse deviation are recomputed from
    `x`, so the forward op keeps no statistics. `dy` and `dx` have `x`'s
    type; `scale` broadcasts to the normalised shape `x.shape[axis:]`.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       NN_FloatTensor:$scale, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = [{
    $dy `,` $x `,` $scale attr-dict `:` type($dy) `,` type($x) `,`
    type($scale)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 12; }
  }];
}

def NN_LayerNormGradParamsOp
    : NN_CostedOp<"layer_norm_grad_params", [Pure, InferTypeOpAdaptor]> {
  let summary = "Scale and bias gradients of `layer_norm`";
  let description = [{
    The gradients of `nn.layer_norm`'s `scale` (`sum(dy * xhat)`) and `bias`
    (`sum(dy)`), both summed over the axes before `axis`, where `xhat` is `x`
    normalised with statistics recomputed from `x` and `epsilon`. Both
    results have the shape `x.shape[axis:]` and `x`'s element type (the
    scale's type); `dy` has `x`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs NN_FloatTensor:$dscale, NN_FloatTensor:$dbias);
  let assemblyFormat = [{
    $dy `,` $x attr-dict `:` type($dy) `,` type($x) `->` type($dscale) `,`
    type($dbias)
  }];
  let hasVerifier = 1;
}

def NN_BatchNormGradOp : NN_Op<"batch_norm_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Input gradient of `batch_norm`";
  let description = [{
    The gradient of `nn.batch_norm` with respect to its input `x` (channel
    axis 1), with the forward op's `scale`, `epsilon` and `training`. In
    training mode the batch statistics are recomputed from `x` and their own
    gradient flows into `dx`; `mean` and `var` are then unused. In inference
    mode the running `mean` and `var` are constants and
    `dx = dy * scale / sqrt(var + epsilon)`. `dy` and `dx` have `x`'s type;
    `scale`, `mean` and `var` have shape `[C]`.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       NN_FloatTensor:$scale, NN_FloatTensor:$mean,
                       NN_FloatTensor:$var,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon,
                       DefaultValuedAttr<BoolAttr, "false">:$training);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = [{
    $dy `,` $x `,` $scale `,` $mean `,` $var attr-dict `:` type($dy) `,`
    type($x) `,` type($scale) `,` type($mean) `,` type($var)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 12; }
  }];
}

def NN_BatchNormGradParamsOp
    : NN_CostedOp<"batch_norm_grad_params", [Pure, InferTypeOpAdaptor]> {
  let summary = "Scale and bias gradients of `batch_norm`";
  let description = [{
    The gradients of `nn.batch_norm`'s `scale` (`sum(dy * xhat)`) and `bias`
    (`sum(dy)`) per channel (axis 1), summed over every other axis. `xhat`
    normalises `x` with the batch's statistics recomputed from `x` in
    training mode, with the running `mean` and `var` otherwise. Both results
    have shape `[C]` and `x`'s element type; `dy` has `x`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       NN_FloatTensor:$mean, NN_FloatTensor:$var,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon,
                       DefaultValuedAttr<BoolAttr, "false">:$training);
  let results = (outs NN_FloatTensor:$dscale, NN_FloatTensor:$dbias);
  let assemblyFormat = [{
    $dy `,` $x `,` $mean `,` $var attr-dict `:` type($dy) `,` type($x) `,`
    type($mean) `,` type($var) `->` type($dscale) `,` type($dbias)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

def NN_ConvGradInputOp : NN_CostedOp<"conv_grad_input", [Pure]> {
  let summary = "Input gradient of `conv` (a transposed convolution)";
  let description = [{
    The gradient of `nn.conv` with respect to its input: `dy` convolved
    transposed with `weight` under the forward op's `strides`, `pads`,
    `dilations` and `group`. The result type is the forward input's type,
    spelled in the IR because strides lose the input size; the verifier
    checks that convolving a tensor of that type with `weight` gives `dy`'s
    shape.

    Example:
    ```mlir
    %dx = nn.conv_grad_input %dy, %w {strides = array<i64: 2, 2>,
        pads = array<i64: 1, 1, 1, 1>, dilations = array<i64: 1, 1>}
        : tensor<1x8x4x4xf32>, tensor<8x3x3x3xf32> -> tensor<1x3x8x8xf32>
    ```
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$weight,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = [{
    $dy `,` $weight attr-dict `:` type($dy) `,` type($weight) `->` type($dx)
  }];
  let hasVerifier = 1;
}

def NN_ConvGradWeightOp : NN_CostedOp<"conv_grad_weight", [Pure]> {
  let summary = "Weight gradient of `conv`";
  let description = [{
    The gradient of `nn.conv` with respect to its weight: the correlation of
    the forward input `x` with `dy` under the forward op's `strides`, `pads`,
    `dilations` and `group`. The result type is the weight's type, spelled in
    the IR (the kernel size is not recoverable from `x` and `dy`); the
    verifier checks that convolving `x` with a weight of that type gives
    `dy`'s shape. The bias gradient is `reduce_sum` of `dy`.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs NN_FloatTensor:$dweight);
  let assemblyFormat = [{
    $dy `,` $x attr-dict `:` type($dy) `,` type($x) `->` type($dweight)
  }];
  let hasVerifier = 1;
}

def NN_MaxPoolGradOp
    : NN_CostedOp<"max_pool_grad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Input gradient of `max_pool`";
  let description = [{
    The gradient of `nn.max_pool` with respect to its input `x`: each element
    of `dy` goes to the first maximum of its window in `x` (row-major order
    within the window, as PyTorch), and overlapping windows add up. The
    attributes are the forward op's; pooling `x` with them gives `dy`'s
    shape. `dx` has `x`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_FloatTensor:$x,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = "$dy `,` $x attr-dict `:` type($dy) `,` type($x)";
  let hasVerifier = 1;
}

def NN_AveragePoolGradOp : NN_CostedOp<"average_pool_grad", [Pure]> {
  let summary = "Input gradient of `average_pool`";
  let description = [{
    The gradient of `nn.average_pool` with respect to its input: each element
    of `dy`, divided by its window's divisor (with `count_include_pad`, the
    window's size within the padded input; else its number of input
    elements), is added to every input element of the window. The result
    type is the forward input's type, spelled in the IR; the verifier checks
    that pooling a tensor of that type with the attributes gives `dy`'s
    shape.
  }];
  let arguments = (ins NN_FloatTensor:$dy,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = "$dy attr-dict `:` type($dy) `->` type($dx)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def NN_GatherGradOp : NN_CostedOp<"gather_grad", [Pure]> {
  let summary = "Data gradient of `gather`: scatter-add of `dy` into zeros";
  let description = [{
    The gradient of `nn.gather` with respect to `data`: a zero tensor of the
    result type (the data's type, spelled in the IR) to which each slice of
    `dy` is added at the position along `axis` its index names; repeated
    indices accumulate (an embedding row used twice gets both gradients).
    The verifier checks that gathering from the result type with `indices`
    along `axis` gives `dy`'s type. With `padding_index`, the slices at
    that position get nothing from the lookups, as the padding row of
    PyTorch's `nn.Embedding(padding_idx=...)` (the gathered value is
    unchanged; only its gradient is dropped).
  }];
  let arguments = (ins NN_FloatTensor:$dy, NN_IntTensor:$indices,
                       I64Attr:$axis, OptionalAttr<I64Attr>:$padding_index);
  let results = (outs NN_FloatTensor:$ddata);
  let assemblyFormat = [{
    $dy `,` $indices attr-dict `:` type($dy) `,` type($indices) `->`
    type($ddata)
  }];
  let hasVerifier = 1;
}

def NN_SliceGradOp : NN_Op<"slice_grad", [Pure]> {
  let summary = "Input gradient of `slice`: `dy` placed into zeros";
  let description = [{
    The gradient of `nn.slice` with respect to its input: a zero tensor of
    the result type (the forward input's type, spelled in the IR) with `dy`
    written at the positions the slice `starts`/`ends`/`steps` (the forward
    op's, one per axis) read. The verifier checks that slicing the result
    type gives `dy`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = "$dy attr-dict `:` type($dy) `->` type($dx)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 0.0; }
  }];
}

def NN_PadGradOp : NN_CostedOp<"pad_grad", [Pure]> {
  let summary = "Input gradient of `pad`: `dy` added back where it was read";
  let description = [{
    The gradient of `nn.pad` with respect to its input: a zero tensor of the
    result type (the forward input's type, spelled in the IR) to which each
    element of `dy` is added at the input element the forward op copied
    there, with the forward op's `pads` and `mode`; padding constants have no
    source. With `"reflect"`, `"edge"` and `"wrap"` an input element may feed
    several outputs, whose gradients add up (as PyTorch's reflection and
    replication pads). The verifier checks that padding the result type gives
    `dy`'s type.
  }];
  let arguments = (ins NN_FloatTensor:$dy, DenseI64ArrayAttr:$pads,
                       DefaultValuedStrAttr<StrAttr, "constant">:$mode);
  let results = (outs NN_FloatTensor:$dx);
  let assemblyFormat = "$dy attr-dict `:` type($dy) `->` type($dx)";
  let hasVerifier = 1;
}

#endif // PP_DIALECT_NN_IR_NNGRADOPS_TD
