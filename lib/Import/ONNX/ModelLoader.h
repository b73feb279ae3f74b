//===- ModelLoader.h - Read an ONNX ModelProto from disk --------*- C++ -*-===//

#ifndef PP_LIB_IMPORT_ONNX_MODELLOADER_H
#define PP_LIB_IMPORT_ONNX_MODELLOADER_H

#include "ONNXProto.h"

#include "llvm/Support/Error.h"

namespace pp::onnx_import {

/// Reads `path` as binary protobuf or, for `.onnxtext`, as ONNX's text
/// syntax. The error message names what is wrong, not the file: callers
/// attach the file's location.
llvm::Error loadModel(llvm::StringRef path, onnx::ModelProto &model);

/// Parses `bytes` as a binary model, or as text syntax when `isText`.
llvm::Error loadModelFromBuffer(llvm::StringRef bytes, bool isText,
                                onnx::ModelProto &model);

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_MODELLOADER_H
