//===- LayerGrouping.cpp - Repeated blocks from node names ----------------===//

#include "pp/Planning/Partition/LayerGrouping.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

using namespace pp::partition;

static bool isNumber(llvm::StringRef s) {
  return !s.empty() && llvm::all_of(s, llvm::isDigit);
}

std::string pp::partition::blockScope(const std::string &name, unsigned level) {
  llvm::SmallVector<llvm::StringRef, 16> parts;
  for (llvm::StringRef piece : llvm::split(name, '/'))
    for (llvm::StringRef part : llvm::split(piece, '.'))
      if (!part.empty())
        parts.push_back(part);
  unsigned seen = 0;
  // A numbered scope needs a name before it and a component after it, so that
  // the op name `Add.1` or a bare `3` is not a block.
  for (unsigned k = 1; k + 1 < parts.size(); ++k) {
    if (!isNumber(parts[k]) || ++seen < level)
      continue;
    std::string scope;
    for (unsigned i = 0; i <= k; ++i) {
      if (i)
        scope += '/';
      scope += parts[i].str();
    }
    return scope;
  }
  return "";
}

LayerGrouping pp::partition::groupLayers(llvm::ArrayRef<std::string> names,
                                         unsigned level) {
  LayerGrouping grouping;
  llvm::StringMap<int64_t> blockUnit;
  for (const std::string &name : names) {
    std::string scope = blockScope(name, level);
    if (scope.empty()) {
      grouping.unitOfNode.push_back(grouping.unitNames.size());
      grouping.inBlock.push_back(false);
      grouping.unitNames.push_back(name);
      continue;
    }
    auto [it, inserted] = blockUnit.try_emplace(scope, 0);
    if (inserted) {
      it->second = grouping.unitNames.size();
      grouping.unitNames.push_back(scope);
      ++grouping.numBlocks;
    }
    grouping.unitOfNode.push_back(it->second);
    grouping.inBlock.push_back(true);
  }
  return grouping;
}
