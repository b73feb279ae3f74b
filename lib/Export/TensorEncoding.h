//===- TensorEncoding.h - MLIR types and data in program form --*- C++ -*-===//
//
// How the exporter spells MLIR tensor types and dense data in the program
// format: element types as `pp.program.DataType` codes, shapes as static
// dimension lists, and data as raw little-endian bytes (booleans one byte
// each), the layout of the weights file and of `TensorData.raw`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_TENSORENCODING_H
#define PP_LIB_EXPORT_TENSORENCODING_H

#include "program.pb.h"

#include "pp/Import/InitializerReader.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <string>

namespace pp::exporter {

/// The program format's code for `elementType`, or none if it has none.
std::optional<program::DataType> getDataType(mlir::Type elementType);

/// Fills `out` with `type`, which must be a statically shaped ranked tensor
/// of an element type with a code. On failure returns the reason, to be
/// completed with the value it is about ("has type ... which ...").
std::optional<std::string> encodeTensorType(mlir::Type type,
                                            program::TensorType &out);

// The data encoding (getEncodedBytes, appendEncodedData) is the
// initializer reader's.
using ::pp::appendEncodedData;
using ::pp::getEncodedBytes;

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_TENSORENCODING_H
