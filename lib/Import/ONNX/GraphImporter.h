//===- GraphImporter.h - Import an ONNX graph into a module -----*- C++ -*-===//

#ifndef PP_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define PP_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "ONNXProto.h"

#include "pp/Import/ONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <memory>

namespace pp::onnx_import {

class NodeImporter;

/// Imports the main graph of one model. Errors are emitted as diagnostics at
/// the file or at the node's location (`NameLoc(node, file)`).
class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext *context, const onnx::ModelProto &model,
                llvm::StringRef path, const ONNXImportOptions &options);
  ~GraphImporter();

  mlir::OwningOpRef<mlir::ModuleOp> run();

private:
  mlir::Location fileLoc();
  mlir::Location nodeLoc(const onnx::NodeProto &node);
  mlir::InFlightDiagnostic fileError();
  /// Starts an error at `node`: "OpType: ...".
  mlir::InFlightDiagnostic nodeError(const onnx::NodeProto &node);

  mlir::LogicalResult readOpset();
  mlir::FailureOr<mlir::RankedTensorType>
  convertInputType(const onnx::ValueInfoProto &info);
  mlir::LogicalResult importInitializers();
  mlir::LogicalResult importInitializer(const onnx::TensorProto &tensor);
  mlir::FailureOr<llvm::SmallVector<const onnx::NodeProto *>> sortNodes();
  mlir::LogicalResult importNode(const onnx::NodeProto &node);
  mlir::LogicalResult checkAttributes(const onnx::NodeProto &node,
                                      int64_t opset);
  mlir::LogicalResult importConstantNode(NodeImporter &importer);
  mlir::LogicalResult importGenericNode(NodeImporter &importer,
                                        llvm::StringRef domain,
                                        int64_t version);
  mlir::Attribute convertAttribute(const onnx::AttributeProto &attr,
                                   const onnx::NodeProto &node);
  mlir::Attribute externalData(llvm::StringRef key,
                               const onnx::TensorProto *tensor = nullptr);
  const onnx::TypeProto *inferredType(llvm::StringRef valueName);
  mlir::LogicalResult checkDeclaredType(const onnx::ValueInfoProto &output,
                                        mlir::RankedTensorType inferred);
  void removeUnusedValues();

  mlir::MLIRContext *context;
  const onnx::ModelProto &model;
  std::string path;
  std::string modelDir;
  const ONNXImportOptions &options;
  llvm::StringSet<> usedDims;

  mlir::OpBuilder builder;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp function;
  mlir::Block *body = nullptr;
  int64_t opset = 0;
  llvm::StringMap<int64_t> domainVersions;
  llvm::StringMap<mlir::Value> values;
  /// The values of sequence-typed names (SplitToSequence's outputs).
  llvm::StringMap<llvm::SmallVector<mlir::Value>> sequences;
  /// Positions of the graph's nodes, which name unnamed nodes; filled on
  /// first need.
  llvm::DenseMap<const onnx::NodeProto *, int> nodeIndices;

  /// ONNX shape inference over a weight-less copy of the model, computed on
  /// first need (an operator without an nn op).
  std::unique_ptr<onnx::ModelProto> inferred;
  llvm::StringMap<const onnx::TypeProto *> inferredTypes;
};

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
