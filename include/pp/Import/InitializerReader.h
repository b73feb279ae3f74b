//===- InitializerReader.h - The data of an imported initializer -*- C++
//-*-===//
//
// Reads the data of an `ml_program.global`: for pp-export's weights files,
// and for passes that look at values (pp-attach-loss freezes initializers
// that hold non-finite values). Data named
// by `#nn.external` comes from the ONNX model: a recorded byte range is read
// straight from the file it lies in, piece by piece, so a large model is
// never held in memory; data embedded in the model's protobuf is read by the
// ONNX importer's model loader (which skips the large tensors) and decoded
// by its tensor conversion. A global initialised with dense elements (a
// hand-written module) is written from them.
//
//===----------------------------------------------------------------------===//

#ifndef PP_IMPORT_INITIALIZERREADER_H
#define PP_IMPORT_INITIALIZERREADER_H

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace pp {

/// The bytes of a tensor of `type` in pp's encoding: little-endian
/// elements, booleans one byte each.
uint64_t getEncodedBytes(mlir::RankedTensorType type);

/// Appends `data` in that encoding to `out`.
void appendEncodedData(mlir::DenseElementsAttr data, std::string &out);

class InitializerReader {
public:
  /// `pass` starts error messages ("pp-export").
  explicit InitializerReader(llvm::StringRef pass);
  ~InitializerReader();

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

  std::string pass;
  llvm::StringMap<std::unique_ptr<onnx::ModelProto>> models;
};

} // namespace pp

#endif // PP_IMPORT_INITIALIZERREADER_H
