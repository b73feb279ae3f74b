//===- NNOps.td - Operations of the nn dialect -------------*- tablegen -*-===//
//
// Forward tensor operations with ONNX semantics. Names follow ONNX's operator
// names in snake_case; attributes keep ONNX's names and meaning, normalised
// (negative axes resolved, optional attributes defaulted) by the importer.
//
//===----------------------------------------------------------------------===//

#ifndef PP_DIALECT_NN_IR_NNOPS_TD
#define PP_DIALECT_NN_IR_NNOPS_TD

include "pp/Dialect/NN/IR/NNDialect.td"
include "pp/Dialect/NN/IR/NNInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def NN_Tensor : StaticShapeTensorOf<[AnyType]>;
def NN_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
def NN_IntTensor : StaticShapeTensorOf<[AnySignlessInteger]>;
def NN_BoolTensor : StaticShapeTensorOf<[I1]>;

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic,
         !listconcat(traits, [DeclareOpInterfaceMethods<NN_CostOpInterface>])>;

// Ops whose costs are not elementwise define `getForwardCost` in C++.
class NN_CostedOp<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic,
         !listconcat(traits, [DeclareOpInterfaceMethods<NN_CostOpInterface,
                                                        ["getForwardCost"]>])>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def NN_ConstantOp : NN_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor";
  let description = [{
    A tensor value known at compile time: ONNX `Constant` nodes, small integer
    initializers, and everything shape computations fold into.
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 0.0; }
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise operations
//===----------------------------------------------------------------------===//

class NN_BroadcastBinaryOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let description = [{
    Elementwise with numpy-style (multidirectional) broadcasting, as in ONNX.
  }];
  let hasFolder = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *context, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return ::pp::nn::inferBroadcastBinary(
          loc, getOperationName(), adaptor.getLhs().getType(),
          adaptor.getRhs().getType(), resultElementType(context,
          adaptor.getLhs().getType()), types);
    }
  }];
  // Arithmetic ops keep the element type; comparisons return i1.
  code resultElementTypeCode =
      "return ::llvm::cast<::mlir::ShapedType>(t).getElementType();";
  let extraClassDeclaration = [{
    static ::mlir::Type resultElementType(::mlir::MLIRContext *context,
                                          ::mlir::Type t) {
  }] # resultElementTypeCode # [{
    }
  }];
}

class NN_ArithBinaryOp<string mnemonic, string summaryText>
    : NN_BroadcastBinaryOp<mnemonic> {
  let summary = summaryText;
  let hasVerifier = 1;
}

class NN_CompareOp<string mnemonic, string summaryText>
    : NN_BroadcastBinaryOp<mnemonic> {
  let summary = summaryText;
  let results = (outs NN_BoolTensor:$result);
  let hasVerifier = 1;
  let resultElementTypeCode =
      "return ::mlir::IntegerType::get(context, 1);";
}

def NN_AddOp : NN_ArithBinaryOp<"add", "Elementwise addition">;
def NN_SubOp : NN_ArithBinaryOp<"sub", "Elementwise subtraction">;
def NN_MulOp : NN_ArithBinaryOp<"mul", "Elementwise multiplication">;
def NN_DivOp : NN_ArithBinaryOp<"div", "Elementwise division">;
def NN_PowOp : NN_BroadcastBinaryOp<"pow"> {
  let summary = "Elementwise power `lhs ^ rhs` (the exponent may differ in type)";
}
def NN_EqualOp : NN_CompareOp<"equal", "Elementwise equality">;
def NN_LessOp : NN_CompareOp<"less", "Elementwise less-than">;
def NN_GreaterOp : NN_CompareOp<"greater", "Elementwise greater-than">;
def NN_LessEqualOp
    : NN_CompareOp<"less_equal", "Elementwise less-than-or-equal">;
def NN_GreaterEqualOp
    : NN_CompareOp<"greater_equal", "Elementwise greater-than-or-equal">;
