//===- EinsumImporter.cpp - ONNX Einsum as nn ops -------------------------===//
//
// Einsum is lowered at import to nn ops that have gradients and kernels:
// indices that only one operand has (and the output lacks) are summed with
// reduce_sum; the operands are then contracted left to right, each pair by
// one matmul over [batch..., M, K] x [batch..., K, N] (shared indices kept
// by the output or a later operand are batch axes, shared ones that are not
// are contracted), or by one broadcasting mul when nothing is contracted;
// a final transpose puts the indices in the output's order. Transposes and
// reshapes that change nothing fold away.
//
// Supported: any number of operands, explicit (`->`) and implicit outputs,
// upper- and lower-case indices, `...` (broadcast axes, right-aligned as in
// numpy), and size-1 axes that broadcast against a larger size of the same
// index. Not supported, with an error naming the node: an index repeated
// within one operand or the output (diagonals and traces). As in numpy, an
// explicit output must keep the `...` axes.
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

using namespace mlir;
using namespace pp::nn;

namespace pp::onnx_import {
namespace {

using Ints = SmallVector<int64_t>;
/// An index: a letter's character code, or kEllipsis + j for the j-th of
/// the broadcast axes `...` stands for (right-aligned across operands).
using Label = int64_t;
constexpr Label kEllipsis = 256;

/// A value whose axes carry the labels, in order.
struct Term {
  Value value;
  SmallVector<Label> labels;

  ArrayRef<int64_t> shape() const {
    return cast<RankedTensorType>(value.getType()).getShape();
  }
  int64_t dim(Label label) const {
    return shape()[llvm::find(labels, label) - labels.begin()];
  }
  bool has(Label label) const { return llvm::is_contained(labels, label); }
};

std::string labelName(Label label) {
  if (label >= kEllipsis)
    return "...";
  return std::string(1, char(label));
}

class EinsumLowering {
public:
  explicit EinsumLowering(NodeImporter &n) : n(n) {}
  LogicalResult run();

private:
  /// Parses one side of the equation: its letters and whether (and where)
  /// `...` stands.
  struct Subscript {
    SmallVector<Label> letters;
    int ellipsisAt = -1; // position among the letters, -1 without
  };
  FailureOr<Subscript> parse(StringRef text, StringRef what);
  /// The labels of a tensor of rank `rank` for `subscript`, with `ellipsis`
  /// broadcast axes in all.
  FailureOr<SmallVector<Label>> expand(const Subscript &subscript, int64_t rank,
                                       StringRef what);

  /// Sums the axes of `t` whose labels `drop` selects.
  FailureOr<Term> sumOut(Term t, llvm::function_ref<bool(Label)> drop);
  FailureOr<Term> transpose(Term t, ArrayRef<Label> order);
  FailureOr<Value> reshape(Value v, ArrayRef<int64_t> shape);
  /// Contracts `l` and `r`, keeping the labels `keep` selects.
  FailureOr<Term> contract(Term l, Term r,
                           llvm::function_ref<bool(Label)> keep);

