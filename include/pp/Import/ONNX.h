//===- ONNX.h - Import ONNX models into the nn dialect ----------*- C++ -*-===//
//
// Reads an ONNX model (binary protobuf `.onnx` or ONNX's text syntax
// `.onnxtext`) into a module holding `func.func @forward` of nn ops, with the
// initializers as `ml_program.global` symbols whose data stays in the file.
//
//===----------------------------------------------------------------------===//

#ifndef PP_IMPORT_ONNX_H
#define PP_IMPORT_ONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class DialectRegistry;
class MLIRContext;
} // namespace mlir

namespace pp {

struct ONNXImportOptions {
  /// Sizes of dynamic dimensions, by their ONNX `dim_param` name ("batch")
  /// or, for unnamed ones, by `INPUT:AXIS` ("input_ids:1").
  llvm::StringMap<int64_t> dims;
  /// When set, the import reports its phases (reading the protobuf, building
  /// the IR) as nested timers, for --mlir-timing.
  mlir::TimingScope *timing = nullptr;
};

/// Parses `--dim` values of the form `NAME=SIZE` into `options`; on a
/// malformed entry returns false and sets `error`.
bool parseDimBinding(llvm::StringRef binding, ONNXImportOptions &options,
                     std::string &error);

/// Registers the dialects an imported module uses.
void registerONNXImportDialects(mlir::DialectRegistry &registry);

/// Imports the model at `path`. Errors are emitted as diagnostics that name
/// the file and, where there is one, the node; returns null after an error.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXFile(llvm::StringRef path, mlir::MLIRContext *context,
               const ONNXImportOptions &options);

/// Imports a model held in memory; `bufferName` stands for the file in
/// diagnostics and in the parameters' data locations.
mlir::OwningOpRef<mlir::ModuleOp>
importONNXBuffer(llvm::StringRef bytes, bool isText, llvm::StringRef bufferName,
                 mlir::MLIRContext *context, const ONNXImportOptions &options);

/// True for file names the ONNX importer reads (`.onnx`, `.onnxtext`).
bool isONNXFileName(llvm::StringRef path);

} // namespace pp

#endif // PP_IMPORT_ONNX_H
