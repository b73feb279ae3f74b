//===- NNDialect.td - The nn dialect -----------------------*- tablegen -*-===//

#ifndef PP_DIALECT_NN_IR_NNDIALECT_TD
#define PP_DIALECT_NN_IR_NNDIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let cppNamespace = "::pp::nn";
  let summary = "Tensor compute with ONNX semantics on statically shaped tensors";
  let description = [{
    The `nn` dialect holds the tensor computations of a model as the ONNX
    importer produces them: ONNX's operators with ONNX's broadcasting and
    attribute semantics, on ranked tensors of static shape. Shape-computing
    subgraphs are folded away at import, so shape-like operands of ONNX
    (Reshape's `shape`, Slice's `starts`, Unsqueeze's `axes`...) are
    attributes or result types here. Every op verifies its operands, infers its
    result type where ONNX defines it from the operands, and reports its cost
    through `CostOpInterface`. An ONNX operator without an `nn` counterpart is
    kept as `nn.onnx`, which carries its ONNX name, attributes and shapes.
  }];
  let hasConstantMaterializer = 1;
  let useDefaultAttributePrinterParser = 1;
}

class NN_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<NN_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def NN_ExternalDataAttr : NN_Attr<"ExternalData", "external"> {
  let summary = "Tensor data that lives outside the IR";
  let description = [{
    Names where a parameter's data lives without copying it into the IR:
    the initializer `key` of the ONNX model `file`, or, for ONNX external
    data, the byte range `offset`/`length` of `location` (relative to the
    model's directory). An `offset` of -1 means the data is embedded in the
    model file's protobuf and is read from there by initializer name.

    ```mlir
    ml_program.global private mutable @w(#nn.external<"m.onnx", "fc.weight">)
        : tensor<64x10xf32>
    ```
  }];
  let parameters = (ins "::mlir::StringAttr":$file, "::mlir::StringAttr":$key,
                        DefaultValuedParameter<"::mlir::StringAttr",
                            "::mlir::StringAttr()">:$location,
                        DefaultValuedParameter<"int64_t", "-1">:$offset,
                        DefaultValuedParameter<"int64_t", "-1">:$length);
  let assemblyFormat = [{
    `<` $file `,` $key (`,` `location` `=` $location^)?
        (`,` `offset` `=` $offset^)? (`,` `length` `=` $length^)? `>`
  }];
}

def NN_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "How nn.gelu computes the Gaussian CDF", [
      I32EnumAttrCase<"None", 0, "none">,
      I32EnumAttrCase<"Tanh", 1, "tanh">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::pp::nn";
}

def NN_GeluApproximationAttr
    : EnumAttr<NN_Dialect, NN_GeluApproximation, "approximate"> {
  let summary = "The approximation of nn.gelu and nn.gelu_grad";
  let description = [{
    `none`: exact, with erf; `tanh`: ONNX's and PyTorch's tanh
    approximation. Written `#nn<approximate tanh>`.
  }];
}

#endif // PP_DIALECT_NN_IR_NNDIALECT_TD
