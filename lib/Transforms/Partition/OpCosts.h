//===- OpCosts.h - Per-op times and saved bytes of @forward -----*- C++ -*-===//
//
// Shared by pp-annotate-cost and pp-partition-stages: which ops are compute
// nodes, which values carry a gradient and which of those are parameters
// (or computed from parameters only), and from the nn cost interface and a
// device profile, each node's forward (F), backward-to-input (B) and
// backward-to-weight (W) seconds and the activation bytes it keeps.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_TRANSFORMS_PARTITION_OPCOSTS_H
#define PP_LIB_TRANSFORMS_PARTITION_OPCOSTS_H

#include "pp/Planning/Device/DeviceProfile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <string>
#include <vector>

namespace pp {

/// Per-microbatch figures of one node.
struct OpTimes {
  double forward = 0, backwardInput = 0, backwardWeight = 0;
  /// Bytes kept from the forward for the backward, each saved value counted
  /// once: on its producer, or for a function argument on its first saver.
  double activationBytes = 0;
};

/// Whether `op` is not a node: a constant (replicated to every stage that
/// uses it), a parameter load (attached to its users), or the terminator.
bool isReplicatedOrParameter(mlir::Operation *op);

/// The name a node goes by: its NameLoc (the ONNX node name), else
/// `<op name>#<position>`.
std::string getNodeName(mlir::Operation *op, unsigned position);

/// The compute nodes of `func` in block order with their costs, and the
/// gradient flow between them.
class FunctionCosts {
public:
  /// Fails (with a diagnostic) on an op that is neither a node with the nn
  /// cost interface nor replicated.
  static llvm::FailureOr<FunctionCosts>
  compute(mlir::func::FuncOp func, const device::DeviceProfile &profile);

  llvm::ArrayRef<mlir::Operation *> getNodes() const { return nodes; }
  const OpTimes &getTimes(unsigned node) const { return times[node]; }
  llvm::StringRef getName(unsigned node) const { return names[node]; }
  /// Index of a node op, or -1.
  int getNodeIndex(mlir::Operation *op) const {
    auto it = nodeIndex.find(op);
    return it == nodeIndex.end() ? -1 : (int)it->second;
  }

  /// A float value that depends on a trainable parameter.
  bool requiresGradient(mlir::Value v) const { return needsGrad.count(v); }
  /// A value that needs a gradient and depends on no function argument (a
  /// weight, or its transpose): its gradient is backward-to-weight work.
  bool isParameterDerived(mlir::Value v) const { return fromParams.count(v); }
  /// The mutable global a parameter load reads, or null.
  mlir::StringAttr getTrainableGlobal(mlir::Value v) const {
    return trainable.lookup(v);
  }

private:
  std::vector<mlir::Operation *> nodes;
  std::vector<std::string> names;
  std::vector<OpTimes> times;
  llvm::DenseMap<mlir::Operation *, unsigned> nodeIndex;
  llvm::DenseSet<mlir::Value> needsGrad, fromParams;
  llvm::DenseMap<mlir::Value, mlir::StringAttr> trainable;
};

} // namespace pp

#endif // PP_LIB_TRANSFORMS_PARTITION_OPCOSTS_H
