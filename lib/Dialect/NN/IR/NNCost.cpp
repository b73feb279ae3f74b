//===- NNCost.cpp - FLOPs and bytes of nn ops -----------------------------===//
//
// Forward and backward costs of the nn ops. FLOPs count a multiply-add as two
// operations; bytes count each operand read once and each result written
// once, which is what a fused kernel with perfect reuse achieves (a roofline
// lower bound). The gradient of an operand reads the results' gradients and
// whatever the rule needs from the forward, and writes the operand's
// gradient; broadcasting adds the reduction back to the operand's shape.
//
//===----------------------------------------------------------------------===//

#include "pp/Dialect/NN/IR/NN.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

namespace pp::nn {

std::string getComputeType(Operation *op) {
  auto spell = [](Type t) {
    std::string s;
    llvm::raw_string_ostream os(s);
    t.print(os);
    return s;
  };
  for (Type t : llvm::concat<Type>(op->getResultTypes(), op->getOperandTypes()))
    if (auto shaped = dyn_cast<ShapedType>(t))
      if (isa<FloatType>(shaped.getElementType()))
        return spell(shaped.getElementType());
  return "default";
}

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

OpCost ReduceMaxOp::getForwardCost() {
  // One comparison per input element.
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getInput().getType());
  return cost;
}

OpCost ReduceMinOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getInput().getType());
  return cost;
}

//===----------------------------------------------------------------------===//
// Loss and gradient ops
//===----------------------------------------------------------------------===//

/// Multiply-adds per output element of a convolution with `weight`.
static double convMacsPerOutput(ShapedType weight) {
  double macs = 1;
  for (int64_t d : weight.getShape().drop_front())
    macs *= d;
  return macs;
}

OpCost SoftmaxCrossEntropyOp::getForwardCost() {
  // A log-softmax per row (max, exp, sum, log), then one pick and the mean.
  OpCost cost = trafficOf(*this);
  cost.flops = 12 * elementsOf(getLogits().getType()) +
               elementsOf(getLabels().getType());
  return cost;
}

OpCost SumToOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getX().getType());
  return cost;
}

OpCost LayerNormGradParamsOp::getForwardCost() {
  // Statistics recomputed from x (4), xhat (2), dy * xhat and both sums (3).
  OpCost cost = trafficOf(*this);
  cost.flops = 9 * elementsOf(getX().getType());
  return cost;
}

OpCost BatchNormGradParamsOp::getForwardCost() {
  OpCost cost = trafficOf(*this);
  cost.flops = (getTraining() ? 9 : 5) * elementsOf(getX().getType());
  return cost;
}

OpCost ConvGradInputOp::getForwardCost() {
  // A transposed convolution: the forward's multiply-adds.
  OpCost cost = trafficOf(*this);
  cost.flops = 2.0 * convMacsPerOutput(getWeight().getType()) *
               elementsOf(getDy().getType());
  return cost;
}

OpCost ConvGradWeightOp::getForwardCost() {
  // A correlation of x with dy: the forward's multiply-adds.
  OpCost cost = trafficOf(*this);
  cost.flops =
      2.0 * convMacsPerOutput(getType()) * elementsOf(getDy().getType());
  return cost;
}

OpCost MaxPoolGradOp::getForwardCost() {
  // Each window's maximum is found again in x, then dy is added there.
  OpCost cost = trafficOf(*this);
  cost.flops =
      (windowSize(getKernelShape()) + 1) * elementsOf(getDy().getType());
  return cost;
}

OpCost AveragePoolGradOp::getForwardCost() {
  // Each dy element is divided once and added to every element of its window.
  OpCost cost = trafficOf(*this);
  cost.flops =
      (windowSize(getKernelShape()) + 1) * elementsOf(getDy().getType());
  return cost;
}

OpCost GatherGradOp::getForwardCost() {
  // Zero the result, then add each element of dy.
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getDy().getType());
  return cost;
}

OpCost PadGradOp::getForwardCost() {
  // Zero the result, then add each element of dy that an input element fed.
  OpCost cost = trafficOf(*this);
  cost.flops = elementsOf(getDy().getType());
  return cost;
}

//===----------------------------------------------------------------------===//
// Backward
//===----------------------------------------------------------------------===//

bool isDifferentiableType(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  return isa<FloatType>(type);
}

static double bytesOf(Value v) { return getTensorBytes(v.getType()); }
static double elementsOf(Value v) { return elementsOf(v.getType()); }

