//===- GraphImporter.cpp - Import an ONNX graph into a module -------------===//
//
// Builds `func.func @forward` from the model's main graph: graph inputs become
// arguments (dynamic dimensions pinned by the user), initializers become
// `ml_program.global` parameters whose data stays in the ONNX file, nodes are
// imported in a topological order (the graph is checked for undefined inputs
// and cycles first), and graph outputs become the results.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"
#include "MergedInitializers.h"
#include "NodeImporter.h"
#include "TensorConversion.h"

#include "pp/Dialect/NN/IR/NN.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/RegionUtils.h"

#include "onnx/defs/schema.h"
#include "onnx/shape_inference/implementation.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"

#include <queue>

using namespace mlir;

namespace pp::onnx_import {

/// Constants up to this many elements are inlined into the IR; larger
/// tensors stay in the file like parameters.
static constexpr int64_t kMaxInlineElements = 1 << 16;
/// The opsets of the default domain pp imports: 13 to 23, the last what
/// current exporters write (opset 23's RMSNormalization, RotaryEmbedding and
/// Attention among them).
static constexpr int64_t kMinOpset = 13;
static constexpr int64_t kMaxOpset = 23;

static bool isDefaultDomain(StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

GraphImporter::GraphImporter(MLIRContext *context,
                             const onnx::ModelProto &model, StringRef path,
                             const ONNXImportOptions &options)
    : context(context), model(model), path(path.str()),
      modelDir(llvm::sys::path::parent_path(path).str()), options(options),
      builder(context) {}

GraphImporter::~GraphImporter() = default;

Location GraphImporter::fileLoc() {
  return FileLineColLoc::get(context, path, 0, 0);
}

Location GraphImporter::nodeLoc(const onnx::NodeProto &node) {
  // Unnamed nodes are named by their position in the graph: "#12". The
  // nodes of a repeated field are separate allocations, so the position is
  // looked up, not computed from addresses.
  std::string name = node.name();
  if (name.empty()) {
    if (nodeIndices.empty())
      for (auto [i, n] : llvm::enumerate(model.graph().node()))
        nodeIndices[&n] = i;
    name = "#" + std::to_string(nodeIndices.lookup(&node));
  }
  return NameLoc::get(StringAttr::get(context, name), fileLoc());
}

/// The largest tensor pp imports: 2^48 bytes (256 TiB), far above any
/// tensor a device holds, and low enough that byte and FLOP counts derived
/// from shapes cannot overflow int64.
static constexpr uint64_t kTensorLimitBytes = uint64_t(1) << 48;
static constexpr const char *kTensorLimitText = "2^48 bytes (256 TiB)";
static bool fitsTensorLimit(RankedTensorType type);

InFlightDiagnostic GraphImporter::nodeError(const onnx::NodeProto &node) {
  return emitError(nodeLoc(node)) << node.op_type() << ": ";
}

InFlightDiagnostic GraphImporter::fileError() { return emitError(fileLoc()); }

LogicalResult GraphImporter::readOpset() {
  for (const auto &entry : model.opset_import()) {
    StringRef domain = entry.domain();
    domainVersions[isDefaultDomain(domain) ? "" : domain] = entry.version();
  }
  auto it = domainVersions.find("");
  if (it == domainVersions.end())
    return fileError() << "the model declares no opset for the default ONNX "
                          "domain";
  opset = it->second;
  if (opset < kMinOpset)
    return fileError() << "the model uses opset " << opset
                       << "; pp imports opsets " << kMinOpset << " to "
                       << kMaxOpset
                       << " (re-export it with opset_version >= " << kMinOpset
                       << ")";
  // A later opset may change what an operator means; importing it as the
  // operator pp knows would train another model.
  if (opset > kMaxOpset)
    return fileError() << "the model uses opset " << opset
                       << "; pp imports opsets " << kMinOpset << " to "
                       << kMaxOpset
                       << " (re-export it with opset_version <= " << kMaxOpset
                       << ")";
  return success();
}

FailureOr<RankedTensorType>
GraphImporter::convertInputType(const onnx::ValueInfoProto &info) {
  StringRef name = info.name();
  if (!info.type().has_tensor_type())
    return fileError() << "graph input '" << name << "' is not a tensor";
  const auto &tensor = info.type().tensor_type();
  Type elementType = convertElementType(tensor.elem_type(), context);
  if (!elementType)
    return fileError() << "graph input '" << name << "' has unsupported "
                       << dataTypeName(tensor.elem_type());
  if (!tensor.has_shape())
    return fileError() << "graph input '" << name
                       << "' has no shape; pp needs static shapes";
  SmallVector<int64_t> dims;
  for (auto [axis, dim] : llvm::enumerate(tensor.shape().dim())) {
    if (dim.has_dim_value() && dim.dim_value() < 0)
      return fileError() << "graph input '" << name << "' has dimension "
                         << dim.dim_value() << " (axis " << axis
                         << "); a size cannot be negative";
    if (dim.has_dim_value()) {
      dims.push_back(dim.dim_value());
      continue;
    }
    std::string byAxis = (name + ":" + Twine(axis)).str();
    std::string param = dim.has_dim_param() ? dim.dim_param() : "";
    if (!param.empty() && options.dims.count(param)) {
      dims.push_back(options.dims.lookup(param));
      usedDims.insert(param);
    } else if (options.dims.count(byAxis)) {
      dims.push_back(options.dims.lookup(byAxis));
      usedDims.insert(byAxis);
    } else if (!param.empty()) {
      return fileError() << "graph input '" << name
                         << "' has a dynamic dimension '" << param << "' (axis "
                         << axis << "); pin it with --dim " << param << "=SIZE";
    } else {
      return fileError() << "graph input '" << name
                         << "' has an unnamed dynamic dimension (axis " << axis
                         << "); pin it with --dim " << byAxis << "=SIZE";
    }
  }
  auto type = RankedTensorType::get(dims, elementType);
  if (!fitsTensorLimit(type))
    return fileError() << "graph input '" << name << "' of shape "
                       << formatInts(dims) << " would hold more than "
                       << kTensorLimitText
                       << "; a dimension (or a --dim size) is too large";
  return type;
}

/// Whether a tensor of `type` holds at most kTensorLimitBytes: every size,
/// byte count and FLOP count pp derives from shapes then fits in int64.
static bool fitsTensorLimit(RankedTensorType type) {
  int64_t bytes = std::max<int64_t>(
      1, (type.getElementType().getIntOrFloatBitWidth() + 7) / 8);
  for (int64_t dim : type.getShape()) {
    if (dim < 0)
      return true; // dynamic: checked where it is pinned
    if (llvm::MulOverflow(bytes, dim, bytes) ||
        uint64_t(bytes) > kTensorLimitBytes)
      return false;
  }
  return true;
}

Attribute GraphImporter::externalData(StringRef key,
                                      const onnx::TensorProto *tensor) {
  auto file = StringAttr::get(context, path);
  auto keyAttr = StringAttr::get(context, key);
  if (tensor)
    if (auto ext = getExternalLocation(*tensor))
      return nn::ExternalDataAttr::get(
          context, file, keyAttr, StringAttr::get(context, ext->location),
          ext->offset, ext->length >= 0 ? ext->length : (int64_t)-1);
  return nn::ExternalDataAttr::get(context, file, keyAttr, StringAttr(), -1,
                                   -1);
}

LogicalResult GraphImporter::importInitializer(const onnx::TensorProto &t) {
  StringRef name = t.name();
  Type elementType = convertElementType(t.data_type(), context);
  if (!elementType)
    return fileError() << "initializer '" << name << "' has unsupported "
                       << dataTypeName(t.data_type());
  SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
  if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
    return fileError() << "initializer '" << name
                       << "' has a negative dimension";
  auto type = RankedTensorType::get(dims, elementType);
  if (!fitsTensorLimit(type))
    return fileError() << "initializer '" << name << "' of shape "
                       << formatInts(dims) << " would hold more than "
                       << kTensorLimitText;
  if (llvm::Error error = checkTensorData(t, type, modelDir))
    return fileError() << "initializer '" << name << "' "
                       << llvm::toString(std::move(error));

  // Small non-float tensors (shapes, indices, masks) are constants the
  // importer can fold; everything else is a symbol whose data stays put.
  bool isFloat = isa<FloatType>(elementType);
  if (!isFloat && type.getNumElements() <= kMaxInlineElements) {
    auto data = convertTensorData(t, type, modelDir);
    if (!data)
      return fileError() << "initializer '" << name << "' "
                         << llvm::toString(data.takeError());
    values[name] = nn::ConstantOp::create(builder, fileLoc(), *data);
    return success();
  }
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPoint(function);
  auto loc = NameLoc::get(StringAttr::get(context, name), fileLoc());
  auto global = ml_program::GlobalOp::create(
      builder, loc, name, type, /*is_mutable=*/isFloat, externalData(name, &t),
      builder.getStringAttr("private"));
  builder.setInsertionPointToEnd(body);
  Value load;
  if (isFloat)
    load = ml_program::GlobalLoadOp::create(
        builder, loc, type, FlatSymbolRefAttr::get(global.getSymNameAttr()));
  else
    load = ml_program::GlobalLoadConstOp::create(
        builder, loc, type, FlatSymbolRefAttr::get(global.getSymNameAttr()));
  values[name] = load;
  return success();
}

LogicalResult GraphImporter::importInitializers() {
  llvm::StringSet<> seen;
  for (const auto &t : model.graph().initializer()) {
    if (!seen.insert(t.name()).second)
      return fileError() << "initializer '" << t.name() << "' is defined twice";
    if (failed(importInitializer(t)))
      return failure();
  }
  return success();
}

FailureOr<SmallVector<const onnx::NodeProto *>> GraphImporter::sortNodes() {
  const auto &graph = model.graph();
  int numNodes = graph.node_size();
  llvm::StringMap<int> producer;
  for (int i = 0; i < numNodes; ++i)
    for (const auto &out : graph.node(i).output()) {
      if (out.empty())
        continue;
      if (values.count(out))
        return nodeError(graph.node(i))
               << "output '" << out
               << "' redefines a graph input or initializer";
      auto [it, inserted] = producer.try_emplace(out, i);
      if (!inserted) {
        // Name the other node as diagnostics do: 'name', or #position.
        const std::string &other = graph.node(it->second).name();
        return nodeError(graph.node(i))
               << "output '" << out << "' is also produced by node "
               << (other.empty() ? "#" + std::to_string(it->second)
                                 : "'" + other + "'");
      }
    }

  // Kahn's algorithm, taking ready nodes in file order so that an already
  // sorted graph keeps its order.
  SmallVector<SmallVector<int>> users(numNodes);
  SmallVector<int> pending(numNodes, 0);
  for (int i = 0; i < numNodes; ++i) {
    const auto &node = graph.node(i);
    for (const auto &in : node.input()) {
      if (in.empty() || values.count(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end())
        return nodeError(node)
               << "input '" << in
               << "' is never produced (it is no graph input, initializer "
                  "or node output)";
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  SmallVector<const onnx::NodeProto *> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(&graph.node(i));
    for (int user : users[i])
      if (--pending[user] == 0)
        ready.push(user);
  }
  if ((int)order.size() == numNodes)
    return order;

  // Walk back from a node left over until a node repeats: it lies on a cycle.
  int node =
      llvm::find_if(pending, [](int p) { return p > 0; }) - pending.begin();
  llvm::DenseSet<int> visited;
  while (visited.insert(node).second) {
    for (const auto &in : graph.node(node).input()) {
      auto it = producer.find(in);
      if (it != producer.end() && pending[it->second] > 0) {
        node = it->second;
        break;
      }
    }
  }
  const auto &culprit = graph.node(node);
  return nodeError(culprit) << "the graph has a cycle through this node";
}

const onnx::TypeProto *GraphImporter::inferredType(StringRef valueName) {
  if (!inferred) {
    // A copy without weight data: shape inference needs types, and values
    // only of small (shape-like) tensors.
    inferred = std::make_unique<onnx::ModelProto>();
    inferred->set_ir_version(model.ir_version());
    *inferred->mutable_opset_import() = model.opset_import();
    onnx::GraphProto *graph = inferred->mutable_graph();
    const onnx::GraphProto &source = model.graph();
    *graph->mutable_node() = source.node();
    *graph->mutable_output() = source.output();
    for (const auto &t : source.initializer()) {
      onnx::TensorProto *copy = graph->add_initializer();
      int64_t elements = 1;
      for (int64_t d : t.dims())
        elements *= d;
      if (elements <= kMaxInlineElements &&
          t.data_location() != onnx::TensorProto_DataLocation_EXTERNAL) {
        *copy = t;
        continue;
      }
      onnx::ValueInfoProto *input = graph->add_input();
      input->set_name(t.name());
      auto *tensorType = input->mutable_type()->mutable_tensor_type();
      tensorType->set_elem_type(t.data_type());
      for (int64_t d : t.dims())
        tensorType->mutable_shape()->add_dim()->set_dim_value(d);
      graph->mutable_initializer()->RemoveLast();
    }
    // Graph inputs with their dynamic dimensions pinned.
    for (auto &arg : function.getArguments()) {
      auto name = function.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                        "onnx.name");
      onnx::ValueInfoProto *input = graph->add_input();
      input->set_name(name.str());
      auto type = cast<RankedTensorType>(arg.getType());
      auto *tensorType = input->mutable_type()->mutable_tensor_type();
      for (const auto &info : source.input())
        if (info.name() == name.getValue())
          tensorType->set_elem_type(info.type().tensor_type().elem_type());
      for (int64_t d : type.getShape())
        tensorType->mutable_shape()->add_dim()->set_dim_value(d);
    }
    try {
      onnx::shape_inference::InferShapes(*inferred);
    } catch (const std::exception &) {
      // Types stay unknown; the caller reports the node.
    }
    for (const auto &info : inferred->graph().value_info())
      inferredTypes[info.name()] = &info.type();
    for (const auto &info : inferred->graph().output())
      inferredTypes[info.name()] = &info.type();
  }
  return inferredTypes.lookup(valueName);
}

Attribute GraphImporter::convertAttribute(const onnx::AttributeProto &attr,
                                          const onnx::NodeProto &node) {
  using AP = onnx::AttributeProto;
  switch (attr.type()) {
  case AP::INT:
    return builder.getI64IntegerAttr(attr.i());
  case AP::FLOAT:
    return builder.getF32FloatAttr(attr.f());
  case AP::STRING:
    return builder.getStringAttr(attr.s());
  case AP::INTS:
    return builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
  case AP::FLOATS:
    return builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end()));
  case AP::STRINGS: {
    SmallVector<Attribute> strings;
    for (const auto &s : attr.strings())
      strings.push_back(builder.getStringAttr(s));
    return builder.getArrayAttr(strings);
  }
  case AP::TENSOR: {
    Type elementType = convertElementType(attr.t().data_type(), context);
    SmallVector<int64_t> dims(attr.t().dims().begin(), attr.t().dims().end());
    if (elementType && llvm::all_of(dims, [](int64_t d) { return d >= 0; })) {
      auto type = RankedTensorType::get(dims, elementType);
      if (type.getNumElements() <= kMaxInlineElements) {
        auto data = convertTensorData(attr.t(), type, modelDir);
        if (data)
          return *data;
        llvm::consumeError(data.takeError());
      }
    }
    break;
  }
  default:
    break;
  }
  // Large tensors and subgraphs stay in the file, named by node and attribute.
  return externalData((node.name() + "/" + attr.name()));
}

LogicalResult GraphImporter::importGenericNode(NodeImporter &n,
                                               StringRef domain,
                                               int64_t version) {
  const onnx::NodeProto &node = n.node;
  SmallVector<Type> resultTypes;
  for (int i = 0; i < node.output_size(); ++i) {
    StringRef out = node.output(i);
    if (out.empty()) {
      resultTypes.push_back(builder.getNoneType());
      continue;
    }
    const onnx::TypeProto *type = inferredType(out);
    std::string problem;
    if (!type || !type->has_tensor_type() || !type->tensor_type().has_shape()) {
      problem = "gives it no shape";
    } else {
      const auto &tensor = type->tensor_type();
      Type elementType = convertElementType(tensor.elem_type(), context);
      SmallVector<int64_t> dims;
      for (const auto &dim : tensor.shape().dim())
        dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      if (!elementType)
        problem =
            "gives it the unsupported " + dataTypeName(tensor.elem_type());
      else if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
        problem = "gives it a dynamic shape";
      else
        resultTypes.push_back(RankedTensorType::get(dims, elementType));
    }
    if (!problem.empty())
      return n.error() << "pp has no nn op for " << node.op_type()
                       << ", and ONNX shape inference " << problem
                       << " for output '" << out << "'; pp needs static shapes";
  }
  SmallVector<NamedAttribute> attrs;
  for (const auto &attr : node.attribute())
    attrs.emplace_back(builder.getStringAttr(attr.name()),
                       convertAttribute(attr, node));
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i)
    if (n.hasInput(i))
      inputs.push_back(n.input(i));
  auto results = n.buildTyped<nn::OnnxOp>(
      TypeRange(resultTypes), inputs, builder.getStringAttr(node.op_type()),
      builder.getStringAttr(domain), builder.getI64IntegerAttr(version),
      builder.getDictionaryAttr(attrs));
  if (failed(results))
    return failure();
  for (int i = 0; i < node.output_size(); ++i)
    n.setOutput(i, (*results)[i]);
  return success();
}

