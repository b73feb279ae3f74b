//===- NNShapeRules.h - Shape rules shared by nn ops ------------*- C++ -*-===//
//
// ONNX's shape rules for the ops whose result shape is a computation
// (convolution, pooling, gather, slice) and the attribute checks of
// convolution and pooling, shared by the forward ops (NNShapeInference.cpp,
// NNVerifiers.cpp) and the gradient ops' verifiers (NNGradOps.cpp), which
// check that the forward rule applied to an explicit result type gives the
// incoming gradient's shape. Private to the dialect's implementation.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_DIALECT_NN_IR_NNSHAPERULES_H
#define PP_LIB_DIALECT_NN_IR_NNSHAPERULES_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir {
class Operation;
} // namespace mlir

namespace pp::nn {

using Shape = llvm::SmallVector<int64_t>;

/// Emits "'OPNAME' op ARGS..." at `loc` (if any) and fails. Rules report
/// through this so that they serve result-type inference, which may run
/// without a location, as well as verifiers.
template <typename... Args>
llvm::LogicalResult failAt(std::optional<mlir::Location> loc,
                           llvm::StringRef opName, const Args &...args) {
  if (loc) {
    auto diag = mlir::emitError(*loc) << "'" << opName << "' op ";
    (diag << ... << args);
  }
  return llvm::failure();
}

/// "[2, 3]".
std::string shapeString(llvm::ArrayRef<int64_t> shape);

/// Output size of a sliding window along one axis, as ONNX defines it.
int64_t windowOutput(int64_t in, int64_t kernel, int64_t stride,
                     int64_t padBegin, int64_t padEnd, int64_t dilation,
                     bool ceilMode);

/// Result shape of a convolution of `input` (N x C x spatial...) with
/// `weight` (M x C/group x kernel...): N x M x windows. Checks ranks and the
/// attribute counts, not the channels.
llvm::FailureOr<Shape>
inferConvShape(std::optional<mlir::Location> loc, llvm::StringRef opName,
               llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
               llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
               llvm::ArrayRef<int64_t> dilations);

/// Result shape of pooling `input` (N x C x spatial...): N x C x windows.
llvm::FailureOr<Shape>
inferPoolShape(std::optional<mlir::Location> loc, llvm::StringRef opName,
               llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> kernel,
               llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
               llvm::ArrayRef<int64_t> dilations, bool ceilMode);

/// Result shape of gathering from `data` at `indices` along `axis`.
llvm::FailureOr<Shape> inferGatherShape(std::optional<mlir::Location> loc,
                                        llvm::StringRef opName,
                                        llvm::ArrayRef<int64_t> data,
                                        llvm::ArrayRef<int64_t> indices,
                                        int64_t axis);

/// Result shape of slicing `input` with one clamped (start, end, step) per
/// axis.
llvm::FailureOr<Shape>
inferSliceShape(std::optional<mlir::Location> loc, llvm::StringRef opName,
                llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> starts,
                llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> steps);

/// Result shape of padding `input` with `pads` (begins, then ends; negative
/// ones crop) in `mode` ("constant", "reflect", "edge" or "wrap"). Checks
/// that no axis is cropped below zero and that the modes other than
/// "constant" pad only axes with elements left to copy.
llvm::FailureOr<Shape> inferPadShape(std::optional<mlir::Location> loc,
                                     llvm::StringRef opName,
                                     llvm::ArrayRef<int64_t> input,
                                     llvm::ArrayRef<int64_t> pads,
                                     llvm::StringRef mode);

/// Checks that a convolution of `input` with `weight` in `group` groups has
/// consistent channels and non-negative `pads`; emits an error at `op`.
llvm::LogicalResult verifyConvChannels(mlir::Operation *op,
                                       mlir::ShapedType input,
                                       mlir::ShapedType weight, int64_t group,
                                       llvm::ArrayRef<int64_t> pads);

/// Checks that pooling window sizes are >= 1 and each pad is smaller than its
/// window; emits an error at `op`.
llvm::LogicalResult verifyPoolWindow(mlir::Operation *op,
                                     llvm::ArrayRef<int64_t> kernel,
                                     llvm::ArrayRef<int64_t> pads);

/// Checks that each of clip's bounds `min` and `max` (null when absent) is
/// a scalar attribute of `elementType`: an integer attribute for integer
/// tensors, a float one for floats; emits an error at `op`.
llvm::LogicalResult verifyClipBounds(mlir::Operation *op, mlir::Attribute min,
                                     mlir::Attribute max,
                                     mlir::Type elementType);

} // namespace pp::nn

#endif // PP_LIB_DIALECT_NN_IR_NNSHAPERULES_H
