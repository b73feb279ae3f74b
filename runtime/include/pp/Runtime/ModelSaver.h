//===- ModelSaver.h - Trained weights back into the ONNX model --*- C++ -*-===//
//
// pp-run --save OUT.onnx writes a copy of the manifest's `source_model` in
// which the initializer of every trainable and state parameter (matched by
// the parameter's `source_name`) holds the current values. Every
// initializer is written inline as raw_data: references to external data
// files are dropped (their data is read and inlined), so OUT.onnx stands
// alone.
//
// The model is written to a temporary file next to OUT.onnx and renamed
// over it: OUT.onnx is either the old file or the complete new one, never
// half written, and the temporary file is removed on every error.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_MODELSAVER_H
#define PP_RUNTIME_MODELSAVER_H

#include "pp/Runtime/Program.h"

#include <string>

namespace pp::rt {

Status saveTrainedModel(const ProgramDirectory &dir,
                        const std::string &outPath);

} // namespace pp::rt

#endif // PP_RUNTIME_MODELSAVER_H
