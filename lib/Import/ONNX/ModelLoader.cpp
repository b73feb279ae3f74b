//===- ModelLoader.cpp - Read an ONNX ModelProto from disk ----------------===//

#include "ModelLoader.h"
#include "WeightSkippingParser.h"

#include "onnx/defs/parser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace pp::onnx_import {

static Error makeError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

static Error loadBinary(StringRef path, uint64_t size,
                        onnx::ModelProto &model) {
  if (size > (uint64_t)std::numeric_limits<int>::max())
    return makeError("is larger than 2 GiB, the limit of a protobuf message; "
                     "store its weights as ONNX external data");
  // Parse straight from the file, seeking over large weights: their bytes
  // are read later, where they are needed, from the recorded offsets.
  int fd = ::open(path.str().c_str(), O_RDONLY);
  if (fd < 0)
    return makeError("cannot open the file: " + Twine(std::strerror(errno)));
  google::protobuf::io::FileInputStream stream(fd, /*block_size=*/1 << 20);
  stream.SetCloseOnDelete(true);
  google::protobuf::io::CodedInputStream coded(&stream);
  coded.SetTotalBytesLimit(std::numeric_limits<int>::max());
  std::string self = sys::path::filename(path).str();
  if (!parseModelSkippingWeights(coded, model, self, /*minSkippedBytes=*/4096,
                                 int64_t(size))) {
    // A parse that failed where the file ends, or inside a weight the file
    // does not hold, failed because the file is cut short.
    if (uint64_t(coded.CurrentPosition()) >= size)
      return makeError("is truncated: the file ends at byte " + Twine(size) +
                       ", inside the model");
    return makeError("is not a valid ONNX model: the protobuf is truncated "
                     "or malformed");
  }
  return Error::success();
}

static Error parseText(StringRef bytes, onnx::ModelProto &model) {
  std::string text = bytes.str(); // The parser needs a terminating NUL.
  if (text.find('\0') != std::string::npos)
    return makeError("is not valid ONNX text syntax: it contains NUL bytes");
  onnx::Common::Status status;
  try {
    onnx::OnnxParser parser(text.c_str());
    status = parser.Parse(model);
  } catch (const std::exception &e) {
    return makeError("is not valid ONNX text syntax: " + Twine(e.what()));
  }
  if (!status.IsOK())
    return makeError("is not valid ONNX text syntax: " + status.ErrorMessage());
  return Error::success();
}

static Error loadText(StringRef path, onnx::ModelProto &model) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return makeError("cannot read the file: " + buffer.getError().message());
  return parseText((*buffer)->getBuffer(), model);
}

/// What every model must have, however it was read.
static Error checkModel(const onnx::ModelProto &model) {
  if (!model.has_graph())
    return makeError("is not an ONNX model: it has no graph");
  if (model.graph().output_size() == 0)
    return makeError("is not an ONNX model: its graph has no outputs");
  return Error::success();
}

/// Parses a model held in memory with the same parser as files, reading
/// every weight (there is no file to read them from later).
static bool parseFromArray(StringRef bytes, onnx::ModelProto &model) {
  if (bytes.size() > (size_t)std::numeric_limits<int>::max())
    return false;
  google::protobuf::io::CodedInputStream coded(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
  return parseModelSkippingWeights(coded, model, std::nullopt);
}

Error loadModelFromBuffer(StringRef bytes, bool isText,
                          onnx::ModelProto &model) {
  if (bytes.empty())
    return makeError("is empty, not an ONNX model");
  if (isText) {
    if (Error error = parseText(bytes, model))
      return error;
  } else if (!parseFromArray(bytes, model)) {
    return makeError("is not a valid ONNX model: the protobuf is truncated "
                     "or malformed");
  }
  return checkModel(model);
}

Error loadModel(StringRef path, onnx::ModelProto &model) {
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return makeError("cannot open the file: " + ec.message());
  if (sys::fs::is_directory(status))
    return makeError("is a directory, not an ONNX model");
  if (status.getSize() == 0)
    return makeError("is empty, not an ONNX model");
  Error error = path.ends_with(".onnxtext")
                    ? loadText(path, model)
                    : loadBinary(path, status.getSize(), model);
  if (error)
    return error;
  return checkModel(model);
}

} // namespace pp::onnx_import