def NN_MaxOp : NN_ArithBinaryOp<"max", "Elementwise maximum"> {
  let description = [{
    Elementwise with numpy-style (multidirectional) broadcasting, as in ONNX.
    A NaN operand gives NaN, as `torch.maximum`. ONNX's variadic `Max`
    imports as a chain of these.
  }];
}
def NN_MinOp : NN_ArithBinaryOp<"min", "Elementwise minimum"> {
  let description = [{
    Elementwise with numpy-style (multidirectional) broadcasting, as in ONNX.
    A NaN operand gives NaN, as `torch.minimum`. ONNX's variadic `Min`
    imports as a chain of these.
  }];
}
def NN_ModOp : NN_BroadcastBinaryOp<"mod"> {
  let summary = "Elementwise remainder of `lhs / rhs`";
  let description = [{
    Elementwise with numpy-style (multidirectional) broadcasting, as in ONNX.
    With `fmod = false` (integers only) the remainder takes the divisor's
    sign, as Python's `%`; with `fmod = true` the dividend's, as C's `fmod`
    (and `torch.fmod`). Floating-point operands need `fmod = true`, as ONNX
    requires. An integer remainder by zero is 0 (ONNX leaves it undefined).
  }];
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let hasVerifier = 1;
}

class NN_UnaryOp<string mnemonic, string summaryText, int flops = 1,
                 Type operandType = NN_Tensor, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits,
          [Pure, SameOperandsAndResultType])> {
  let summary = summaryText;
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return }] # flops # [{; }
  }];
}

def NN_SqrtOp : NN_UnaryOp<"sqrt", "Elementwise square root", 4, NN_FloatTensor>;
def NN_ErfOp : NN_UnaryOp<"erf", "Elementwise error function", 16, NN_FloatTensor>;
def NN_TanhOp : NN_UnaryOp<"tanh", "Elementwise hyperbolic tangent", 12, NN_FloatTensor>;
def NN_ReluOp : NN_UnaryOp<"relu", "Elementwise max(x, 0)", 1>;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "Elementwise logistic function", 12, NN_FloatTensor>;
def NN_NegOp : NN_UnaryOp<"neg", "Elementwise negation", 1> { let hasFolder = 1; }
def NN_ExpOp : NN_UnaryOp<"exp", "Elementwise exponential", 8, NN_FloatTensor>;
def NN_LogOp : NN_UnaryOp<"log", "Elementwise natural logarithm", 8, NN_FloatTensor>;
def NN_NotOp : NN_UnaryOp<"not", "Elementwise logical negation", 1, NN_BoolTensor>;
def NN_AbsOp : NN_UnaryOp<"abs", "Elementwise absolute value", 1> {
  let hasFolder = 1;
}
def NN_SignOp : NN_UnaryOp<"sign", "Elementwise sign: -1, 0 or 1", 1> {
  let description = [{
    -1 for negative elements, 1 for positive ones, 0 for zeros (and 0 for
    unsigned zeros, 1 otherwise); NaN stays NaN. Its gradient is zero.
  }];
  let hasFolder = 1;
}
def NN_SinOp : NN_UnaryOp<"sin", "Elementwise sine", 8, NN_FloatTensor>;
def NN_CosOp : NN_UnaryOp<"cos", "Elementwise cosine", 8, NN_FloatTensor>;
def NN_ReciprocalOp
    : NN_UnaryOp<"reciprocal", "Elementwise `1 / x`", 1, NN_FloatTensor>;