LogicalResult GraphImporter::importConstantNode(NodeImporter &n) {
  if (n.node.attribute_size() != 1)
    return n.error() << "must have exactly one value attribute";
  const onnx::AttributeProto &attr = n.node.attribute(0);
  StringRef kind = attr.name();
  auto emit = [&](DenseElementsAttr value) -> LogicalResult {
    auto results = n.buildTyped<nn::ConstantOp>(value.getType(), value);
    if (failed(results))
      return failure();
    n.setOutput(0, results->front());
    return success();
  };
  if (kind == "value") {
    const onnx::TensorProto &t = attr.t();
    Type elementType = convertElementType(t.data_type(), context);
    if (!elementType)
      return n.error() << "value has unsupported "
                       << dataTypeName(t.data_type());
    SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
    if (llvm::any_of(dims, [](int64_t d) { return d < 0; }))
      return n.error() << "value has a negative dimension";
    auto type = RankedTensorType::get(dims, elementType);
    if (type.getNumElements() > kMaxInlineElements) {
      // Large constants stay in the file, like parameters.
      if (llvm::Error error = checkTensorData(t, type, modelDir))
        return n.error() << "value " << llvm::toString(std::move(error));
      std::string key = "constant:" + n.node.output(0);
      OpBuilder::InsertionGuard guard(builder);
      builder.setInsertionPoint(function);
      auto global = ml_program::GlobalOp::create(
          builder, n.loc, key, type, /*is_mutable=*/false,
          externalData(key, &t), builder.getStringAttr("private"));
      builder.setInsertionPointToEnd(body);
      n.setOutput(0, ml_program::GlobalLoadConstOp::create(
                         builder, n.loc, type,
                         FlatSymbolRefAttr::get(global.getSymNameAttr())));
      return success();
    }
    auto data = convertTensorData(t, type, modelDir);
    if (!data)
      return n.error() << "value " << llvm::toString(data.takeError());
    return emit(*data);
  }
  auto vector = [&](Type elementType, int64_t size) {
    return RankedTensorType::get(
        size < 0 ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{size}, elementType);
  };
  if (kind == "value_float")
    return emit(
        DenseElementsAttr::get(vector(builder.getF32Type(), -1), attr.f()));
  if (kind == "value_int")
    return emit(DenseElementsAttr::get(vector(builder.getI64Type(), -1),
                                       (int64_t)attr.i()));
  if (kind == "value_floats")
    return emit(DenseElementsAttr::get(
        vector(builder.getF32Type(), attr.floats_size()),
        ArrayRef<float>(attr.floats().data(), attr.floats_size())));
  if (kind == "value_ints")
    return emit(DenseElementsAttr::get(
        vector(builder.getI64Type(), attr.ints_size()),
        ArrayRef<int64_t>(attr.ints().data(), attr.ints_size())));
  return n.error() << "constant attribute '" << kind
                   << "' is not supported (strings and sparse tensors have "
                      "no nn form)";
}

