//===- NNCost.cpp - FLOPs and bytes of nn ops -----------------------------===//
//
// Forward costs of the nn ops. FLOPs count a multiply-add as two operations;
// bytes count each operand read once and each result written once, which is
// what a fused kernel with perfect reuse achieves (a roofline lower bound).
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

using namespace mlir;

namespace pp::nn {

int64_t getTensorBytes(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return 0;
  int64_t bits = shaped.getElementTypeBitWidth();
  return (shaped.getNumElements() * bits + 7) / 8;
}

static double elementsOf(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape() ? shaped.getNumElements() : 0;
}

/// Bytes read from every operand and written to every result.
static OpCost trafficOf(Operation *op) {
  OpCost cost;
  for (Type t : op->getOperandTypes())
    cost.bytesRead += getTensorBytes(t);
  for (Type t : op->getResultTypes())
    cost.bytesWritten += getTensorBytes(t);
  return cost;
}

OpCost getElementwiseCost(Operation *op, double flopsPerElement) {
  OpCost cost = trafficOf(op);
  for (Type t : op->getResultTypes())
    cost.flops += flopsPerElement * elementsOf(t);
  return cost;
}

OpCost MatMulOp::getForwardCost() {
  // Every result element is a dot product over the contracted axis.
  auto lhs = getLhs().getType();
  int64_t k = lhs.getShape().back();
  OpCost cost = trafficOf(*this);
  cost.flops = 2.0 * k * elementsOf(getType());
  return cost;
}

OpCost GemmOp::getForwardCost() {
  auto a = getA().getType();
  int64_t k = getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  OpCost cost = trafficOf(*this);
  double outputs = elementsOf(getType());
  cost.flops = 2.0 * k * outputs + (getC() ? 2.0 * outputs : 0.0);
  return cost;
}

OpCost ConvOp::getForwardCost() {
  // Each output element reduces over C/group input channels and the kernel.
  auto weight = getWeight().getType();
  double macsPerOutput = 1;
  for (int64_t d : weight.getShape().drop_front())
    macsPerOutput *= d;
  OpCost cost = trafficOf(*this);
  double outputs = elementsOf(getType());
  cost.flops = 2.0 * macsPerOutput * outputs + (getBias() ? outputs : 0.0);
  return cost;
}

static double windowSize(ArrayRef<int64_t> kernel) {
  double n = 1;
  for (int64_t k : kernel)
    n *= k;
  return n;
}

OpCost MaxPoolOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = windowSize(getKernelShape()) * elementsOf(getType());
  return cost;
}

OpCost AveragePoolOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = (windowSize(getKernelShape()) + 1) * elementsOf(getType());
  return cost;
}

OpCost GlobalAveragePoolOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getInput().getType()) + elementsOf(getType());
  return cost;
}

OpCost ReduceMeanOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getInput().getType()) + elementsOf(getType());
  return cost;
}

OpCost ReduceSumOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getInput().getType());
  return cost;
}

} // namespace pp::nn