def NN_FloorOp
    : NN_UnaryOp<"floor", "Elementwise rounding down", 1, NN_FloatTensor> {
  let description = [{
    The largest integer not above each element. Its gradient is zero (as
    PyTorch's); it folds on constants, for shape computations done in
    floating point.
  }];
  let hasFolder = 1;
}
def NN_CeilOp
    : NN_UnaryOp<"ceil", "Elementwise rounding up", 1, NN_FloatTensor> {
  let description = [{
    The smallest integer not below each element. Its gradient is zero (as
    PyTorch's); it folds on constants, for shape computations done in
    floating point.
  }];
  let hasFolder = 1;
}
def NN_SoftplusOp : NN_UnaryOp<"softplus", "Elementwise `log(exp(x) + 1)`",
                               16, NN_FloatTensor> {
  let description = [{
    ONNX's Softplus, computed without overflow as
    `max(x, 0) + log1p(exp(-|x|))`. (PyTorch's `beta` and `threshold` are
    not in ONNX: its exporter drops the threshold, above which the two
    differ by less than `exp(-threshold)`.)
  }];
}
def NN_HardSigmoidOp : NN_Op<"hard_sigmoid", [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise `max(0, min(1, alpha * x + beta))`";
  let description = [{
    ONNX's HardSigmoid (defaults `alpha = 0.2`, `beta = 0.5`); PyTorch's
    `nn.Hardsigmoid` exports `alpha = 1/6`, `beta = 0.5`.
  }];
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
                       DefaultValuedAttr<F32Attr, "0.5f">:$beta);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 4; }
  }];
}
def NN_HardSwishOp : NN_UnaryOp<"hard_swish",
    "Elementwise `x * max(0, min(1, x / 6 + 1/2))`", 5, NN_FloatTensor> {
  let description = [{
    ONNX's HardSwish (opset 14), computed as PyTorch computes it:
    `x * min(max(x + 3, 0), 6) / 6`.
  }];
}
def NN_ClipOp : NN_Op<"clip", [Pure, SameOperandsAndResultType]> {
  let summary = "Elementwise `min(max(x, min), max)`";
  let description = [{
    Clamps each element to `[min, max]`. Each bound is optional (a missing
    one does not clamp) and is a scalar attribute of the input's element type
    (an integer or a float attribute). When `min > max` every element becomes
    `max`, as in ONNX and PyTorch; NaN stays NaN. ReLU6 is `clip` with the
    bounds 0 and 6.

    Example:
    ```mlir
    %y = nn.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<8x32xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input,
                       OptionalAttr<TypedAttrInterface>:$min,
                       OptionalAttr<TypedAttrInterface>:$max);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 2; }
  }];
}

def NN_GeluOp : NN_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `approximate` is `#nn<approximate none>` (exact, with erf, the default)
    or `#nn<approximate tanh>`.
  }];
  let arguments = (ins NN_FloatTensor:$input,
                       DefaultValuedAttr<NN_GeluApproximationAttr,
                           "::pp::nn::GeluApproximation::None">:$approximate);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 20; }
  }];
}

def NN_CastOp : NN_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "Elementwise conversion to another element type";
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_WhereOp : NN_Op<"where", [Pure, InferTypeOpAdaptor]> {
  let summary = "Elementwise select `cond ? x : y` with broadcasting";
  let arguments = (ins NN_BoolTensor:$condition, NN_Tensor:$x, NN_Tensor:$y);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` type($condition) `,` type($x) `,`
    type($y) `->` type($result)
  }];
  let hasFolder = 1;
}

def NN_DropoutOp : NN_Op<"dropout", [InferTypeOpAdaptor]> {
  let summary = "Training-mode dropout; returns the output and its keep-mask";
  let description = [{
    Zeroes each element with probability `ratio` and scales the kept ones by
    `1 / (1 - ratio)`. Inference-mode Dropout is an identity and never
    imported. The mask is kept for the backward pass.
  }];
  let arguments = (ins NN_FloatTensor:$input, F32Attr:$ratio,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs NN_FloatTensor:$output, NN_BoolTensor:$mask);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def NN_MatMulOp : NN_CostedOp<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "Matrix product with numpy semantics (batched, broadcast)";
  let arguments = (ins NN_Tensor:$lhs, NN_Tensor:$rhs);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
}

def NN_GemmOp : NN_CostedOp<"gemm", [Pure, InferTypeOpAdaptor]> {
  let summary = "General matrix product `alpha * op(A) * op(B) + beta * C`";
  let arguments = (ins NN_FloatTensor:$a, NN_FloatTensor:$b,
                       Optional<NN_FloatTensor>:$c,
                       DefaultValuedAttr<F32Attr, "1.0f">:$alpha,
                       DefaultValuedAttr<F32Attr, "1.0f">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$transA,
                       DefaultValuedAttr<BoolAttr, "false">:$transB);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` type($a) `,` type($b) (`,` type($c)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalisation and activations over an axis
//===----------------------------------------------------------------------===//

class NN_AxisSoftmaxOp<string mnemonic, string summaryText>
    : NN_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = summaryText;
  let arguments = (ins NN_FloatTensor:$input, I64Attr:$axis);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 12; }
  }];
}

def NN_SoftmaxOp : NN_AxisSoftmaxOp<"softmax", "Softmax along `axis`">;
def NN_LogSoftmaxOp : NN_AxisSoftmaxOp<"log_softmax", "Log-softmax along `axis`">;