/// Attributes that operators gained after the opsets Debian's ONNX library
/// knows (it defines opsets up to 17): accepted for models of later opsets.
static bool isLaterAttribute(StringRef type, StringRef attribute) {
  if (attribute == "noop_with_empty_axes")
    return type.starts_with("Reduce");
  if (attribute == "saturate")
    return type == "Cast" || type == "CastLike";
  if (type == "Split")
    return attribute == "num_outputs";
  if (type == "AveragePool")
    return attribute == "dilations";
  if (type == "Resize")
    return attribute == "antialias" || attribute == "axes" ||
           attribute == "keep_aspect_ratio_policy";
  return false;
}

LogicalResult GraphImporter::checkAttributes(const onnx::NodeProto &node,
                                             int64_t opset) {
  // ONNX's checker rejects an attribute its operator does not define; left
  // alone it would be ignored (Softmax's `axes` for `axis`, a misspelling).
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(node.op_type(), int(opset), "");
  if (!schema)
    return success(); // an operator newer than the library: its importer
                      // reads what it knows
  for (const onnx::AttributeProto &attribute : node.attribute()) {
    if (schema->attributes().count(attribute.name()))
      continue;
    if (opset > schema->since_version() &&
        isLaterAttribute(node.op_type(), attribute.name()))
      continue;
    std::string known;
    for (const auto &[name, unused] : schema->attributes())
      known += (known.empty() ? "" : ", ") + name;
    return nodeError(node) << "unknown attribute '" << attribute.name()
                           << "' (at opset " << opset << " its attributes are: "
                           << (known.empty() ? "none" : known) << ")";
  }
  return success();
}

