//===- Activity.h - Which values of a function autodiff touches -*- C++ -*-===//
//
// The activity analysis of pp-autodiff. A value is *varied* when it depends,
// through operands that carry gradients, on a float data input or on a
// trainable parameter; *active* when it is varied and an output depends on
// it the same way: only active values get gradients. Independently, a value
// is *parameter-derived* when it is computed by pure ops from globals and
// constants alone: B and W recompute those instead of saving them, and
// their gradients belong to W.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_TRAINING_ACTIVITY_H
#define PP_LIB_TRANSFORMS_TRAINING_ACTIVITY_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"

namespace pp {

/// Whether `global` is a trainable parameter: a mutable float tensor.
/// (Immutable globals are constants.)
bool isTrainable(mlir::ml_program::GlobalOp global);

class Activity {
public:
  /// Analyses the single block of `func`. Fails, with an error at the op,
  /// when an op without a gradient rule has an active result.
  static llvm::FailureOr<Activity>
  analyze(mlir::func::FuncOp func, mlir::SymbolTableCollection &symbols);

  bool isActive(mlir::Value value) const { return active.contains(value); }
  bool isParameterDerived(mlir::Value value) const {
    return parameterDerived.contains(value);
  }
  /// Whether some result of `op` is active.
  bool hasActiveResult(mlir::Operation *op) const;

private:
  llvm::DenseSet<mlir::Value> active;
  llvm::DenseSet<mlir::Value> parameterDerived;
};

/// How diagnostics name `op`: its kind (an nn.onnx op by its ONNX type) and,
/// when its location has one, the ONNX node it came from.
std::string describeOp(mlir::Operation *op);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_TRAINING_ACTIVITY_H
