//===- WeightsWriter.h - A stage's weights file -----------------*- C++ -*-===//
//
// Writes the data of a stage's parameters into one raw file, each parameter
// starting at a multiple of 64 bytes (so that the runtime can bind aligned
// tensors straight to a mapping of the file), and records every byte range
// as `Parameter.offset` and `Parameter.length`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_WEIGHTSWRITER_H
#define PP_LIB_EXPORT_WEIGHTSWRITER_H

#include "ParameterTable.h"

#include "program.pb.h"

namespace pp::exporter {

/// The alignment of every parameter in a weights file.
inline constexpr uint64_t kWeightsAlignment = 64;

/// Writes the data of `table`'s globals to `path` and sets the byte ranges
/// of `program`'s parameters (which `table` made, in the same order).
/// Emits an error at the module or the global at fault.
mlir::LogicalResult writeWeights(mlir::ModuleOp module, llvm::StringRef path,
                                 const ParameterTable &table,
                                 program::Program &program);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_WEIGHTSWRITER_H