  NodeImporter &n;
  std::string equation;
};

FailureOr<EinsumLowering::Subscript> EinsumLowering::parse(StringRef text,
                                                           StringRef what) {
  Subscript s;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (llvm::isAlpha(c)) {
      if (llvm::is_contained(s.letters, Label(c))) {
        n.error() << "equation '" << equation << "' repeats index '" << c
                  << "' in " << what
                  << "; diagonals and traces are not supported";
        return failure();
      }
      s.letters.push_back(c);
      continue;
    }
    if (text.substr(i).starts_with("...") && s.ellipsisAt < 0) {
      s.ellipsisAt = s.letters.size();
      i += 2;
      continue;
    }
    n.error() << "equation '" << equation << "' has an invalid " << what << " '"
              << text << "' (indices are letters, with at most one "
              << "'...')";
    return failure();
  }
  return s;
}

FailureOr<SmallVector<Label>>
EinsumLowering::expand(const Subscript &s, int64_t rank, StringRef what) {
  int64_t letters = s.letters.size();
  int64_t broadcast = rank - letters;
  if (s.ellipsisAt < 0 ? broadcast != 0 : broadcast < 0) {
    n.error() << "equation '" << equation << "' has " << letters << " indices"
              << (s.ellipsisAt < 0 ? "" : " and '...'") << " for " << what
              << " of rank " << rank;
    return failure();
  }
  SmallVector<Label> labels(s.letters.begin(), s.letters.end());
  if (s.ellipsisAt >= 0) {
    SmallVector<Label> dots;
    for (int64_t j = 0; j < broadcast; ++j)
      dots.push_back(kEllipsis + j);
    labels.insert(labels.begin() + s.ellipsisAt, dots.begin(), dots.end());
  }
  return labels;
}

FailureOr<Value> EinsumLowering::reshape(Value v, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType()).clone(shape);
  auto results = n.buildTyped<ReshapeOp>(type, v);
  if (failed(results))
    return failure();
  return results->front();
}

FailureOr<Term> EinsumLowering::transpose(Term t, ArrayRef<Label> order) {
  Ints perm;
  for (Label label : order)
    perm.push_back(llvm::find(t.labels, label) - t.labels.begin());
  auto results =
      n.build<TransposeOp>(1, t.value, n.builder.getDenseI64ArrayAttr(perm));
  if (failed(results))
    return failure();
  return Term{results->front(), SmallVector<Label>(order)};
}

FailureOr<Term> EinsumLowering::sumOut(Term t,
                                       llvm::function_ref<bool(Label)> drop) {
  Ints axes;
  SmallVector<Label> kept;
  for (auto [axis, label] : llvm::enumerate(t.labels)) {
    if (drop(label))
      axes.push_back(axis);
    else
      kept.push_back(label);
  }
  if (axes.empty())
    return t;
  auto results =
      n.build<ReduceSumOp>(1, t.value, n.builder.getDenseI64ArrayAttr(axes),
                           n.builder.getBoolAttr(false));
  if (failed(results))
    return failure();
  return Term{results->front(), kept};
}

