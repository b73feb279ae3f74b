//===- GradientRules.h - Vector-Jacobian products of nn ops -----*- C++ -*-===//
//
// A gradient rule emits, for one forward op, the gradients of some of its
// operands from the gradients of its results. pp-autodiff calls a rule once
// in the backward-input function (for the operands that are activations)
// and once in the backward-weight function (for the parameter-derived ones);
// the GradientContext hides which: it hands out the result gradients and
// the forward values the rule reads (saved or recomputed) in the function
// being built. Rules are grouped by op family, one file each.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_TRAINING_GRADIENTRULES_H
#define PP_LIB_TRANSFORMS_TRAINING_GRADIENTRULES_H

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseMap.h"

#include <functional>

namespace pp {

/// The function a rule emits into: it supplies forward values and result
/// gradients there (pp-autodiff implements it for B and for W).
class GradientTarget {
public:
  virtual ~GradientTarget() = default;
  /// The forward value `value`, available in the function being built.
  virtual mlir::Value getForwardValue(mlir::Value value) = 0;
  /// The gradient of the forward result `result` there, or null when the
  /// result has none (it does not reach an output, or is not a float).
  virtual mlir::Value getResultGradient(mlir::Value result) = 0;
};

/// What a rule sees while it differentiates one op.
class GradientContext {
public:
  GradientContext(mlir::OpBuilder &builder, mlir::Operation *op,
                  GradientTarget &target, llvm::ArrayRef<bool> wanted);

  mlir::OpBuilder &getBuilder() { return builder; }
  /// The forward op's location: every op a rule emits carries it.
  mlir::Location getLoc() const { return op->getLoc(); }

  /// The gradient of result `index`, or null when it has none.
  mlir::Value getResultGradient(unsigned index = 0);
  /// The forward value `value` (an operand or result of the op). The first
  /// read of an activation makes it a saved value: read them one statement
  /// at a time (not several in one argument list, whose evaluation order
  /// C++ leaves open) so that the saved values' order is the same with
  /// every compiler.
  mlir::Value getForward(mlir::Value value);

  /// Whether the gradient of operand `index` is asked for.
  bool wants(unsigned index) const { return wanted[index]; }
  /// Records `grad` as the gradient of operand `index`; it must have the
  /// operand's type. Ignored when the operand's gradient was not asked for.
  void setOperandGradient(unsigned index, mlir::Value grad);
  /// The gradients set, one per operand (null where none was set).
  llvm::ArrayRef<mlir::Value> getOperandGradients() const {
    return operandGrads;
  }

  //===--------------------------------------------------------------------===//
  // Helpers shared by the rules. Each returns its input unchanged when the
  // operation would be the identity.
  //===--------------------------------------------------------------------===//

  /// `grad` summed over its broadcast axes down to `type` (nn.sum_to).
  mlir::Value sumTo(mlir::Value grad, mlir::Type type);
  /// `value` reshaped to `type`'s shape.
  mlir::Value reshape(mlir::Value value, mlir::Type type);
  /// `value` broadcast to `type`'s shape (nn.expand).
  mlir::Value expand(mlir::Value value, mlir::Type type);
  /// `value` transposed by `perm`; a transpose of a transpose is folded.
  mlir::Value transpose(mlir::Value value, llvm::ArrayRef<int64_t> perm);
  /// `value` with its last two axes swapped.
  mlir::Value transposeLastTwo(mlir::Value value);
  /// A 0-d constant of `elementType` holding `number`.
  mlir::Value scalar(mlir::Type elementType, double number);
  /// `value` times `factor` (a 0-d constant), or `value` when it is 1.
  mlir::Value scale(mlir::Value value, double factor);
  /// Zeros of `type`.
  mlir::Value zeros(mlir::Type type);

private:
  mlir::OpBuilder &builder;
  mlir::Operation *op;
  GradientTarget &target;
  llvm::SmallVector<bool> wanted;
  llvm::SmallVector<mlir::Value> operandGrads;
};

/// An nn.constant of `type` (a float tensor) with every element `number`.
mlir::Value createSplat(mlir::OpBuilder &builder, mlir::Location loc,
                        mlir::Type type, double number);

/// The gradient rule of one op kind.
struct GradientRule {
  /// Whether operand `index` of `op` can carry a gradient at all, when it
  /// is a float tensor: false for BatchNormalization's running statistics.
  /// Null: every float operand can.
  std::function<bool(mlir::Operation *op, unsigned index)> carriesGradient;
  /// Emits the gradients of the operands `context.wants`.
  std::function<llvm::LogicalResult(mlir::Operation *op,
                                    GradientContext &context)>
      emit;
};

/// Every op kind that has a gradient rule, by op type.
class GradientRules {
public:
  /// The rules of all nn ops (built once).
  static const GradientRules &get();

  /// The rule of `op`'s kind, or null when it has none.
  const GradientRule *lookup(mlir::Operation *op) const;

  /// Whether operand `index` of `op` carries a gradient: it is a float
  /// tensor and the rule does not exclude it. For an op without a rule,
  /// every float operand is assumed to, so that activity analysis finds it
  /// on the paths it lies on.
  bool carriesGradient(mlir::Operation *op, unsigned index) const;

  template <typename OpTy>
  void add(llvm::LogicalResult (*emit)(OpTy op, GradientContext &context),
           bool (*carries)(OpTy op, unsigned index) = nullptr) {
    GradientRule rule;
    rule.emit = [emit](mlir::Operation *op, GradientContext &context) {
      return emit(llvm::cast<OpTy>(op), context);
    };
    if (carries)
      rule.carriesGradient = [carries](mlir::Operation *op, unsigned index) {
        return carries(llvm::cast<OpTy>(op), index);
      };
    rules[mlir::TypeID::get<OpTy>()] = std::move(rule);
  }

private:
  llvm::DenseMap<mlir::TypeID, GradientRule> rules;
};

// One registration function per op family (one file each).
void addElementwiseGradientRules(GradientRules &rules);
void addLinearGradientRules(GradientRules &rules);
void addNormGradientRules(GradientRules &rules);
void addConvPoolGradientRules(GradientRules &rules);
void addReductionGradientRules(GradientRules &rules);
void addMovementGradientRules(GradientRules &rules);
void addLossGradientRules(GradientRules &rules);

} // namespace pp

#endif // PP_LIB_TRANSFORMS_TRAINING_GRADIENTRULES_H
