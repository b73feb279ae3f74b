//===- FuseLinear.cpp - Linear layers as one nn.gemm ----------------------===//
//
// Without constant folding PyTorch exports nn.Linear on an activation of any
// rank as Transpose(W), MatMul(x, W^T) and Add(b, ...), which the runtime
// runs as a materialised transpose of every weight (again in the backward),
// a product, and a separate pass over the activation for the bias.
//
// pp-fuse-linear rewrites each such layer into one nn.gemm that reads the
// weight transposed in place (transB) and adds the bias as its C operand,
// between reshapes of the activation to and from a matrix, which the
// runtime executes as views.
//
//===----------------------------------------------------------------------===//

#include "pp/Transforms/Passes.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace pp {
#define GEN_PASS_DEF_PPFUSELINEAR
#include "pp/Transforms/Passes.h.inc"
} // namespace pp

using namespace mlir;

namespace pp {
namespace {

/// Whether `value` is computed by pure ops from globals and constants alone
/// (as pp-autodiff's activity analysis defines parameter-derived values):
/// a weight, or something made of weights, never an activation.
bool isParameterDerived(Value value) {
  SmallVector<Value> worklist{value};
  llvm::SmallPtrSet<Operation *, 8> visited;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val().getDefiningOp();
    if (!op)
      return false; // a function argument: data
    if (!visited.insert(op).second ||
        isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op) ||
        op->hasTrait<OpTrait::ConstantLike>())
      continue;
    if (!isPure(op) || op->getNumRegions() != 0)
      return false;
    llvm::append_range(worklist, op->getOperands());
  }
  return true;
}

/// The bias add that follows `matmul`, when there is one to fuse: the only
/// user of its result, an nn.add of that result and a bias of shape [N] or
/// [1, N] (N the result's last axis) in either order. Sets `bias`.
nn::AddOp getBiasAdd(nn::MatMulOp matmul, Value &bias) {
  Value product = matmul.getResult();
  if (!product.hasOneUse())
    return nullptr;
  auto add = dyn_cast<nn::AddOp>(*product.getUsers().begin());
  if (!add || add.getType() != product.getType())
    return nullptr;
  Value other = add.getLhs() == product ? add.getRhs() : add.getLhs();
  if (other == product)
    return nullptr; // product + product
  auto productType = cast<RankedTensorType>(product.getType());
  auto otherType = cast<RankedTensorType>(other.getType());
  int64_t n = productType.getShape().back();
  ArrayRef<int64_t> shape = otherType.getShape();
  bool row = shape == ArrayRef<int64_t>{n} || shape == ArrayRef<int64_t>{1, n};
  if (!row || otherType.getElementType() != productType.getElementType())
    return nullptr;
  bias = other;
  return add;
}

/// Rewrites x @ W^T (+ b), and x @ W + b with a parameter W, into nn.gemm.
struct FuseLinearLayer : OpRewritePattern<nn::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nn::MatMulOp matmul,
                                PatternRewriter &rewriter) const override {
    Value x = matmul.getLhs(), rhs = matmul.getRhs();
    auto xType = cast<RankedTensorType>(x.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    if (xType.getRank() < 2 || rhsType.getRank() != 2 ||
        !isa<FloatType>(xType.getElementType()))
      return rewriter.notifyMatchFailure(
          matmul, "not a float activation times a matrix");

    // W^T written as a transpose, which gemm takes as transB; else W itself.
    auto transpose = rhs.getDefiningOp<nn::TransposeOp>();
    bool transB = transpose && transpose.getPerm() == ArrayRef<int64_t>{1, 0};
    Value weight = transB ? transpose.getInput() : rhs;

    Value bias;
    nn::AddOp add = getBiasAdd(matmul, bias);
    if (!transB && !add)
      return rewriter.notifyMatchFailure(
          matmul, "neither a transposed weight nor a bias to fuse");
    if (!transB && !isParameterDerived(weight))
      return rewriter.notifyMatchFailure(
          matmul, "the matrix is an activation: not a linear layer");

    // The gemm computes the value of the layer's last op and takes its
    // location, so that diagnostics and the export name that ONNX node; the
    // reshape into a matrix serves the product and takes the matmul's.
    Operation *root = add ? add.getOperation() : matmul.getOperation();
    Location loc = root->getLoc();
    // At the last op: the bias may be defined after the product (a front
    // end that loads each parameter where it is used).
    rewriter.setInsertionPoint(root);
    Value a = x;
    if (xType.getRank() > 2) {
      int64_t k = xType.getShape().back();
      auto matrixType = RankedTensorType::get({xType.getNumElements() / k, k},
                                              xType.getElementType());
      a = nn::ReshapeOp::create(rewriter, matmul.getLoc(), matrixType, x);
    }
    // Every attribute is spelled: type inference reads them before the
    // defaults are filled in.
    Value result = nn::GemmOp::create(
        rewriter, loc, a, weight, bias, rewriter.getF32FloatAttr(1.0f),
        rewriter.getF32FloatAttr(1.0f), rewriter.getBoolAttr(false),
        rewriter.getBoolAttr(transB));
    if (xType.getRank() > 2)
      result = nn::ReshapeOp::create(rewriter, loc,
                                     root->getResult(0).getType(), result);
    rewriter.replaceOp(root, result);
    if (add)
      rewriter.eraseOp(matmul);
    if (transB && transpose->use_empty())
      rewriter.eraseOp(transpose);
    return success();
  }
};

struct FuseLinearPass : impl::PPFuseLinearBase<FuseLinearPass> {
  using PPFuseLinearBase::PPFuseLinearBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLinearLayer>(&getContext());
    // Fuse and nothing else: no folding, no constant hoisting, so the rest of
    // the IR keeps its order for the passes that follow.
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns),
                                     config))) {
      getOperation().emitError("pp-fuse-linear: the rewrite did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace pp