FailureOr<Term> EinsumLowering::contract(Term l, Term r,
                                         llvm::function_ref<bool(Label)> keep) {
  // Indices of one side only that nothing needs are summed first.
  auto left = sumOut(l, [&](Label x) { return !keep(x) && !r.has(x); });
  if (failed(left))
    return failure();
  auto right = sumOut(r, [&](Label x) { return !keep(x) && !left->has(x); });
  if (failed(right))
    return failure();
  l = *left;
  r = *right;

  SmallVector<Label> batch, contracted, lonly, ronly;
  for (Label x : l.labels) {
    if (!r.has(x))
      lonly.push_back(x);
    else
      (keep(x) ? batch : contracted).push_back(x);
  }
  for (Label x : r.labels)
    if (!l.has(x))
      ronly.push_back(x);

  // A contracted index of size 1 on one side broadcasts: sum_k a * b[k] =
  // a * sum_k b[k], so the other side is summed down to size 1 first.
  for (Label x : contracted) {
    if (l.dim(x) == r.dim(x))
      continue;
    Term &larger = l.dim(x) == 1 ? r : l;
    Ints axes{llvm::find(larger.labels, x) - larger.labels.begin()};
    auto results = n.build<ReduceSumOp>(1, larger.value,
                                        n.builder.getDenseI64ArrayAttr(axes),
                                        n.builder.getBoolAttr(true));
    if (failed(results))
      return failure();
    larger.value = results->front();
  }

  auto dimsOf = [](const Term &t, ArrayRef<Label> labels) {
    Ints dims;
    for (Label x : labels)
      dims.push_back(t.dim(x));
    return dims;
  };
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims)
      p *= d;
    return p;
  };
  Ints lBatch = dimsOf(l, batch), rBatch = dimsOf(r, batch);
  Ints lDims = dimsOf(l, lonly), rDims = dimsOf(r, ronly);
  SmallVector<Label> resultLabels(batch);
  llvm::append_range(resultLabels, lonly);
  llvm::append_range(resultLabels, ronly);

  if (contracted.empty()) {
    // An outer product over [batch..., lonly..., 1...] x
    // [batch..., 1..., ronly...], by broadcasting.
    SmallVector<Label> lOrder(batch), rOrder(batch);
    llvm::append_range(lOrder, lonly);
    llvm::append_range(rOrder, ronly);
    auto lt = transpose(l, lOrder);
    auto rt = transpose(r, rOrder);
    if (failed(lt) || failed(rt))
      return failure();
    Ints lShape(lBatch), rShape(rBatch);
    llvm::append_range(lShape, lDims);
    lShape.append(ronly.size(), 1);
    rShape.append(lonly.size(), 1);
    llvm::append_range(rShape, rDims);
    auto lv = reshape(lt->value, lShape);
    auto rv = reshape(rt->value, rShape);
    if (failed(lv) || failed(rv))
      return failure();
    auto results = n.build<MulOp>(1, *lv, *rv);
    if (failed(results))
      return failure();
    return Term{results->front(), resultLabels};
  }

  // [batch..., M, K] x [batch..., K, N] -> [batch..., M, N].
  SmallVector<Label> lOrder(batch), rOrder(batch);
  llvm::append_range(lOrder, lonly);
  llvm::append_range(lOrder, contracted);
  llvm::append_range(rOrder, contracted);
  llvm::append_range(rOrder, ronly);
  auto lt = transpose(l, lOrder);
  auto rt = transpose(r, rOrder);
  if (failed(lt) || failed(rt))
    return failure();
  int64_t k = product(dimsOf(l, contracted));
  Ints lShape(lBatch), rShape(rBatch);
  lShape.append({product(lDims), k});
  rShape.append({k, product(rDims)});
  auto lv = reshape(lt->value, lShape);
  auto rv = reshape(rt->value, rShape);
  if (failed(lv) || failed(rv))
    return failure();
  auto results = n.build<MatMulOp>(1, *lv, *rv);
  if (failed(results))
    return failure();
  Value matmul = results->front();
  Ints outShape(
      cast<RankedTensorType>(matmul.getType()).getShape().drop_back(2));
  llvm::append_range(outShape, lDims);
  llvm::append_range(outShape, rDims);
  auto out = reshape(matmul, outShape);
  if (failed(out))
    return failure();
  return Term{*out, resultLabels};
}

