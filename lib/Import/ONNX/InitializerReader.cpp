//===- InitializerReader.cpp - The data of an imported initializer --------===//

#include "pp/Import/InitializerReader.h"

#include "ModelLoader.h"
#include "TensorConversion.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace pp {

uint64_t getEncodedBytes(RankedTensorType type) {
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  return (uint64_t)type.getNumElements() * std::max(1u, bits / 8);
}

void appendEncodedData(DenseElementsAttr data, std::string &out) {
  if (data.getElementType().isInteger(1)) {
    for (bool value : data.getValues<bool>())
      out.push_back(value ? 1 : 0);
    return;
  }
  llvm::ArrayRef<char> raw = data.getRawData();
  if (!data.isSplat()) {
    out.append(raw.data(), raw.size());
    return;
  }
  for (int64_t i = 0, e = data.getNumElements(); i < e; ++i)
    out.append(raw.data(), raw.size());
}

InitializerReader::InitializerReader(StringRef pass) : pass(pass.str()) {}
InitializerReader::~InitializerReader() = default;

/// Starts the error for a parameter whose data cannot be read from `file`.
static InFlightDiagnostic
emitReadError(StringRef pass, ml_program::GlobalOp global, StringRef file) {
  return global.emitError()
         << pass << ": cannot read the data of parameter @"
         << global.getSymName() << " from '" << file << "': ";
}

static std::string printType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

static std::string printShape(llvm::ArrayRef<int64_t> dims) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(dims, os);
  return text;
}

LogicalResult InitializerReader::write(ml_program::GlobalOp global,
                                       llvm::raw_ostream &out) {
  Attribute value = global.getValueAttr();
  if (!value)
    return global.emitError() << pass << ": parameter @" << global.getSymName()
                              << " has no initial value to export";
  if (auto external = dyn_cast<nn::ExternalDataAttr>(value)) {
    if (external.getOffset() >= 0)
      return writeRange(global, external, out);
    return writeEmbedded(global, external, out);
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.getType() != global.getType())
      return global.emitError() << pass << ": the initial value of parameter @"
                                << global.getSymName() << " has type "
                                << printType(dense.getType()) << ", not "
                                << printType(global.getType());
    std::string bytes;
    appendEncodedData(dense, bytes);
    out << bytes;
    return success();
  }
  return global.emitError() << pass << ": parameter @" << global.getSymName()
                            << " has an initial value pp cannot read; "
                               "expected #nn.external or dense elements";
}

LogicalResult InitializerReader::writeRange(ml_program::GlobalOp global,
                                            nn::ExternalDataAttr external,
                                            llvm::raw_ostream &out) {
  auto type = cast<RankedTensorType>(global.getType());
  StringRef modelDir = llvm::sys::path::parent_path(external.getFile());
  StringRef location =
      external.getLocation() ? external.getLocation().getValue() : "";
  // The importer's own checks of a range: a relative location inside the
  // model's directory, a range inside the file, the size of the type.
  onnx::TensorProto tensor;
  tensor.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  auto addEntry = [&](const char *key, const std::string &entry) {
    auto *data = tensor.add_external_data();
    data->set_key(key);
    data->set_value(entry);
  };
  addEntry("location", location.str());
  addEntry("offset", std::to_string(external.getOffset()));
  if (external.getLength() >= 0)
    addEntry("length", std::to_string(external.getLength()));
  if (llvm::Error error = onnx_import::checkTensorData(tensor, type, modelDir))
    return emitReadError(pass, global, external.getFile().getValue())
           << llvm::toString(std::move(error));

  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  llvm::Expected<llvm::sys::fs::file_t> file =
      llvm::sys::fs::openNativeFileForRead(path);
  if (!file)
    return emitReadError(pass, global, path)
           << llvm::toString(file.takeError());
  llvm::scope_exit close([&] { llvm::sys::fs::closeFile(*file); });
  constexpr uint64_t kChunkBytes = 8 << 20;
  std::vector<char> buffer(std::min(kChunkBytes, getEncodedBytes(type)));
  uint64_t offset = external.getOffset();
  for (uint64_t left = getEncodedBytes(type); left > 0;) {
    uint64_t want = std::min<uint64_t>(left, buffer.size());
    llvm::Expected<size_t> got = llvm::sys::fs::readNativeFileSlice(
        *file, llvm::MutableArrayRef<char>(buffer.data(), want), offset);
    if (!got)
      return emitReadError(pass, global, path)
             << llvm::toString(got.takeError());
    if (*got == 0)
      return emitReadError(pass, global, path)
             << "the file ends at byte " << offset << ", inside the data";
    out.write(buffer.data(), *got);
    offset += *got;
    left -= *got;
  }
  return success();
}

/// The tensor `key` names in `model`: an initializer, or for
/// `constant:OUTPUT` (a large constant the importer made a global) the value
/// of the Constant node computing OUTPUT.
static const onnx::TensorProto *findTensor(const onnx::ModelProto &model,
                                           StringRef key) {
  for (const onnx::TensorProto &tensor : model.graph().initializer())
    if (tensor.name() == key)
      return &tensor;
  if (!key.consume_front("constant:"))
    return nullptr;
  for (const onnx::NodeProto &node : model.graph().node()) {
    if (node.op_type() != "Constant" || node.output_size() == 0 ||
        node.output(0) != key)
      continue;
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.name() == "value" && attribute.has_t())
        return &attribute.t();
  }
  return nullptr;
}

LogicalResult InitializerReader::writeEmbedded(ml_program::GlobalOp global,
                                               nn::ExternalDataAttr external,
                                               llvm::raw_ostream &out) {
  StringRef file = external.getFile().getValue();
  const onnx::ModelProto *model = getModel(global, file);
  if (!model)
    return failure();
  StringRef key = external.getKey().getValue();
  const onnx::TensorProto *tensor = findTensor(*model, key);
  if (!tensor)
    return emitReadError(pass, global, file)
           << "the model has no initializer '" << key << "'";

  auto type = cast<RankedTensorType>(global.getType());
  Type elementType =
      onnx_import::convertElementType(tensor->data_type(), global.getContext());
  llvm::SmallVector<int64_t> dims(tensor->dims().begin(), tensor->dims().end());
  if (elementType != type.getElementType() ||
      llvm::ArrayRef<int64_t>(dims) != type.getShape())
    return emitReadError(pass, global, file)
           << "initializer '" << key << "' is "
           << onnx_import::dataTypeName(tensor->data_type()) << " of shape ["
           << printShape(dims) << "], not the parameter's " << printType(type);
  llvm::Expected<DenseElementsAttr> data = onnx_import::convertTensorData(
      *tensor, type, llvm::sys::path::parent_path(file));
  if (!data)
    return emitReadError(pass, global, file)
           << "initializer '" << key << "' "
           << llvm::toString(data.takeError());
  std::string bytes;
  appendEncodedData(*data, bytes);
  out << bytes;
  return success();
}

const onnx::ModelProto *InitializerReader::getModel(ml_program::GlobalOp global,
                                                    StringRef path) {
  auto it = models.find(path);
  if (it != models.end())
    return it->second.get();
  auto model = std::make_unique<onnx::ModelProto>();
  if (llvm::Error error = onnx_import::loadModel(path, *model)) {
    emitReadError(pass, global, path) << llvm::toString(std::move(error));
    return nullptr;
  }
  return (models[path] = std::move(model)).get();
}

} // namespace pp
