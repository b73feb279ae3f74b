//===- ManifestWriter.h - The manifest of an export directory ---*- C++ -*-===//
//
// `manifest.pbtxt` says what an export directory holds and how to feed it:
// the format version and producer, the ONNX model the weights came from
// (absolute, so that `pp-run --save` can copy it), the stages and their
// files, the schedule and microbatches, the loss `pp-attach-loss` attached,
// and the data the step reads and the outputs it gives, with whole-batch
// types (the microbatches stacked along axis 0).
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_MANIFESTWRITER_H
#define PP_LIB_EXPORT_MANIFESTWRITER_H

#include "ExportPlan.h"

#include "program.pb.h"

#include "mlir/IR/BuiltinOps.h"

namespace pp::exporter {

/// File names inside an export directory.
std::string getProgramFileName(unsigned stage);
std::string getWeightsFileName(unsigned stage);
inline constexpr llvm::StringLiteral kManifestFileName = "manifest.pbtxt";

/// What programs and manifests name as their producer: "pp-opt VERSION".
std::string getProducer();

/// Builds the manifest of `module`, planned as `plan` and exported as
/// `programs` (one per stage, in stage order). Emits an error at the module
/// and fails when the model it names cannot be read.
mlir::FailureOr<program::Manifest>
buildManifest(mlir::ModuleOp module, const ExportPlan &plan,
              llvm::ArrayRef<const program::Program *> programs);

/// Writes `manifest` as protobuf text to `path`; emits an error at `module`
/// on failure.
mlir::LogicalResult writeManifest(mlir::ModuleOp module,
                                  const program::Manifest &manifest,
                                  llvm::StringRef path);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_MANIFESTWRITER_H
