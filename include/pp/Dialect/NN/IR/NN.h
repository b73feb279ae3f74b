//===- NN.h - The nn dialect: dialect, attributes, ops ----------*- C++ -*-===//
//
// Include this header to use the nn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef PP_DIALECT_NN_IR_NN_H
#define PP_DIALECT_NN_IR_NN_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace pp::nn {

/// Work and memory traffic of one execution of an op.
struct OpCost {
  double flops = 0;
  double bytesRead = 0;
  double bytesWritten = 0;
};

/// Cost of an elementwise op: `flopsPerElement` per result element, each
/// operand read once, each result written once.
OpCost getElementwiseCost(mlir::Operation *op, double flopsPerElement);

/// The gradient of operand `operand` of `op`, for ops that do not override
/// `getOperandGradientCost`: matrix products, convolutions, normalisations,
/// softmax, pools, reductions, data movement and the elementwise ops
/// (`flopsPerElement` per result element) each by their own rule (NNCost.cpp).
OpCost getDefaultOperandGradientCost(mlir::Operation *op, unsigned operand,
                                     double flopsPerElement);

/// The operands and results the backward of `op` reads, for ops that do not
/// override `getSavedForBackward`.
void getDefaultSavedForBackward(mlir::Operation *op,
                                llvm::SmallVectorImpl<mlir::Value> &values);

/// Bytes kept for the backward of `op` that are no SSA value.
double getDefaultSavedStatisticsBytes(mlir::Operation *op);

/// Whether a gradient can flow through a value of type `type`: a float
/// tensor (or float scalar).
bool isDifferentiableType(mlir::Type type);

/// Bytes of a statically shaped tensor type (sub-byte types round up).
int64_t getTensorBytes(mlir::Type type);

/// MLIR spelling of the float element type `op` computes in ("f32"), or
/// "default": what a device profile's peak FLOP/s are keyed by.
std::string getComputeType(mlir::Operation *op);

/// Result type of numpy-style broadcasting of `lhs` and `rhs` with element
/// type `elementType`; emits an error naming `opName` on mismatch.
llvm::LogicalResult
inferBroadcastBinary(std::optional<mlir::Location> loc, llvm::StringRef opName,
                     mlir::Type lhs, mlir::Type rhs, mlir::Type elementType,
                     llvm::SmallVectorImpl<mlir::Type> &types);

/// Broadcast shape of two shapes, or failure if they are incompatible.
llvm::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

} // namespace pp::nn

#include "pp/Dialect/NN/IR/NNInterfaces.h.inc"
#include "pp/Dialect/NN/IR/NNOpsDialect.h.inc"

#include "pp/Dialect/NN/IR/NNEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "pp/Dialect/NN/IR/NNAttrs.h.inc"

#define GET_OP_CLASSES
#include "pp/Dialect/NN/IR/NNOps.h.inc"

#endif // PP_DIALECT_NN_IR_NN_H
