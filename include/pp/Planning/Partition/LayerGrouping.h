//===- LayerGrouping.h - Repeated blocks from node names --------*- C++ -*-===//
//
// Derives `Node::unit` and `Node::inBlock` for `Granularity::Layer` from ONNX
// node-name scopes such as `/transformer/h.3/attn/MatMul`, `/blocks.3/Add`,
// `/model/layers.3/...` or ResNet's `/layer1/layer1.0/conv1/Conv`.
//
//===----------------------------------------------------------------------===//

#ifndef PP_PLANNING_PARTITION_LAYERGROUPING_H
#define PP_PLANNING_PARTITION_LAYERGROUPING_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pp::partition {

struct LayerGrouping {
  /// Unit id per node: nodes of one block share an id; every node outside a
  /// block is a unit of its own.
  std::vector<int64_t> unitOfNode;
  /// Whether the node lies in a repeated block.
  std::vector<bool> inBlock;
  /// Name per unit: the block's scope (`transformer/h/3`) or the node's name.
  std::vector<std::string> unitNames;
  unsigned numBlocks = 0;
};

/// The block scope of one node name: its path components (split at '/' and
/// '.') up to and including the `level`-th all-digit component that is
/// followed by more components; empty if there is none. Levels count from 1
/// (the outermost numbered scope: `layer1/layer1/0` for ResNet, `h/3` in
/// GPT-2); level 2 picks `blocks.3` in `/stages.1/blocks.3/...`.
std::string blockScope(const std::string &name, unsigned level = 1);

/// Groups nodes (names in topological order) into units by blockScope().
LayerGrouping groupLayers(llvm::ArrayRef<std::string> names,
                          unsigned level = 1);

} // namespace pp::partition

#endif // PP_PLANNING_PARTITION_LAYERGROUPING_H