/// Bytes of the gradients of the op's differentiable results.
static double resultGradientBytes(Operation *op) {
  double bytes = 0;
  for (Value r : op->getResults())
    if (isDifferentiableType(r.getType()))
      bytes += bytesOf(r);
  return bytes;
}

/// The gradient of `operand` reads the results' gradients plus `extraRead`,
/// spends `flopsPerResultElement` per element of the first result plus the
/// reduction over broadcast axes, and writes the operand's gradient.
static OpCost gradient(Operation *op, Value operand,
                       double flopsPerResultElement, double extraRead = 0) {
  OpCost cost;
  double results = op->getNumResults() ? elementsOf(op->getResult(0)) : 0;
  double reduced = std::max(0.0, results - elementsOf(operand));
  cost.flops = flopsPerResultElement * results + reduced;
  cost.bytesRead = resultGradientBytes(op) + extraRead;
  cost.bytesWritten = bytesOf(operand);
  return cost;
}

/// Data movement: the gradient moves back, no arithmetic.
static OpCost movedBack(Value operand, double gradientBytesRead) {
  OpCost cost;
  cost.bytesRead = gradientBytesRead;
  cost.bytesWritten = bytesOf(operand);
  return cost;
}

/// Rows a normalisation over the axes from `axis` on reduces.
static double rowsBefore(Value input, int64_t axis) {
  auto shape = cast<ShapedType>(input.getType()).getShape();
  double rows = 1;
  for (int64_t i = 0; i < axis && i < (int64_t)shape.size(); ++i)
    rows *= shape[i];
  return rows;
}

static double elementBytes(Value v) {
  auto shaped = cast<ShapedType>(v.getType());
  return (shaped.getElementTypeBitWidth() + 7) / 8;
}

/// Gradient ops (NNGradOps.td) are never differentiated again: they keep
/// nothing and their operands have no gradient. The loss is differentiated.
static bool isGradientOp(Operation *op) {
  return isa<SoftmaxCrossEntropyGradOp, SumToOp, ReluGradOp, GeluGradOp,
             TanhGradOp, SigmoidGradOp, SoftmaxGradOp, LogSoftmaxGradOp,
             DropoutGradOp, LayerNormGradOp, LayerNormGradParamsOp,
             BatchNormGradOp, BatchNormGradParamsOp, ConvGradInputOp,
             ConvGradWeightOp, MaxPoolGradOp, AveragePoolGradOp, GatherGradOp,
             SliceGradOp, PadGradOp, HardSigmoidGradOp, HardSwishGradOp,
             ClipGradOp, MaxGradOp, MinGradOp>(op);
}

void getDefaultSavedForBackward(Operation *op, SmallVectorImpl<Value> &values) {
  if (isGradientOp(op) ||
      llvm::none_of(op->getResultTypes(), isDifferentiableType))
    return;
  auto differentiable = [&](ValueRange range) {
    for (Value v : range)
      if (isDifferentiableType(v.getType()))
        values.push_back(v);
  };
  llvm::TypeSwitch<Operation *>(op)
      // Linear in every operand, or a pure movement: nothing is kept.
      .Case<AddOp, SubOp, NegOp, CastOp, ReshapeOp, FlattenOp, TransposeOp,
            SliceOp, ConcatOp, SplitOp, UnsqueezeOp, SqueezeOp, ExpandOp,
            AveragePoolOp, GlobalAveragePoolOp, ReduceMeanOp, ReduceSumOp,
            ConstantOp, PadOp, TileOp, TriluOp, CumSumOp>([](Operation *) {})
      // The derivative is a function of the result.
      .Case<SqrtOp, TanhOp, SigmoidOp, ExpOp, ReluOp, SoftmaxOp, LogSoftmaxOp,
            ReciprocalOp>(
          [&](Operation *) { values.push_back(op->getResult(0)); })
      // A zero gradient: nothing is kept.
      .Case<FloorOp, CeilOp, SignOp>([](Operation *) {})
      .Case<MulOp, DivOp, PowOp, MatMulOp>(
          [&](Operation *) { differentiable(op->getOperands()); })
      .Case([&](GemmOp gemm) {
        values.append({gemm.getA(), gemm.getB()});
      })
      .Case([&](ConvOp conv) {
        values.append({conv.getInput(), conv.getWeight()});
      })
      .Case([&](LayerNormOp ln) {
        values.append({ln.getInput(), ln.getScale()});
      })
      .Case([&](BatchNormOp bn) {
        values.append({bn.getInput(), bn.getScale()});
      })
      .Case([&](MaxPoolOp pool) { values.push_back(pool.getInput()); })
      // The gradient goes to the elements equal to the result.
      .Case<ReduceMaxOp, ReduceMinOp>([&](Operation *) {
        values.append({op->getOperand(0), op->getResult(0)});
      })
      .Case([&](GatherOp gather) { values.push_back(gather.getIndices()); })
      .Case([&](WhereOp where) { values.push_back(where.getCondition()); })
      .Case([&](DropoutOp dropout) { values.push_back(dropout.getMask()); })
      // The softmax is recomputed from the logits.
      .Case([&](SoftmaxCrossEntropyOp loss) {
        values.append({loss.getLogits(), loss.getLabels()});
      })
      // log, erf, gelu, and anything generic: the inputs.
      .Default([&](Operation *) { differentiable(op->getOperands()); });
}