LogicalResult GraphImporter::importNode(const onnx::NodeProto &node) {
  bool known = isDefaultDomain(node.domain());
  std::string domain = known ? "" : node.domain();
  auto version = domainVersions.find(domain);
  if (version == domainVersions.end())
    return nodeError(node) << "its domain '" << domain
                           << "' has no opset import";
  if (known && failed(checkAttributes(node, version->second)))
    return failure();
  // A sequence has no nn value: only SequenceAt reads one.
  for (const std::string &input : node.input())
    if (sequences.count(input) &&
        !(known && node.op_type() == "SequenceAt" && input == node.input(0)))
      return nodeError(node)
             << "input '" << input
             << "' is a sequence; pp reads sequences only with SequenceAt at "
                "a constant position";
  NodeImporter n(node, nodeLoc(node), version->second, builder, values,
                 sequences);

  // The inference and verifier errors of the nn ops built for this node name
  // the nn op only; they are re-emitted after the import with the node's
  // "OpType: " prefix, like the importer's own errors.
  struct Stashed {
    std::string message;
    SmallVector<std::string> notes;
  };
  SmallVector<Stashed> stashed;
  std::string prefix = node.op_type() + ": ";
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
      if (diag.getSeverity() != DiagnosticSeverity::Error ||
          diag.getLocation() != n.loc)
        return failure();
      std::string message = diag.str();
      if (StringRef(message).starts_with(prefix))
        return failure();
      Stashed &entry = stashed.emplace_back();
      entry.message = std::move(message);
      for (Diagnostic &note : diag.getNotes())
        entry.notes.push_back(note.str());
      return success();
    });
    if (known && node.op_type() == "Constant")
      result = importConstantNode(n);
    else if (std::optional<LogicalResult> imported =
                 known ? importKnownNode(n) : std::nullopt)
      result = *imported;
    else
      result = importGenericNode(n, domain, version->second);
  }
  for (Stashed &entry : stashed) {
    InFlightDiagnostic diag = emitError(n.loc) << prefix << entry.message;
    for (const std::string &note : entry.notes)
      diag.attachNote(n.loc) << note;
  }
  if (failed(result))
    return failure();
  // A node may name more outputs than its operator has; their users would
  // find no value.
  for (int i = 0; i < node.output_size(); ++i) {
    if (!n.hasOutput(i))
      continue;
    if (sequences.count(node.output(i)))
      continue;
    Value value = values.lookup(node.output(i));
    if (!value)
      return nodeError(node) << "output " << i << " ('" << node.output(i)
                             << "') is not produced by " << node.op_type();
    if (auto type = dyn_cast<RankedTensorType>(value.getType());
        type && !fitsTensorLimit(type))
      return nodeError(node) << "output " << i << " ('" << node.output(i)
                             << "') of shape " << formatInts(type.getShape())
                             << " would hold more than " << kTensorLimitText;
  }
  return success();
}

