//===- SequenceImporters.cpp - SplitToSequence read by SequenceAt ---------===//
//
// The dynamo exporter writes `torch.split` as SplitToSequence and reads the
// parts with SequenceAt at constant positions (GPT-2's fused query, key and
// value projection). pp has no sequence values: SplitToSequence becomes an
// nn.split whose results the importer keeps under the sequence's name, and
// SequenceAt picks one of them. Any other use of a sequence is an error
// (GraphImporter::importNode).
//
//===----------------------------------------------------------------------===//

#include "NodeImporter.h"

#include "pp/Dialect/NN/IR/NN.h"

using namespace mlir;
using namespace pp::nn;

namespace pp::onnx_import {

/// `split` absent: parts of size 1 (squeezed unless keepdims); a scalar:
/// parts of that size, the last one smaller if need be; a list: the sizes.
LogicalResult importSplitToSequence(NodeImporter &n) {
  auto input = n.inputType(0);
  auto axis = n.normalizeAxis(n.intAttr("axis", 0), input.getRank());
  if (failed(axis))
    return failure();
  int64_t dim = input.getDimSize(*axis);
  SmallVector<int64_t> sizes;
  bool squeeze = false;
  if (!n.hasInput(1)) {
    sizes.assign(dim, 1);
    squeeze = n.intAttr("keepdims", 1) == 0;
  } else {
    DenseElementsAttr split = n.constantInput(1);
    if (!split || !isa<IntegerType>(split.getElementType()))
      return n.error() << "split must be a compile-time integer tensor";
    auto type = cast<RankedTensorType>(split.getType());
    SmallVector<int64_t> given;
    for (const APInt &v : split.getValues<APInt>())
      given.push_back(v.getSExtValue());
    if (type.getRank() == 0) {
      int64_t size = given.front();
      if (size < 1)
        return n.error() << "split size " << size << " must be positive";
      for (int64_t left = dim; left > 0; left -= size)
        sizes.push_back(std::min(size, left));
    } else {
      sizes = given;
      int64_t total = 0;
      for (int64_t s : sizes) {
        if (s < 0)
          return n.error() << "split size " << s << " is negative";
        total += s;
      }
      if (total != dim)
        return n.error() << "split sizes [" << formatInts(sizes)
                         << "] do not add up to the axis' size " << dim;
    }
  }
  if (sizes.empty())
    return n.error() << "splits an empty axis into no parts";
  auto results = n.build<SplitOp>(sizes.size(), n.input(0),
                                  n.builder.getI64IntegerAttr(*axis),
                                  n.builder.getDenseI64ArrayAttr(sizes));
  if (failed(results))
    return failure();
  SmallVector<Value> parts(results->begin(), results->end());
  if (squeeze) {
    for (Value &part : parts) {
      auto squeezed =
          n.build<SqueezeOp>(1, part, n.builder.getDenseI64ArrayAttr({*axis}));
      if (failed(squeezed))
        return failure();
      part = squeezed->front();
    }
  }
  n.sequences[n.node.output(0)] = std::move(parts);
  return success();
}

LogicalResult importSequenceAt(NodeImporter &n) {
  auto it = n.sequences.find(n.node.input(0));
  if (it == n.sequences.end())
    return n.error() << "input '" << n.node.input(0)
                     << "' is no sequence pp imported (pp imports sequences "
                        "made by SplitToSequence)";
  DenseElementsAttr position = n.constantInput(1);
  if (!position || !isa<IntegerType>(position.getElementType()) ||
      position.getNumElements() != 1)
    return n.error() << "position must be a compile-time integer scalar";
  int64_t size = it->second.size();
  int64_t i = (*position.getValues<APInt>().begin()).getSExtValue();
  if (i < -size || i >= size)
    return n.error() << "position " << i << " is out of bounds for a "
                     << "sequence of " << size << " tensors";
  n.setOutput(0, it->second[i < 0 ? i + size : i]);
  return success();
}

} // namespace pp::onnx_import
