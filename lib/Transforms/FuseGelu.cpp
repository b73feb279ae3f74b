//===- FuseGelu.cpp - Recognise decomposed GELU as nn.gelu ----------------===//
//
// Below ONNX opset 20 PyTorch exports GELU as elementwise nodes:
//
//   exact: 0.5 * x * (1 + erf(x / sqrt(2)))
//   tanh:  0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
//
// pp-fuse-gelu matches each such chain from its last multiplication and
// replaces it by one nn.gelu, whose kernel and gradient rule are fused.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>
#include <cmath>

namespace pp {
#define GEN_PASS_DEF_PPFUSEGELU
#include "pp/Transforms/Passes.h.inc"
} // namespace pp

using namespace mlir;

namespace pp {
namespace {

// The constants of the two forms, exactly.
constexpr double kHalf = 0.5;
constexpr double kOne = 1.0;
constexpr double kSqrtTwo = 1.4142135623730951;
constexpr double kSqrtHalf = 0.7071067811865476;
constexpr double kSqrtTwoOverPi = 0.7978845608028654;
constexpr double kKappa = 0.044715;

/// Exporters write the constants in the element type (PyTorch: f32), so they
/// are compared with a tight relative tolerance, or with one unit in the
/// last place of element types coarser than that (f16, bf16).
constexpr double kRelativeTolerance = 1e-6;

/// Matches one GELU chain ending at a multiplication, collecting its ops.
///
/// The chain's ops are recorded in `ops` in the order they are matched, each
/// after its only user, so erasing them in that order never erases an op
/// that is still used. A sub-match that fails rolls `ops` back, so that
/// alternatives (operand orders, factor groupings) start afresh.
class GeluChainMatcher {
public:
  explicit GeluChainMatcher(nn::MulOp root) : root(root) {}

  /// Whether `root` ends a GELU chain; on success, `getInput`, `getForm`,
  /// `getOps` and `getConstants` describe it.
  bool match();

  Value getInput() const { return input; }
  nn::GeluApproximation getForm() const { return form; }
  ArrayRef<Operation *> getOps() const { return ops; }
  ArrayRef<Operation *> getConstants() const { return constants.getArrayRef(); }

private:
  /// Restores `ops` and `constants` to their size at construction when a
  /// sub-match fails; `keep` once it succeeds.
  class Rollback {
  public:
    explicit Rollback(GeluChainMatcher &matcher)
        : matcher(matcher), numOps(matcher.ops.size()),
          numConstants(matcher.constants.size()) {}
    ~Rollback() {
      if (kept)
        return;
      matcher.ops.truncate(numOps);
      while (matcher.constants.size() > numConstants)
        matcher.constants.pop_back();
    }
    bool keep(bool matched) {
      kept = matched;
      return matched;
    }

  private:
    GeluChainMatcher &matcher;
    size_t numOps;
    size_t numConstants;
    bool kept = false;
  };

  /// The op of type `OpTy` defining `value` when `value` has no use outside
  /// the chain (its one use is the op being matched), recorded as part of
  /// the chain; null otherwise.
  template <typename OpTy> OpTy intermediate(Value value) {
    auto op = value.getDefiningOp<OpTy>();
    if (!op || !value.hasOneUse())
      return nullptr;
    ops.push_back(op);
    return op;
  }

  /// Whether `matchPair(a, b)` holds for the operands of the commutative
  /// `op` in either order.
  template <typename Fn> bool eitherOrder(Operation *op, Fn matchPair) {
    for (auto [a, b] : {std::pair(0, 1), std::pair(1, 0)}) {
      Rollback rollback(*this);
      if (rollback.keep(matchPair(op->getOperand(a), op->getOperand(b))))
        return true;
    }
    return false;
  }

  bool isInput(Value value) const { return value == input; }
  bool isConstant(Value value, double expected);
  bool isExponentThree(Value value);

  bool matchFactors(Value half, Value x, Value onePlus);
  bool matchOnePlus(Value value);
  bool matchErfArgument(Value value);
  bool matchTanhArgument(Value value);
  bool matchCubicSum(Value value);
  bool matchScaledCube(Value value);
  bool matchCube(Value value);
  bool matchSquare(Value value);

