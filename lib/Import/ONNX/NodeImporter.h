//===- NodeImporter.h - Import one ONNX node into nn ops --------*- C++ -*-===//
//
// The context an op importer works in: the node, its operands as MLIR values,
// its attributes, and helpers that build nn ops with checked type inference
// and constant folding. Every error is emitted at the node's location and
// names the node.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_IMPORT_ONNX_NODEIMPORTER_H
#define PP_LIB_IMPORT_ONNX_NODEIMPORTER_H

#include "ONNXProto.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

namespace pp::onnx_import {

class NodeImporter {
public:
  /// A sequence value: the tensors of a SplitToSequence, by output name.
  using Sequences = llvm::StringMap<llvm::SmallVector<mlir::Value>>;
  NodeImporter(const onnx::NodeProto &node, mlir::Location loc, int64_t opset,
               mlir::OpBuilder &builder, llvm::StringMap<mlir::Value> &values,
               Sequences &sequences)
      : node(node), loc(loc), opset(opset), builder(builder),
        sequences(sequences), values(values) {}

  const onnx::NodeProto &node;
  const mlir::Location loc;
  /// The version of the default ONNX domain the model imports.
  const int64_t opset;
  mlir::OpBuilder &builder;
  /// The sequences imported so far (only SequenceAt reads them).
  Sequences &sequences;

  mlir::MLIRContext *getContext() { return builder.getContext(); }

  /// Starts an error at this node's location: "OpType: ...".
  mlir::InFlightDiagnostic error();

  // Operands.
  /// True when input `i` is given (present and not the empty name).
  bool hasInput(int i) const;
  /// Input `i`, or null when it is not given.
  mlir::Value input(int i) const;
  mlir::RankedTensorType inputType(int i) const;
  /// The value of input `i` if it is a compile-time constant, else null.
  mlir::DenseElementsAttr constantInput(int i) const;
  /// Input `i` as a list of integers; it must be constant (`what` names it in
  /// the error).
  mlir::FailureOr<llvm::SmallVector<int64_t>> intsInput(int i,
                                                        llvm::StringRef what);

  // Attributes.
  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  int64_t intAttr(llvm::StringRef name, int64_t defaultValue) const;
  float floatAttr(llvm::StringRef name, float defaultValue) const;
  std::string stringAttr(llvm::StringRef name,
                         llvm::StringRef defaultValue) const;
  std::optional<llvm::SmallVector<int64_t>>
  intsAttr(llvm::StringRef name) const;

  // Results.
  /// Number of outputs the node names (trailing empty names excluded).
  int numOutputs() const;
  /// True when output `i` is named, so something may use it.
  bool hasOutput(int i) const;
  void setOutput(int i, mlir::Value value);

  /// Normalises a possibly negative `axis` of a tensor of rank `rank`.
  mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank,
                                         llvm::StringRef what = "axis");
  /// Normalises every axis of `axes` and sorts them (repeats are kept).
  mlir::FailureOr<llvm::SmallVector<int64_t>>
  normalizeAxes(llvm::ArrayRef<int64_t> axes, int64_t rank);

  /// Builds an op whose result types the op infers, after checking the
  /// inference and the verifier with diagnostics at the node, and folds it.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::ValueRange> build(unsigned numResults, Args &&...args) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    llvm::SmallVector<mlir::Type> placeholder(numResults,
                                              builder.getNoneType());
    OpTy::build(builder, state, mlir::TypeRange(placeholder),
                std::forward<Args>(args)...);
    llvm::SmallVector<mlir::Type> types;
    if (mlir::failed(OpTy::inferReturnTypes(
            getContext(), loc, state.operands,
            state.attributes.getDictionary(getContext()),
            state.getRawProperties(), state.regions, types)))
      return mlir::failure();
    state.types.assign(types.begin(), types.end());
    return finish(builder.create(state));
  }

  /// Builds an op with explicit result types, verified and folded.
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::ValueRange> buildTyped(Args &&...args) {
    mlir::OperationState state(loc, OpTy::getOperationName());
    OpTy::build(builder, state, std::forward<Args>(args)...);
    return finish(builder.create(state));
  }

  /// Single-result forms of `build` that also set output 0.
  template <typename OpTy, typename... Args>
  mlir::LogicalResult emit(Args &&...args) {
    auto results = build<OpTy>(1, std::forward<Args>(args)...);
    if (mlir::failed(results))
      return mlir::failure();
    setOutput(0, results->front());
    return mlir::success();
  }

private:
  /// Verifies `op`, then replaces it by its folded results if it folds.
  mlir::FailureOr<mlir::ValueRange> finish(mlir::Operation *op);

  llvm::StringMap<mlir::Value> &values;
  llvm::SmallVector<mlir::Value, 2> folded;
};

/// "[1, 2, 3]", for messages.
std::string formatInts(llvm::ArrayRef<int64_t> values);

/// Imports one node of the default ONNX domain whose op type pp knows.
/// Returns std::nullopt when pp has no nn op for `node`'s op type (or for the
/// way this node uses it), so that the caller imports it generically.
std::optional<mlir::LogicalResult> importKnownNode(NodeImporter &importer);

/// Imports an Einsum node as reduce_sum, transpose, reshape, matmul and mul
/// (EinsumImporter.cpp).
mlir::LogicalResult importEinsum(NodeImporter &importer);
/// And, Or and Xor of boolean constants, folded (FoldingImporters.cpp).
mlir::LogicalResult importLogical(NodeImporter &importer);
/// GatherElements of constants, folded (FoldingImporters.cpp).
mlir::LogicalResult importGatherElements(NodeImporter &importer);
/// Sqrt and Not: folded on constants, else nn.sqrt and nn.not.
mlir::LogicalResult importSqrt(NodeImporter &importer);
mlir::LogicalResult importNot(NodeImporter &importer);
/// Sets output 0 to the logical negation of `input`, folded on a constant.
mlir::LogicalResult emitNot(NodeImporter &importer, mlir::Value input);
/// SplitToSequence as nn.split, and SequenceAt of it at a constant
/// position (SequenceImporters.cpp).
mlir::LogicalResult importSplitToSequence(NodeImporter &importer);
mlir::LogicalResult importSequenceAt(NodeImporter &importer);
/// Opset 23's RMSNormalization, RotaryEmbedding and Attention, lowered to
/// nn ops (Opset23Importers.cpp).
mlir::LogicalResult importRMSNormalization(NodeImporter &importer);
mlir::LogicalResult importRotaryEmbedding(NodeImporter &importer);
mlir::LogicalResult importAttention(NodeImporter &importer);

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_NODEIMPORTER_H
