//===- MergedInitializers.h - Signs of merged parameters --------*- C++ -*-===//
//
// Exporters that merge initializers of equal value (the torch.export-based
// exporter's default `optimize=True`; torch.onnx's deduplication) turn the
// separate parameters of a fresh model, such as every LayerNorm's weight of
// ones, into one tensor: training the ONNX model then trains a model whose
// layers share those weights. The graph shows it: one initializer read at
// the same place by several normalisation layers, or by the same node of
// several repeated blocks.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_IMPORT_ONNX_MERGEDINITIALIZERS_H
#define PP_LIB_IMPORT_ONNX_MERGEDINITIALIZERS_H

#include "ONNXProto.h"

#include <string>
#include <vector>

namespace pp::onnx_import {

/// One warning per initializer that looks merged: its name, the nodes that
/// read it, and what to do.
std::vector<std::string> findMergedInitializers(const onnx::GraphProto &graph);

} // namespace pp::onnx_import

#endif // PP_LIB_IMPORT_ONNX_MERGEDINITIALIZERS_H
