//===- ParameterReader.h - The data of a parameter --------------*- C++ -*-===//
//
// Reads the data of an `ml_program.global` for the weights file. Data named
// by `#nn.external` comes from the ONNX model: a recorded byte range is read
// straight from the file it lies in, piece by piece, so a large model is
// never held in memory; data embedded in the model's protobuf is read by the
// ONNX importer's model loader (which skips the large tensors) and decoded
// by its tensor conversion. A global initialised with dense elements (a
// hand-written module) is written from them.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_PARAMETERREADER_H
#define PP_LIB_EXPORT_PARAMETERREADER_H

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace pp::exporter {

class ParameterReader {
public:
  ParameterReader();
  ~ParameterReader();

  /// Writes the data of `global`, `getEncodedBytes(global's type)` bytes,
  /// to `out`. Emits an error at the global naming the file and the reason
  /// when the data cannot be read.
  llvm::LogicalResult write(mlir::ml_program::GlobalOp global,
                            llvm::raw_ostream &out);

private:
  llvm::LogicalResult writeRange(mlir::ml_program::GlobalOp global,
                                 nn::ExternalDataAttr external,
                                 llvm::raw_ostream &out);
  llvm::LogicalResult writeEmbedded(mlir::ml_program::GlobalOp global,
                                    nn::ExternalDataAttr external,
                                    llvm::raw_ostream &out);
  /// The model `path`, loaded once; null after an error.
  const onnx::ModelProto *getModel(mlir::ml_program::GlobalOp global,
                                   llvm::StringRef path);

  llvm::StringMap<std::unique_ptr<onnx::ModelProto>> models;
};

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_PARAMETERREADER_H