double getDefaultSavedStatisticsBytes(Operation *op) {
  return llvm::TypeSwitch<Operation *, double>(op)
      .Case([](LayerNormOp ln) {
        // Mean and inverse standard deviation per normalised row.
        return 2 * rowsBefore(ln.getInput(), ln.getAxis()) *
               elementBytes(ln.getInput());
      })
      .Case([](BatchNormOp bn) {
        if (!bn.getTraining())
          return 0.0;
        // The batch's mean and inverse deviation per channel.
        auto shape = bn.getInput().getType().getShape();
        return 2.0 * (shape.size() > 1 ? shape[1] : 1) *
               elementBytes(bn.getInput());
      })
      .Default([](Operation *) { return 0.0; });
}

OpCost getDefaultOperandGradientCost(Operation *op, unsigned index,
                                     double flopsPerElement) {
  if (index >= op->getNumOperands())
    return {};
  Value operand = op->getOperand(index);
  if (isGradientOp(op) || !isDifferentiableType(operand.getType()) ||
      llvm::none_of(op->getResultTypes(), isDifferentiableType))
    return {};
  double dy = resultGradientBytes(op);
  auto other = [&](unsigned i) { return bytesOf(op->getOperand(1 - i)); };
  return llvm::TypeSwitch<Operation *, OpCost>(op)
      .Case<AddOp, SubOp>([&](Operation *) {
        return gradient(op, operand, index == 1 && isa<SubOp>(op) ? 1 : 0);
      })
      .Case([&](MulOp) { return gradient(op, operand, 1, other(index)); })
      .Case([&](DivOp) {
        // d/da = dy / b; d/db = -dy * a / b^2.
        return gradient(op, operand, index == 0 ? 1 : 3,
                        index == 0 ? other(0)
                                   : other(1) + bytesOf(op->getOperand(1)));
      })
      .Case([&](PowOp) {
        // d/da = dy * b * a^(b-1); d/db = dy * log(a) * a^b.
        return gradient(op, operand, index == 0 ? 10 : 18,
                        bytesOf(op->getOperand(0)) +
                            bytesOf(op->getOperand(1)));
      })
      .Case([&](MatMulOp mm) {
        // dA = dY B^T, dB = A^T dY: as much work as the forward each.
        OpCost cost;
        cost.flops = mm.getForwardCost().flops;
        cost.bytesRead = dy + other(index);
        cost.bytesWritten = bytesOf(operand);
        return cost;
      })
      .Case([&](GemmOp gemm) {
        OpCost cost;
        if (operand == gemm.getC())
          return gradient(op, operand, 0);
        auto a = gemm.getA().getType();
        double k = gemm.getTransA() ? a.getDimSize(0) : a.getDimSize(1);
        cost.flops = 2.0 * k * elementsOf(gemm.getType());
        cost.bytesRead =
            dy + bytesOf(operand == gemm.getA() ? gemm.getB() : gemm.getA());
        cost.bytesWritten = bytesOf(operand);
        return cost;
      })
      .Case([&](ConvOp conv) {
        if (operand == conv.getBias())
          return gradient(op, operand, 0);
        // dX is a transposed convolution with W, dW a convolution of X with
        // dY: each the forward's multiply-adds.
        double macs = 1;
        for (int64_t d : conv.getWeight().getType().getShape().drop_front())
          macs *= d;
        OpCost cost;
        cost.flops = 2.0 * macs * elementsOf(conv.getType());
        cost.bytesRead =
            dy + bytesOf(operand == conv.getInput() ? conv.getWeight()
                                                    : conv.getInput());
        cost.bytesWritten = bytesOf(operand);
        return cost;
      })
      .Case([&](LayerNormOp ln) {
        if (operand == ln.getInput())
          return gradient(op, operand, 10,
                          bytesOf(ln.getInput()) + bytesOf(ln.getScale()));
        if (operand == ln.getScale()) // sum of dy * normalised x
          return gradient(op, operand, 4, bytesOf(ln.getInput()));
        return gradient(op, operand, 0); // bias: sum of dy
      })
      .Case([&](BatchNormOp bn) {
        if (operand == bn.getInput())
          return bn.getTraining()
                     ? gradient(op, operand, 10,
                                bytesOf(bn.getInput()) + bytesOf(bn.getScale()))
                     : gradient(op, operand, 2, bytesOf(bn.getScale()));
        if (operand == bn.getScale())
          return gradient(op, operand, 4, bytesOf(bn.getInput()));
        if (operand == bn.getBias())
          return gradient(op, operand, 0);
        return OpCost{}; // running statistics are not trained
      })
      .Case([&](SoftmaxOp) { return gradient(op, operand, 4, dy); })
      .Case([&](LogSoftmaxOp) { return gradient(op, operand, 12, dy); })
      .Case([&](MaxPoolOp pool) {
        // Route each gradient to its window's maximum, found again in x.
        OpCost cost = gradient(op, operand, windowSize(pool.getKernelShape()),
                               bytesOf(pool.getInput()));
        return cost;
      })
      .Case([&](AveragePoolOp pool) {
        return gradient(op, operand, windowSize(pool.getKernelShape()));
      })
      .Case<GlobalAveragePoolOp, ReduceMeanOp>([&](Operation *) {
        OpCost cost = movedBack(operand, dy);
        cost.flops = elementsOf(operand);
        return cost;
      })
      .Case([&](ReduceSumOp) { return movedBack(operand, dy); })
      .Case<ReduceMaxOp, ReduceMinOp>([&](Operation *) {
        // Compare x with the result, count the ties, and share dy among
        // them: a handful of operations per input element.
        OpCost cost = movedBack(operand, dy + bytesOf(op->getOperand(0)) +
                                             bytesOf(op->getResult(0)));
        cost.flops = 4 * elementsOf(operand);
        return cost;
      })
      .Case([&](ExpandOp) { return gradient(op, operand, 0); })
      // Tiles sum back into the input: the reduction is counted.
      .Case([&](TileOp) { return gradient(op, operand, 0); })
      .Case([&](PadOp pad) {
        // Constant: a crop of dy. Other modes add every element of dy back.
        OpCost cost = movedBack(operand, dy);
        if (pad.getMode() != "constant")
          cost.flops = elementsOf(pad.getType());
        return cost;
      })
      .Case([&](TriluOp) { return movedBack(operand, dy); })
      .Case([&](CumSumOp) { return gradient(op, operand, 1); })
      .Case([&](ConcatOp) {
        // Each input takes back its slice of the gradient.
        return movedBack(operand, bytesOf(operand));
      })
      .Case<ReshapeOp, FlattenOp, TransposeOp, SliceOp, SplitOp, UnsqueezeOp,
            SqueezeOp, CastOp>(
          [&](Operation *) { return movedBack(operand, dy); })
      .Case([&](GatherOp gather) {
        // Scatter-add of the rows into a zeroed gradient of `data`.
        OpCost cost = movedBack(operand, dy + bytesOf(gather.getIndices()));
        cost.flops = elementsOf(gather.getType());
        return cost;
      })
      .Case([&](WhereOp where) {
        return gradient(op, operand, 1, bytesOf(where.getCondition()));
      })
      .Case([&](DropoutOp dropout) {
        return gradient(op, operand, 2, bytesOf(dropout.getMask()));
      })
      .Case([&](SoftmaxCrossEntropyOp loss) {
        // softmax_cross_entropy_grad: the softmax again, minus the one-hot
        // label, times dloss / count; reads the logits and the labels.
        OpCost cost;
        cost.flops = 14 * elementsOf(loss.getLogits());
        cost.bytesRead =
            dy + bytesOf(loss.getLogits()) + bytesOf(loss.getLabels());
        cost.bytesWritten = bytesOf(operand);
        return cost;
      })
      .Case([&](ConstantOp) { return OpCost{}; })
      .Case<FloorOp, CeilOp, SignOp>([&](Operation *) { return OpCost{}; })
      .Default([&](Operation *) {
        // Elementwise: the derivative costs about what the function does,
        // and reads what the op keeps for its backward.
        SmallVector<Value> saved;
        getDefaultSavedForBackward(op, saved);
        double read = 0;
        for (Value v : saved)
          read += bytesOf(v);
        return gradient(op, operand, flopsPerElement, read);
      });
}

} // namespace pp::nn