def NN_LayerNormOp : NN_Op<"layer_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Layer normalisation over the axes from `axis` to the last";
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       Optional<NN_FloatTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` type($input) `,` type($scale)
    (`,` type($bias)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 9; }
  }];
}

def NN_BatchNormOp : NN_Op<"batch_norm", [
    AlwaysSpeculatable, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Batch normalisation over the channel axis 1";
  let description = [{
    In inference mode (`training = false`) normalises with `mean` and `var`;
    in training mode with the batch's statistics, and then updates the
    running statistics `mean` and `var` in place (never trained): a
    training-mode batch_norm writes those operands (its memory effects say
    so), so it is not erased when unused, nor run twice by a recomputing
    backward. In inference mode it has no effects.
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$scale,
                       NN_FloatTensor:$bias, NN_FloatTensor:$mean,
                       NN_FloatTensor:$var,
                       DefaultValuedAttr<F32Attr, "1e-5f">:$epsilon,
                       DefaultValuedAttr<F32Attr, "0.9f">:$momentum,
                       DefaultValuedAttr<BoolAttr, "false">:$training);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $var attr-dict `:`
    type($input) `,` type($scale) `,` type($bias) `,` type($mean) `,` type($var)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 5; }
  }];
}

//===----------------------------------------------------------------------===//
// Convolution and pooling (NCHW, any number of spatial dimensions)
//===----------------------------------------------------------------------===//

def NN_ConvOp : NN_CostedOp<"conv", [Pure, InferTypeOpAdaptor]> {
  let summary = "N-dimensional convolution, channels first";
  let description = [{
    `pads` holds the begin pads of every spatial axis, then the end pads, as in
    ONNX; `auto_pad` is resolved into `pads` by the importer.
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$weight,
                       Optional<NN_FloatTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

class NN_PoolOp<string mnemonic, string summaryText>
    : NN_CostedOp<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = summaryText;
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_MaxPoolOp : NN_PoolOp<"max_pool", "Max pooling over spatial windows"> {
  let arguments = (ins NN_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode);
}

def NN_AveragePoolOp
    : NN_PoolOp<"average_pool", "Average pooling over spatial windows"> {
  let arguments = (ins NN_FloatTensor:$input,
                       DenseI64ArrayAttr:$kernel_shape,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$ceil_mode,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad);
}

def NN_GlobalAveragePoolOp : NN_CostedOp<"global_average_pool",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "Average over all spatial axes, keeping them as size 1";
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class NN_ReduceOp<string mnemonic, string summaryText>
    : NN_CostedOp<mnemonic, [Pure, InferTypeOpAdaptor]> {
  let summary = summaryText;
  let description = [{
    Reduces the listed `axes` (non-negative, sorted, unique); `keepdims`
    keeps them as size-1 axes.
  }];
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def NN_ReduceMeanOp : NN_ReduceOp<"reduce_mean", "Mean over axes">;
def NN_ReduceSumOp : NN_ReduceOp<"reduce_sum", "Sum over axes">;

class NN_ReduceExtremeOp<string mnemonic, string summaryText, string which,
                         string empty>
    : NN_ReduceOp<mnemonic, summaryText> {
  let description = [{
    Reduces the listed `axes` (non-negative, sorted, unique) to their }] #
    which # [{ element; `keepdims` keeps them as size-1 axes. A NaN among the
    reduced elements gives NaN, as in PyTorch; reducing no elements gives }] #
    empty # [{.
  }];
  let hasFolder = 1;
}

def NN_ReduceMaxOp : NN_ReduceExtremeOp<"reduce_max", "Maximum over axes",
    "largest", "-inf (the lowest integer for integers)">;
def NN_ReduceMinOp : NN_ReduceExtremeOp<"reduce_min", "Minimum over axes",
    "smallest", "+inf (the largest integer for integers)">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

class NN_MoveOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure])> {
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 0.0; }
  }];
}

def NN_ReshapeOp : NN_MoveOp<"reshape"> {
  let summary = "Reinterpret a tensor with another static shape";
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_FlattenOp : NN_MoveOp<"flatten", [InferTypeOpAdaptor]> {
  let summary = "Flatten to 2-D: axes before `axis`, and the rest";
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_TransposeOp : NN_MoveOp<"transpose", [InferTypeOpAdaptor]> {
  let summary = "Permute axes: result axis i is input axis perm[i]";
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_GatherOp : NN_MoveOp<"gather", [InferTypeOpAdaptor]> {
  let summary = "Gather slices of `data` along `axis` at `indices` (embeddings)";
  let arguments = (ins NN_Tensor:$data, NN_IntTensor:$indices, I64Attr:$axis);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` type($data) `,` type($indices) `->`
    type($result)
  }];
  let hasFolder = 1;
}

