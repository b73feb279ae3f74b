//===- TrainingPasses.h - pp's training passes ------------------*- C++ -*-===//
//
// pp-attach-loss, pp-outline-stages and pp-autodiff, and the names of the
// attributes by which the functions autodiff produces describe their roles and
// ports (docs/Training.md); the exporter reads the same names.
//
//===----------------------------------------------------------------------===//

#ifndef PP_TRANSFORMS_TRAININGPASSES_H
#define PP_TRANSFORMS_TRAININGPASSES_H

#include "pp/Dialect/NN/IR/NN.h"
#include "pp/Dialect/PP/IR/PP.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace pp {

#define GEN_PASS_DECL
#include "pp/Transforms/TrainingPasses.h.inc"

#define GEN_PASS_REGISTRATION
#include "pp/Transforms/TrainingPasses.h.inc"

/// Attribute names of the training contract.
namespace training {

/// On functions: `forward`, `backward_input` or `backward_weight`; on
/// arguments and results: one of the port roles below.
inline constexpr llvm::StringLiteral kRoleAttr =
    ::pp::pp::PPDialect::kRoleAttrName;
/// On the module: the loss pp-attach-loss attached (its `kind`).
inline constexpr llvm::StringLiteral kLossAttr =
    ::pp::pp::PPDialect::kLossAttrName;
/// On an `ml_program.global` pp-attach-loss froze (made immutable): why,
/// `option`, `training_info` or `non_finite`.
inline constexpr llvm::StringLiteral kFrozenAttr =
    ::pp::pp::PPDialect::kFrozenAttrName;
/// On an nn.gather from an embedding table: the row whose lookups pass no
/// gradient (pp-attach-loss padding-index=).
inline constexpr llvm::StringLiteral kPaddingIndexAttr =
    ::pp::pp::PPDialect::kPaddingIndexAttrName;
/// On the module (the ONNX importer): the initializers the model's
/// TrainingInfoProtos update (`update_binding` keys), when it has any.
inline constexpr llvm::StringLiteral kTrainingInfoUpdatesAttr =
    "onnx.training_info_updates";
/// On arguments and results: the key that matches ports across functions.
inline constexpr llvm::StringLiteral kKeyAttr =
    ::pp::pp::PPDialect::kKeyAttrName;
/// The ONNX name of a function argument or result.
inline constexpr llvm::StringLiteral kOnnxNameAttr = "onnx.name";

inline constexpr llvm::StringLiteral kForwardRole = "forward";
inline constexpr llvm::StringLiteral kBackwardInputRole = "backward_input";
inline constexpr llvm::StringLiteral kBackwardWeightRole = "backward_weight";

inline constexpr llvm::StringLiteral kInputPort = "input";
inline constexpr llvm::StringLiteral kOutputPort = "output";
inline constexpr llvm::StringLiteral kSavedPort = "saved";
inline constexpr llvm::StringLiteral kOutputGradPort = "output_grad";
inline constexpr llvm::StringLiteral kInputGradPort = "input_grad";
inline constexpr llvm::StringLiteral kCotangentPort = "cotangent";
inline constexpr llvm::StringLiteral kParamGradPort = "param_grad";
/// The tensors crossing a boundary between virtual stages
/// (pp-outline-stages): forward arguments from the previous virtual stage,
/// forward results for the next, and their gradients in B.
inline constexpr llvm::StringLiteral kBoundaryInPort = "boundary_in";
inline constexpr llvm::StringLiteral kBoundaryOutPort = "boundary_out";
inline constexpr llvm::StringLiteral kBoundaryOutGradPort = "boundary_out_grad";
inline constexpr llvm::StringLiteral kBoundaryInGradPort = "boundary_in_grad";
/// On a boundary argument or result: the tensor carries no gradient (an
/// integer tensor, a mask, a value no trainable parameter reaches).
inline constexpr llvm::StringLiteral kNoGradAttr =
    ::pp::pp::PPDialect::kNoGradAttrName;

/// The role (`pp.role`) and the key (`pp.key`) of a port whose argument or
/// result attributes are `attrs`; "" when it has none.
inline llvm::StringRef getPortRole(mlir::DictionaryAttr attrs) {
  auto role =
      attrs ? attrs.getAs<mlir::StringAttr>(kRoleAttr) : mlir::StringAttr();
  return role ? role.getValue() : llvm::StringRef();
}
inline llvm::StringRef getPortKey(mlir::DictionaryAttr attrs) {
  auto key =
      attrs ? attrs.getAs<mlir::StringAttr>(kKeyAttr) : mlir::StringAttr();
  return key ? key.getValue() : llvm::StringRef();
}

/// The suffixes of the functions pp-autodiff adds next to `@F`.
inline constexpr llvm::StringLiteral kBackwardInputSuffix = "_backward_input";
inline constexpr llvm::StringLiteral kBackwardWeightSuffix = "_backward_weight";

/// Gives every random op of `func` (nn.dropout) that has none a
/// `pp.rng_id`: the next unused id of the module, in op order. The id keys
/// the op's stream of the runtime's counter-based generator, so it must be
/// assigned once, on the whole model, before it is split or recomputed.
void assignRandomIds(mlir::func::FuncOp func);

} // namespace training

} // namespace pp

#endif // PP_TRANSFORMS_TRAININGPASSES_H
