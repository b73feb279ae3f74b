//===- WeightSkippingParser.h - Parse a model without its weights -*- C++ -*-=//
//
// Parses a binary ModelProto with protobuf's own wire-format reader, except
// that the `raw_data` of large initializers is not copied: the parser skips
// over it (a seek, for a file) and records where it lies, turning the tensor
// into one that names its own model file as external data. Importing a
// 1.4 GB model then costs a parse of the graph, not a copy of the weights,
// and the recorded offsets let later stages read each weight directly.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_IMPORT_ONNX_WEIGHTSKIPPINGPARSER_H
#define PP_LIB_IMPORT_ONNX_WEIGHTSKIPPINGPARSER_H

#include "ONNXProto.h"

#include <google/protobuf/io/coded_stream.h>

#include <optional>
#include <string>

namespace pp::onnx_import {

/// Parses a ModelProto from `input`, which must start at byte 0 of the model
/// file. When `selfLocation` is set (the model file's name relative to its
/// directory), initializer `raw_data` of at least `minSkippedBytes` bytes is
/// skipped and recorded as external data in `selfLocation`; otherwise
/// everything is read. Returns false on malformed input.
/// `fileSize`, when known (>= 0), bounds the skipped data: a weight that
/// would end past it makes the parse fail (a truncated file), since a seek
/// past the end of a file succeeds.
bool parseModelSkippingWeights(google::protobuf::io::CodedInputStream &input,
                               onnx::ModelProto &model,
                               const std::optional<std::string> &selfLocation,
                               int64_t minSkippedBytes = 4096,
                               int64_t fileSize = -1);

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_WEIGHTSKIPPINGPARSER_H
