//===- NodeImporter.cpp - Import one ONNX node into nn ops ----------------===//

#include "NodeImporter.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace pp::onnx_import {

std::string formatInts(ArrayRef<int64_t> values) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(values, os);
  return s + "]";
}

InFlightDiagnostic NodeImporter::error() {
  return emitError(loc) << node.op_type() << ": ";
}

bool NodeImporter::hasInput(int i) const {
  return i < node.input_size() && !node.input(i).empty();
}

Value NodeImporter::input(int i) const {
  return hasInput(i) ? values.lookup(node.input(i)) : Value();
}

RankedTensorType NodeImporter::inputType(int i) const {
  Value v = input(i);
  return v ? cast<RankedTensorType>(v.getType()) : RankedTensorType();
}

DenseElementsAttr NodeImporter::constantInput(int i) const {
  Value v = input(i);
  DenseElementsAttr attr;
  if (v && matchPattern(v, m_Constant(&attr)))
    return attr;
  return {};
}

FailureOr<SmallVector<int64_t>> NodeImporter::intsInput(int i, StringRef what) {
  DenseElementsAttr attr = constantInput(i);
  if (!attr || !isa<IntegerType>(attr.getElementType())) {
    error() << "input " << i << " ('" << what
            << "') must be a compile-time integer tensor; pp needs static "
               "shapes: pin dynamic dimensions with --dim NAME=SIZE";
    return failure();
  }
  SmallVector<int64_t> result;
  for (const APInt &v : attr.getValues<APInt>())
    result.push_back(v.getSExtValue());
  return result;
}

const onnx::AttributeProto *NodeImporter::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeImporter::intAttr(StringRef name, int64_t defaultValue) const {
  const auto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeImporter::floatAttr(StringRef name, float defaultValue) const {
  const auto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeImporter::stringAttr(StringRef name,
                                     StringRef defaultValue) const {
  const auto *a = attr(name);
  return a ? a->s() : defaultValue.str();
}

std::optional<SmallVector<int64_t>>
NodeImporter::intsAttr(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

int NodeImporter::numOutputs() const {
  int n = node.output_size();
  while (n > 0 && node.output(n - 1).empty())
    --n;
  return n;
}

bool NodeImporter::hasOutput(int i) const {
  return i < node.output_size() && !node.output(i).empty();
}

void NodeImporter::setOutput(int i, Value value) {
  if (hasOutput(i))
    values[node.output(i)] = value;
}

FailureOr<int64_t> NodeImporter::normalizeAxis(int64_t axis, int64_t rank,
                                               StringRef what) {
  if (axis < -rank || axis >= rank) {
    error() << what << " " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

FailureOr<SmallVector<int64_t>>
NodeImporter::normalizeAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t axis : axes) {
    auto normalized = normalizeAxis(axis, rank);
    if (failed(normalized))
      return failure();
    result.push_back(*normalized);
  }
  llvm::sort(result);
  return result;
}

FailureOr<ValueRange> NodeImporter::finish(Operation *op) {
  if (failed(verify(op))) {
    op->erase();
    return failure();
  }
  folded.clear();
  if (succeeded(builder.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return ValueRange(folded);
  }
  return ValueRange(op->getResults());
}

} // namespace pp::onnx_import