  nn::MulOp root;
  Value input;
  nn::GeluApproximation form = nn::GeluApproximation::None;
  SmallVector<Operation *> ops;
  llvm::SetVector<Operation *> constants;
};

bool GeluChainMatcher::match() {
  auto type = dyn_cast<RankedTensorType>(root.getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return false;
  ops.push_back(root);
  // 0.5 * x * (1 + f(x)) is a product of three factors grouped in one of
  // three ways; `inner` is the multiplication of two of them.
  for (unsigned i : {0u, 1u}) {
    Rollback rollback(*this);
    auto inner = intermediate<nn::MulOp>(root->getOperand(i));
    if (!inner)
      continue;
    Value factors[3] = {inner.getLhs(), inner.getRhs(),
                        root->getOperand(1 - i)};
    static constexpr unsigned kRoles[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                              {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    for (const auto &roles : kRoles) {
      Rollback attempt(*this);
      if (attempt.keep(matchFactors(factors[roles[0]], factors[roles[1]],
                                    factors[roles[2]])))
        return rollback.keep(true);
    }
  }
  return false;
}

bool GeluChainMatcher::matchFactors(Value half, Value x, Value onePlus) {
  // Every value of the chain lies between `x` and the result, and
  // broadcasting never shrinks a shape: when the result has x's type, so does
  // every value in between, and the constants broadcast away.
  if (x.getType() != root.getType())
    return false;
  input = x;
  return isConstant(half, kHalf) && matchOnePlus(onePlus);
}

bool GeluChainMatcher::isConstant(Value value, double expected) {
  auto constant = value.getDefiningOp<nn::ConstantOp>();
  if (!constant)
    return false;
  auto elements = dyn_cast<DenseFPElementsAttr>(constant.getValue());
  auto elementType = cast<ShapedType>(input.getType()).getElementType();
  if (!elements || !elements.isSplat() ||
      elements.getElementType() != elementType)
    return false;
  APFloat splat = elements.getSplatValue<APFloat>();
  bool losesInfo = false;
  splat.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  unsigned precision = APFloat::semanticsPrecision(
      cast<FloatType>(elementType).getFloatSemantics());
  double tolerance =
      std::max(kRelativeTolerance, std::ldexp(1.0, 1 - int(precision)));
  if (std::abs(splat.convertToDouble() - expected) >
      tolerance * std::abs(expected))
    return false;
  constants.insert(constant);
  return true;
}

bool GeluChainMatcher::isExponentThree(Value value) {
  auto constant = value.getDefiningOp<nn::ConstantOp>();
  if (!constant)
    return false;
  auto elements = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!elements || !elements.isSplat())
    return false;
  bool three = false;
  if (auto ints = dyn_cast<DenseIntElementsAttr>(elements))
    three = ints.getSplatValue<APInt>() == 3;
  else if (auto floats = dyn_cast<DenseFPElementsAttr>(elements))
    three = floats.getSplatValue<APFloat>().isExactlyValue(3.0);
  if (three)
    constants.insert(constant);
  return three;
}

/// 1 + erf(...) or 1 + tanh(...); the function says which form it is.
bool GeluChainMatcher::matchOnePlus(Value value) {
  auto add = intermediate<nn::AddOp>(value);
  return add && eitherOrder(add, [&](Value one, Value function) {
           if (!isConstant(one, kOne))
             return false;
           if (auto erf = intermediate<nn::ErfOp>(function)) {
             form = nn::GeluApproximation::None;
             return matchErfArgument(erf.getInput());
           }
           if (auto tanh = intermediate<nn::TanhOp>(function)) {
             form = nn::GeluApproximation::Tanh;
             return matchTanhArgument(tanh.getInput());
           }
           return false;
         });
}

/// x / sqrt(2) or x * (1 / sqrt(2)).
bool GeluChainMatcher::matchErfArgument(Value value) {
  if (auto div = intermediate<nn::DivOp>(value))
    return isInput(div.getLhs()) && isConstant(div.getRhs(), kSqrtTwo);
  auto mul = intermediate<nn::MulOp>(value);
  return mul && eitherOrder(mul, [&](Value x, Value scale) {
           return isInput(x) && isConstant(scale, kSqrtHalf);
         });
}

/// sqrt(2 / pi) * (x + 0.044715 * x^3).
bool GeluChainMatcher::matchTanhArgument(Value value) {
  auto mul = intermediate<nn::MulOp>(value);
  return mul && eitherOrder(mul, [&](Value scale, Value sum) {
           return isConstant(scale, kSqrtTwoOverPi) && matchCubicSum(sum);
         });
}

/// x + 0.044715 * x^3.
bool GeluChainMatcher::matchCubicSum(Value value) {
  auto add = intermediate<nn::AddOp>(value);
  return add && eitherOrder(add, [&](Value x, Value scaledCube) {
           return isInput(x) && matchScaledCube(scaledCube);
         });
}

/// 0.044715 * x^3.
bool GeluChainMatcher::matchScaledCube(Value value) {
  auto mul = intermediate<nn::MulOp>(value);
  return mul && eitherOrder(mul, [&](Value kappa, Value cube) {
           return isConstant(kappa, kKappa) && matchCube(cube);
         });
}

/// x * (x * x) or x^3.
bool GeluChainMatcher::matchCube(Value value) {
  if (auto pow = intermediate<nn::PowOp>(value))
    return isInput(pow.getLhs()) && isExponentThree(pow.getRhs());
  auto mul = intermediate<nn::MulOp>(value);
  return mul && eitherOrder(mul, [&](Value x, Value square) {
           return isInput(x) && matchSquare(square);
         });
}

/// x * x.
bool GeluChainMatcher::matchSquare(Value value) {
  auto mul = intermediate<nn::MulOp>(value);
  return mul && isInput(mul.getLhs()) && isInput(mul.getRhs());
}

/// Replaces a GELU chain, anchored at its last multiplication, by nn.gelu.
struct FuseGeluChain : OpRewritePattern<nn::MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::MulOp root,
                                PatternRewriter &rewriter) const override {
    GeluChainMatcher chain(root);
    if (!chain.match())
      return rewriter.notifyMatchFailure(root, "not the end of a GELU chain");
    auto gelu = nn::GeluOp::create(rewriter, root.getLoc(), root.getType(),
                                   chain.getInput(), chain.getForm());
    rewriter.replaceOp(root, gelu);
    for (Operation *op : chain.getOps().drop_front())
      rewriter.eraseOp(op);
    for (Operation *constant : chain.getConstants())
      if (constant->use_empty())
        rewriter.eraseOp(constant);
    return success();
  }
};

struct FuseGeluPass : impl::PPFuseGeluBase<FuseGeluPass> {
  using PPFuseGeluBase::PPFuseGeluBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGeluChain>(&getContext());
    // Fuse and nothing else: no folding, no constant hoisting, so the rest of
    // the IR keeps its order for the passes that follow.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config))) {
      getOperation().emitError("pp-fuse-gelu: the rewrite did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace pp
