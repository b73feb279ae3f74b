//===- DataLoader.h - A batch from a directory of tensor files --*- C++ -*-===//
//
// pp-run --data DIR reads one ONNX TensorProto file per manifest input
// (labels included):
//
//  - DIR/<name>.pb (a name that is no valid file name is looked up with
//    every character outside [A-Za-z0-9._-] replaced by '_'), or else
//  - ONNX's backend-test layout, DIR/input_<k>.pb: the file whose
//    TensorProto name is the input's name, or else input_<k>.pb for the
//    k-th manifest input when that file's name matches no manifest input.
//
// Every tensor must have exactly the manifest's element type and shape.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_DATALOADER_H
#define PP_RUNTIME_DATALOADER_H

#include "pp/Runtime/StepRunner.h"

#include <string>

namespace pp::rt {

/// `name` with every character outside [A-Za-z0-9._-] replaced by '_'
/// (also how pp-run --dump names its files).
std::string fileSafeName(const std::string &name);

/// Reads the batch of `manifest`'s inputs from `dataDir`. Errors name the
/// file and the input, and say what was expected and what was found.
Status loadBatch(const program::Manifest &manifest, const std::string &dataDir,
                 Batch &out);

} // namespace pp::rt

#endif // PP_RUNTIME_DATALOADER_H