LogicalResult
GraphImporter::checkDeclaredType(const onnx::ValueInfoProto &output,
                                 RankedTensorType inferred) {
  // A model whose declared output disagrees with what its nodes compute is
  // wrong somewhere; planning it as if nothing happened would hide that.
  if (!output.type().has_tensor_type())
    return success();
  const auto &tensor = output.type().tensor_type();
  Type declaredElement = convertElementType(tensor.elem_type(), context);
  bool mismatch = tensor.elem_type() != 0 && declaredElement &&
                  declaredElement != inferred.getElementType();
  SmallVector<std::string> dims;
  if (tensor.has_shape()) {
    if (tensor.shape().dim_size() != inferred.getRank())
      mismatch = true;
    for (auto [axis, dim] : llvm::enumerate(tensor.shape().dim())) {
      dims.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                                         : dim.dim_param());
      if (dim.has_dim_value() && (int64_t)axis < inferred.getRank() &&
          dim.dim_value() != inferred.getDimSize(axis))
        mismatch = true;
    }
  }
  if (!mismatch)
    return success();
  std::string declared = "[" + llvm::join(dims, ", ") + "]";
  if (declaredElement) {
    llvm::raw_string_ostream os(declared);
    os << " " << declaredElement;
  }
  std::string computed = formatInts(inferred.getShape());
  llvm::raw_string_ostream(computed) << " " << inferred.getElementType();
  return fileError() << "graph output '" << output.name() << "' is declared "
                     << declared << " but the graph computes " << computed;
}