def NN_SliceOp : NN_MoveOp<"slice", [InferTypeOpAdaptor]> {
  let summary = "Strided slice, one (start, end, step) per axis";
  let description = [{
    `starts`, `ends` and `steps` have one entry per input axis, already
    clamped to the axis as ONNX specifies (negative steps walk backwards).
  }];
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_ConcatOp : NN_MoveOp<"concat", [InferTypeOpAdaptor]> {
  let summary = "Concatenate along `axis`";
  let arguments = (ins Variadic<NN_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasFolder = 1;
}

def NN_SplitOp : NN_MoveOp<"split", [InferTypeOpAdaptor]> {
  let summary = "Split along `axis` into pieces of the given `sizes`";
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<NN_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($results)";
}

def NN_UnsqueezeOp : NN_MoveOp<"unsqueeze", [InferTypeOpAdaptor]> {
  let summary = "Insert size-1 axes at `axes` (positions in the result)";
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_SqueezeOp : NN_MoveOp<"squeeze", [InferTypeOpAdaptor]> {
  let summary = "Remove the size-1 axes listed in `axes`";
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_ExpandOp : NN_MoveOp<"expand"> {
  let summary = "Broadcast to the (static) result shape";
  let arguments = (ins NN_Tensor:$input);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_PadOp : NN_MoveOp<"pad", [InferTypeOpAdaptor]> {
  let summary = "Pad (or crop) every axis, as ONNX's Pad";
  let description = [{
    `pads` holds the begin pads of every axis, then the end pads, as in ONNX;
    a negative pad removes elements from that end first. `mode` says what
    fills the added elements: `"constant"` (`value`, converted to the
    element type), `"reflect"` (the elements mirrored about the edge, not
    repeating it), `"edge"` (the edge element) or `"wrap"` (the elements from
    the other end). Each axis has size `input + begin + end`; the modes other
    than `"constant"` need a non-empty axis (after cropping) to pad from.

    Example:
    ```mlir
    %0 = nn.pad %x {mode = "reflect", pads = array<i64: 0, 2, 0, 1>}
        : tensor<3x4xf32> -> tensor<3x7xf32>
    ```
  }];
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$pads,
                       DefaultValuedStrAttr<StrAttr, "constant">:$mode,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_TileOp : NN_MoveOp<"tile", [InferTypeOpAdaptor]> {
  let summary = "Repeat the input `repeats[i]` times along each axis i";
  let arguments = (ins NN_Tensor:$input, DenseI64ArrayAttr:$repeats);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_TriluOp : NN_MoveOp<"trilu", [SameOperandsAndResultType]> {
  let summary = "Keep the upper or lower triangle of the last two axes";
  let description = [{
    For every matrix of the last two axes (rank >= 2; the leading axes are
    batch axes), keeps the element at row i and column j where
    `j - i >= k` (`upper`) or `j - i <= k` (lower) and zeroes the others.
  }];
  let arguments = (ins NN_Tensor:$input,
                       DefaultValuedAttr<BoolAttr, "true">:$upper,
                       DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_CumSumOp : NN_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "Cumulative sum along `axis`";
  let description = [{
    Element i along `axis` is the sum of the elements 0..i (`exclusive`:
    0..i-1; `reverse`: i..n-1, or i+1..n-1 when also exclusive).
  }];
  let arguments = (ins NN_Tensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs NN_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let extraClassDeclaration = [{
    double getFlopsPerElement() { return 1; }
  }];
}

//===----------------------------------------------------------------------===//
// Operators without an nn counterpart
//===----------------------------------------------------------------------===//

def NN_OnnxOp : NN_Op<"onnx"> {
  let summary = "An ONNX operator kept as it is";
  let description = [{
    An ONNX node whose operator has no `nn` op: its `op_type`, `domain`,
    `opset` version and attributes are kept, and its result types come from
    ONNX shape inference. Planning treats it like any other op (its cost is
    estimated as elementwise); differentiation and execution reject it with a
    diagnostic naming the node.
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$op_type,
                       DefaultValuedStrAttr<StrAttr, "">:$domain,
                       I64Attr:$opset,
                       DefaultValuedAttr<DictionaryAttr, "{}">:$onnx_attributes);
  let results = (outs Variadic<AnyType>:$results);
  let assemblyFormat = [{
    $op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, $results)
  }];
}

include "pp/Dialect/NN/IR/NNGradOps.td"

#endif // PP_DIALECT_NN_IR_NNOPS_TD
