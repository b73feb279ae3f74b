//===- FreezeInitializers.h - Keep initializers out of training -*- C++ -*-===//
//
// pp-attach-loss's frozen initializers: the contract is in
// TrainingPasses.td (pp-attach-loss) and docs/Training.md ("Frozen
// initializers").
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_TRAINING_FREEZEINITIALIZERS_H
#define PP_LIB_TRANSFORMS_TRAINING_FREEZEINITIALIZERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace pp {

/// Freezes the float initializers `forward` reads that match `patterns`,
/// that the model's TrainingInfoProtos leave out, or whose data holds a
/// non-finite value: each becomes an immutable global (read with
/// `ml_program.global_load_const`) marked `pp.frozen`. Emits an error for a
/// malformed pattern or one that matches nothing, or data that cannot be
/// read.
mlir::LogicalResult freezeInitializers(mlir::ModuleOp module,
                                       mlir::func::FuncOp forward,
                                       llvm::ArrayRef<std::string> patterns);

/// Marks every nn.gather along axis 0 from the embedding table of each
/// `NAME:ROW` in `specs` with `pp.padding_index = ROW`. Emits an error for a
/// malformed entry, a table no gather reads, or a row outside it.
mlir::LogicalResult markPaddingIndices(mlir::ModuleOp module,
                                       mlir::func::FuncOp forward,
                                       llvm::ArrayRef<std::string> specs);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_TRAINING_FREEZEINITIALIZERS_H
