//===- MergedInitializers.cpp - Signs of merged parameters ----------------===//

#include "MergedInitializers.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cctype>
#include <map>

namespace pp::onnx_import {
namespace {

/// Operators whose inputs from 1 on are a layer's own affine parameters.
bool isNormalization(const std::string &type) {
  return type == "LayerNormalization" || type == "BatchNormalization" ||
         type == "InstanceNormalization" || type == "GroupNormalization" ||
         type == "RMSNormalization" || type == "SimplifiedLayerNormalization";
}

/// A node's place in a repeated block: its name with every run of digits
/// replaced, so that `/h.0/ln_1/LayerNormalization` and
/// `/h.1/ln_1/LayerNormalization` read alike. Unnamed nodes have none.
std::string placeOf(const std::string &name) {
  std::string place;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(name[i]))) {
      place += '#';
      while (i + 1 < name.size() &&
             std::isdigit(static_cast<unsigned char>(name[i + 1])))
        ++i;
    } else {
      place += name[i];
    }
  }
  return place;
}

struct Use {
  const onnx::NodeProto *node;
  int input;
};

} // namespace

std::vector<std::string> findMergedInitializers(const onnx::GraphProto &graph) {
  llvm::StringSet<> floatInitializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    if (tensor.data_type() == onnx::TensorProto::FLOAT ||
        tensor.data_type() == onnx::TensorProto::DOUBLE ||
        tensor.data_type() == onnx::TensorProto::FLOAT16 ||
        tensor.data_type() == onnx::TensorProto::BFLOAT16)
      floatInitializers.insert(tensor.name());
  // Deduplicating exporters also read one initializer through Identity
  // nodes, one per former parameter: see through them.
  llvm::StringMap<std::string> source;
  for (const onnx::NodeProto &node : graph.node())
    if (node.op_type() == "Identity" && node.input_size() == 1 &&
        node.output_size() == 1) {
      std::string from = node.input(0);
      auto it = source.find(from);
      source[node.output(0)] = it == source.end() ? from : it->second;
    }
  std::map<std::string, std::vector<Use>> uses;
  for (const onnx::NodeProto &node : graph.node()) {
    if (node.op_type() == "Identity")
      continue;
    for (int i = 0; i < node.input_size(); ++i) {
      std::string name = node.input(i);
      auto it = source.find(name);
      if (it != source.end())
        name = it->second;
      if (floatInitializers.contains(name))
        uses[name].push_back({&node, i});
    }
  }

  std::vector<std::string> warnings;
  for (const auto &[name, list] : uses) {
    // Several normalisation layers reading it as a parameter.
    std::vector<const onnx::NodeProto *> norms;
    for (const Use &use : list)
      if (use.input > 0 && isNormalization(use.node->op_type()))
        norms.push_back(use.node);
    // The same node of several repeated blocks reading it at one input.
    std::map<std::string, std::vector<const onnx::NodeProto *>> places;
    for (const Use &use : list)
      if (!use.node->name().empty() &&
          placeOf(use.node->name()) != use.node->name())
        places[use.node->op_type() + "/" + std::to_string(use.input) + "@" +
               placeOf(use.node->name())]
            .push_back(use.node);
    const std::vector<const onnx::NodeProto *> *readers = nullptr;
    if (norms.size() > 1)
      readers = &norms;
    for (const auto &[place, nodes] : places)
      if (!readers && nodes.size() > 1)
        readers = &nodes;
    if (!readers)
      continue;
    std::string text = "initializer '" + name + "' is read by " +
                       std::to_string(readers->size()) + " " +
                       (*readers)[0]->op_type() + " nodes (";
    // Unnamed nodes by their position, as the importer names them.
    auto nameOf = [&](const onnx::NodeProto *node) {
      if (!node->name().empty())
        return node->name();
      for (int i = 0; i < graph.node_size(); ++i)
        if (&graph.node(i) == node)
          return "#" + std::to_string(i);
      return std::string("?");
    };
    for (size_t i = 0; i < readers->size() && i < 3; ++i)
      text += (i ? ", '" : "'") + nameOf((*readers)[i]) + "'";
    if (readers->size() > 3)
      text += ", ...";
    text += "): separate layers share one parameter, as when an exporter "
            "merged initializers of equal value; if the model does not "
            "share it, export without merging (torch.onnx.export(..., "
            "training=torch.onnx.TrainingMode.TRAINING) with the TorchScript "
            "exporter, optimize=False with dynamo=True; docs/Exporting.md)";
    warnings.push_back(std::move(text));
  }
  return warnings;
}

} // namespace pp::onnx_import