LogicalResult EinsumLowering::run() {
  const auto *attr = n.attr("equation");
  if (!attr)
    return n.error() << "equation is required";
  for (char c : attr->s())
    if (c != ' ')
      equation.push_back(c);
  StringRef text = equation;
  auto [inputsText, outputText] = text.split("->");
  bool explicitOutput = text.contains("->");

  SmallVector<StringRef> inputTexts;
  inputsText.split(inputTexts, ',');
  SmallVector<Value> inputs;
  for (int i = 0; i < n.node.input_size(); ++i) {
    if (!n.hasInput(i))
      return n.error() << "input " << i << " is required";
    inputs.push_back(n.input(i));
  }
  if (inputTexts.size() != inputs.size())
    return n.error() << "equation '" << equation << "' has "
                     << inputTexts.size() << " operand subscripts for "
                     << inputs.size() << " inputs";

  // Labels of every operand, and each index's size: equal everywhere, or
  // 1 where it broadcasts.
  SmallVector<Term> terms;
  std::map<Label, int64_t> sizes;
  std::map<Label, int> uses;
  int64_t broadcastRank = 0;
  SmallVector<Subscript> subscripts;
  for (auto [i, sub] : llvm::enumerate(inputTexts)) {
    std::string what = "operand " + std::to_string(i);
    auto parsed = parse(sub, what);
    if (failed(parsed))
      return failure();
    auto type = cast<RankedTensorType>(inputs[i].getType());
    if (parsed->ellipsisAt >= 0)
      broadcastRank = std::max<int64_t>(
          broadcastRank, type.getRank() - (int64_t)parsed->letters.size());
    subscripts.push_back(*parsed);
  }
  for (auto [i, sub] : llvm::enumerate(subscripts)) {
    std::string what = "operand " + std::to_string(i);
    auto type = cast<RankedTensorType>(inputs[i].getType());
    auto labels = expand(sub, type.getRank(), what);
    if (failed(labels))
      return failure();
    // Right-align this operand's broadcast axes among all of them.
    int64_t own = type.getRank() - (int64_t)sub.letters.size();
    for (Label &x : *labels)
      if (x >= kEllipsis)
        x += broadcastRank - own;
    for (auto [axis, x] : llvm::enumerate(*labels)) {
      int64_t dim = type.getDimSize(axis);
      auto [it, inserted] = sizes.try_emplace(x, dim);
      if (!inserted && it->second != dim && it->second != 1 && dim != 1)
        return n.error() << "equation '" << equation << "' gives index '"
                         << labelName(x) << "' sizes " << it->second << " and "
                         << dim;
      if (!inserted && it->second == 1)
        it->second = dim;
      ++uses[x];
    }
    terms.push_back(Term{inputs[i], *labels});
  }

  // The output's labels: as written, or numpy's implicit output (the
  // broadcast axes, then the indices used once, in alphabetical order).
  SmallVector<Label> output;
  if (explicitOutput) {
    auto parsed = parse(outputText, "the output");
    if (failed(parsed))
      return failure();
    for (Label x : parsed->letters)
      if (!sizes.count(x))
        return n.error() << "equation '" << equation << "' has output index '"
                         << labelName(x) << "' that no operand has";
    // As numpy (ONNX's reference): broadcast axes must appear in the output.
    if (parsed->ellipsisAt < 0 && broadcastRank > 0)
      return n.error() << "equation '" << equation
                       << "' has no '...' in its output for the operands' "
                       << broadcastRank << " broadcast axes";
    output.assign(parsed->letters.begin(), parsed->letters.end());
    if (parsed->ellipsisAt >= 0) {
      SmallVector<Label> dots;
      for (int64_t j = 0; j < broadcastRank; ++j)
        dots.push_back(kEllipsis + j);
      output.insert(output.begin() + parsed->ellipsisAt, dots.begin(),
                    dots.end());
    }
  } else {
    for (int64_t j = 0; j < broadcastRank; ++j)
      output.push_back(kEllipsis + j);
    for (auto [x, count] : uses)
      if (x < kEllipsis && count == 1)
        output.push_back(x);
  }
  auto inOutput = [&](Label x) { return llvm::is_contained(output, x); };

  // Indices that one operand alone has and the output lacks are summed.
  for (Term &t : terms) {
    auto summed =
        sumOut(t, [&](Label x) { return uses[x] == 1 && !inOutput(x); });
    if (failed(summed))
      return failure();
    t = *summed;
  }
  // Contract left to right, keeping what the output or a later operand
  // needs.
  Term result = terms.front();
  for (size_t i = 1; i < terms.size(); ++i) {
    auto keep = [&](Label x) {
      if (inOutput(x))
        return true;
      for (size_t j = i + 1; j < terms.size(); ++j)
        if (terms[j].has(x))
          return true;
      return false;
    };
    auto contracted = contract(result, terms[i], keep);
    if (failed(contracted))
      return failure();
    result = *contracted;
  }
  auto summed = sumOut(result, [&](Label x) { return !inOutput(x); });
  if (failed(summed))
    return failure();
  auto ordered = transpose(*summed, output);
  if (failed(ordered))
    return failure();
  n.setOutput(0, ordered->value);
  return success();
}

} // namespace

LogicalResult importEinsum(NodeImporter &n) { return EinsumLowering(n).run(); }

} // namespace pp::onnx_import
