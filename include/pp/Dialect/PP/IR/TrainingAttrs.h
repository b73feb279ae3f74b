//===- TrainingAttrs.h - Names of the training contract ---------*- C++ -*-===//
//
// The attributes by which a training module describes itself: the roles of
// functions and of their arguments and results, the keys that match ports
// across functions, the loss and frozen parameters (docs/Training.md,
// docs/Integration.md). pp-autodiff and pp-outline-stages write them, the
// dialect verifies them and pp-export reads them; a front end or a consumer
// of pp's output uses the same names.
//
//===----------------------------------------------------------------------===//

#ifndef PP_DIALECT_PP_IR_TRAININGATTRS_H
#define PP_DIALECT_PP_IR_TRAININGATTRS_H

#include "pp/Dialect/PP/IR/PP.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringRef.h"

namespace pp::training {

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

/// The suffixes of the functions pp-autodiff adds next to `@F`.
inline constexpr llvm::StringLiteral kBackwardInputSuffix = "_backward_input";
inline constexpr llvm::StringLiteral kBackwardWeightSuffix = "_backward_weight";

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

} // namespace pp::training

#endif // PP_DIALECT_PP_IR_TRAININGATTRS_H
