//===- Channels.h - What crosses each boundary between stages ---*- C++ -*-===//
//
// The manifest's channels and tied parameters, read off the stage programs:
// channel k lists the tensors virtual stage k's forward sends to virtual
// stage k + 1 (its BOUNDARY_OUT results, which must be the next forward's
// BOUNDARY_IN arguments, in the same order and types) and the gradients
// that come back (the next backward-input's BOUNDARY_IN_GRAD results, which
// must be this one's BOUNDARY_OUT_GRAD arguments). Fixing both at compile
// time is what lets the runtime exchange tensors without a handshake.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_CHANNELS_H
#define PP_LIB_EXPORT_CHANNELS_H

#include "ExportPlan.h"

#include "program.pb.h"

#include "mlir/IR/BuiltinOps.h"

namespace pp::exporter {

/// Adds `manifest.channels` and `manifest.tied` for `programs` (one per
/// stage, in order). Emits an error at `module` when two sides of a
/// boundary disagree or a virtual stage has no forward function.
mlir::LogicalResult
addChannelsAndTies(mlir::ModuleOp module, const ExportPlan &plan,
                   llvm::ArrayRef<const program::Program *> programs,
                   program::Manifest &manifest);

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_CHANNELS_H