void GraphImporter::removeUnusedValues() {
  // Folding leaves the constants that fed folded shape computations, and
  // PyTorch exports initializers nothing reads.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (op.use_empty() &&
        (isOpTriviallyDead(&op) ||
         isa<ml_program::GlobalLoadOp, ml_program::GlobalLoadConstOp>(op)))
      op.erase();
  // One walk collects the globals still read; asking per global would walk
  // the function once for each of them.
  llvm::DenseSet<StringAttr> used;
  function.walk([&](Operation *op) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
      used.insert(load.getGlobalAttr().getRootReference());
    else if (auto load = dyn_cast<ml_program::GlobalLoadConstOp>(op))
      used.insert(load.getGlobalAttr().getRootReference());
  });
  for (auto global :
       llvm::make_early_inc_range(module->getOps<ml_program::GlobalOp>()))
    if (!used.contains(global.getSymNameAttr()))
      global.erase();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  const onnx::GraphProto &graph = model.graph();
  module = ModuleOp::create(fileLoc());
  (*module)->setAttr("onnx.model", builder.getStringAttr(path));
  if (failed(readOpset()))
    return nullptr;
  (*module)->setAttr("onnx.opset", builder.getI64IntegerAttr(opset));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer",
                       builder.getStringAttr(model.producer_name() + " " +
                                             model.producer_version()));
  // The initializers the model's training algorithms update; pp-attach-loss
  // freezes the others.
  if (model.training_info_size() > 0) {
    SmallVector<Attribute> updated;
    for (const onnx::TrainingInfoProto &info : model.training_info())
      for (const onnx::StringStringEntryProto &binding : info.update_binding())
        updated.push_back(builder.getStringAttr(binding.key()));
    (*module)->setAttr("onnx.training_info_updates",
                       builder.getArrayAttr(updated));
  }

  // Arguments: graph inputs that are not initializers (before IR version 4
  // initializers were listed as inputs too).
  llvm::StringSet<> initializerNames;
  for (const auto &t : graph.initializer())
    initializerNames.insert(t.name());
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  llvm::StringSet<> inputNames;
  for (const auto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue;
    if (!inputNames.insert(info.name()).second) {
      fileError() << "graph input '" << info.name() << "' is listed twice";
      return nullptr;
    }
    auto type = convertInputType(info);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    args.push_back(&info);
  }
  for (const auto &entry : options.dims)
    if (!usedDims.contains(entry.getKey()))
      emitWarning(fileLoc()) << "--dim " << entry.getKey()
                             << " matches no dynamic dimension of the "
                                "model's inputs";

  builder.setInsertionPointToEnd(module->getBody());
  function = func::FuncOp::create(builder, fileLoc(), "forward",
                                  builder.getFunctionType(argTypes, {}));
  body = function.addEntryBlock();
  for (auto [i, info] : llvm::enumerate(args)) {
    function.setArgAttr(i, "onnx.name", builder.getStringAttr(info->name()));
    values[info->name()] = body->getArgument(i);
  }
  builder.setInsertionPointToEnd(body);

  if (failed(importInitializers()))
    return nullptr;
  auto order = sortNodes();
  if (failed(order))
    return nullptr;
  for (const onnx::NodeProto *node : *order)
    if (failed(importNode(*node)))
      return nullptr;

  SmallVector<Value> results;
  for (const auto &out : graph.output()) {
    Value v = values.lookup(out.name());
    if (!v && sequences.count(out.name())) {
      fileError() << "graph output '" << out.name()
                  << "' is a sequence; pp's outputs are tensors";
      return nullptr;
    }
    if (!v) {
      fileError() << "graph output '" << out.name() << "' is never produced";
      return nullptr;
    }
    if (failed(checkDeclaredType(out, cast<RankedTensorType>(v.getType()))))
      return nullptr;
    results.push_back(v);
  }
  func::ReturnOp::create(builder, fileLoc(), results);
  function.setType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    function.setResultAttr(i, "onnx.name", builder.getStringAttr(out.name()));

  removeUnusedValues();
  if (failed(verify(*module)))
    return nullptr;
  for (const std::string &warning : findMergedInitializers(graph))
    emitWarning(fileLoc()) << warning;
  return std::move(module);
}

} // namespace pp::onnx_import
