//===- TensorConversion.h - ONNX tensors to MLIR types and data -*- C++ -*-===//

#ifndef PP_LIB_IMPORT_ONNX_TENSORCONVERSION_H
#define PP_LIB_IMPORT_ONNX_TENSORCONVERSION_H

#include "ONNXProto.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Error.h"

namespace pp::onnx_import {

/// The MLIR element type of an ONNX data type, or null if pp has none.
mlir::Type convertElementType(int32_t dataType, mlir::MLIRContext *context);

/// ONNX's name of a data type ("FLOAT", "INT64"...), for messages.
std::string dataTypeName(int32_t dataType);

/// Where the data of a tensor stored in ONNX's external-data format lives.
struct ExternalLocation {
  std::string location; ///< Relative to the model's directory.
  int64_t offset = 0;
  int64_t length = -1; ///< -1: to the end of the file.
  /// Why an offset or length entry is unusable (not a decimal number of
  /// bytes); empty when both are fine. checkTensorData reports it.
  std::string error;
};

/// The external-data entries of `tensor`, if it uses that format.
std::optional<ExternalLocation> getExternalLocation(const onnx::TensorProto &t);

/// Checks that the data `tensor` holds (inline, or in its external file under
/// `modelDir`) has exactly the size its type and dimensions require.
llvm::Error checkTensorData(const onnx::TensorProto &tensor,
                            mlir::RankedTensorType type,
                            llvm::StringRef modelDir);

/// Reads `tensor`'s values into an attribute of type `type`.
llvm::Expected<mlir::DenseElementsAttr>
convertTensorData(const onnx::TensorProto &tensor, mlir::RankedTensorType type,
                  llvm::StringRef modelDir);

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_TENSORCONVERSION_H
