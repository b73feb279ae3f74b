//===- TrainingPasses.h - pp's training passes ------------------*- C++ -*-===//
//
// pp-attach-loss, pp-outline-stages and pp-autodiff. The names of the
// attributes by which the functions autodiff produces describe their roles and
// ports are the dialect's (pp/Dialect/PP/IR/TrainingAttrs.h).
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_TRAININGPASSES_H
#define PP_TRANSFORMS_TRAININGPASSES_H

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"
#include "pp/Dialect/PP/IR/TrainingAttrs.h"
#include "pp/Transforms/OptionValues.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Transforms/TrainingPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Transforms/TrainingPasses.h.inc"

namespace training {

/// Gives every random op of `func` (nn.dropout) that has none a
/// `pp.rng_id`: the next unused id of the module, in op order. The id keys
/// the op's stream of the runtime's counter-based generator, so it must be
/// assigned once, on the whole model, before it is split or recomputed.
void assignRandomIds(mlir::func::FuncOp func);

} // namespace training

} // namespace pp

#endif // PP_TRANSFORMS_TRAININGPASSES_H
