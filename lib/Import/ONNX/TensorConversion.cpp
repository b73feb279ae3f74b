//===- TensorConversion.cpp - ONNX tensors to MLIR types and data ---------===//

#include "TensorConversion.h"

#include <limits>

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace pp::onnx_import {

using DT = onnx::TensorProto_DataType;

static Error makeError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

Type convertElementType(int32_t dataType, MLIRContext *context) {
  auto sint = [&](unsigned w) { return IntegerType::get(context, w); };
  auto uint = [&](unsigned w) {
    return IntegerType::get(context, w, IntegerType::Unsigned);
  };
  switch (dataType) {
  case DT::TensorProto_DataType_FLOAT:
    return Float32Type::get(context);
  case DT::TensorProto_DataType_DOUBLE:
    return Float64Type::get(context);
  case DT::TensorProto_DataType_FLOAT16:
    return Float16Type::get(context);
  case DT::TensorProto_DataType_BFLOAT16:
    return BFloat16Type::get(context);
  case DT::TensorProto_DataType_BOOL:
    return sint(1);
  case DT::TensorProto_DataType_INT8:
    return sint(8);
  case DT::TensorProto_DataType_INT16:
    return sint(16);
  case DT::TensorProto_DataType_INT32:
    return sint(32);
  case DT::TensorProto_DataType_INT64:
    return sint(64);
  case DT::TensorProto_DataType_UINT8:
    return uint(8);
  case DT::TensorProto_DataType_UINT16:
    return uint(16);
  case DT::TensorProto_DataType_UINT32:
    return uint(32);
  case DT::TensorProto_DataType_UINT64:
    return uint(64);
  default:
    return {};
  }
}

std::string dataTypeName(int32_t dataType) {
  if (onnx::TensorProto_DataType_IsValid(dataType))
    return onnx::TensorProto_DataType_Name(dataType);
  return "unknown data type " + std::to_string(dataType);
}

std::optional<ExternalLocation>
getExternalLocation(const onnx::TensorProto &t) {
  if (t.data_location() != onnx::TensorProto_DataLocation_EXTERNAL)
    return std::nullopt;
  ExternalLocation loc;
  // A byte count: decimal digits only (no sign, space or suffix), within
  // int64. strtoll would read "4abc" as 4 and "abc" as 0.
  auto parseCount = [&](const std::string &key, const std::string &value,
                        int64_t &out) {
    uint64_t count;
    if (value.empty() ||
        !llvm::all_of(value, [](char c) { return c >= '0' && c <= '9'; }) ||
        StringRef(value).getAsInteger(10, count) ||
        count > uint64_t(std::numeric_limits<int64_t>::max())) {
      if (loc.error.empty())
        loc.error = "external data " + key + " '" + value +
                    "' is not a byte count (decimal digits only)";
      return;
    }
    out = int64_t(count);
  };
  for (const auto &entry : t.external_data()) {
    if (entry.key() == "location")
      loc.location = entry.value();
    else if (entry.key() == "offset")
      parseCount("offset", entry.value(), loc.offset);
    else if (entry.key() == "length")
      parseCount("length", entry.value(), loc.length);
  }
  return loc;
}

/// Bytes of one element as ONNX stores it in `raw_data` (bool: one byte).
static int64_t rawElementBytes(Type elementType) {
  return std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

/// Number of entries of the typed repeated field that holds `tensor`'s data.
static int64_t typedFieldCount(const onnx::TensorProto &t) {
  switch (t.data_type()) {
  case DT::TensorProto_DataType_FLOAT:
    return t.float_data_size();
  case DT::TensorProto_DataType_INT64:
    return t.int64_data_size();
  case DT::TensorProto_DataType_DOUBLE:
    return t.double_data_size();
  case DT::TensorProto_DataType_UINT32:
  case DT::TensorProto_DataType_UINT64:
    return t.uint64_data_size();
  default:
    return t.int32_data_size();
  }
}

static std::string externalPath(StringRef modelDir, StringRef location) {
  llvm::SmallString<256> path(modelDir);
  llvm::sys::path::append(path, location);
  return std::string(path);
}

Error checkTensorData(const onnx::TensorProto &tensor, RankedTensorType type,
                      StringRef modelDir) {
  int64_t expected =
      type.getNumElements() * rawElementBytes(type.getElementType());
  if (auto ext = getExternalLocation(tensor)) {
    if (!ext->error.empty())
      return makeError(ext->error);
    if (ext->location.empty())
      return makeError("uses external data but names no location");
    if (ext->location.find("..") != std::string::npos ||
        llvm::sys::path::is_absolute(ext->location))
      return makeError("external data location '" + ext->location +
                       "' must be a relative path inside the model's "
                       "directory");
    std::string path = externalPath(modelDir, ext->location);
    if (llvm::sys::fs::is_directory(path))
      return makeError("external data location '" + path +
                       "' is a directory, not a file");
    uint64_t fileSize;
    if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize))
      return makeError("external data file '" + path +
                       "' cannot be read: " + ec.message());
    if (ext->offset > (int64_t)fileSize)
      return makeError("external data offset " + Twine(ext->offset) +
                       " lies past the end of '" + path + "' (" +
                       Twine(fileSize) + " bytes)");
    int64_t length =
        ext->length < 0 ? (int64_t)fileSize - ext->offset : ext->length;
    if (length != expected)
      return makeError("external data holds " + Twine(length) +
                       " bytes but the type " + Twine(expected) + " bytes");
    if (ext->offset < 0 || length > (int64_t)fileSize - ext->offset)
      return makeError("external data range [" + Twine(ext->offset) + ", " +
                       Twine(ext->offset + length) + ") lies outside '" + path +
                       "' (" + Twine(fileSize) + " bytes)");
    return Error::success();
  }
  if (tensor.has_raw_data()) {
    int64_t actual = tensor.raw_data().size();
    if (actual != expected)
      return makeError("holds " + Twine(actual) + " bytes of data but " +
                       dataTypeName(tensor.data_type()) + " " +
                       Twine(type.getNumElements()) + " elements need " +
                       Twine(expected));
    return Error::success();
  }
  int64_t count = typedFieldCount(tensor);
  if (count != type.getNumElements())
    return makeError("holds " + Twine(count) + " values but its shape needs " +
                     Twine(type.getNumElements()));
  return Error::success();
}

/// Converts raw little-endian bytes into an attribute.
static DenseElementsAttr fromRawBytes(RankedTensorType type, StringRef bytes) {
  Type elementType = type.getElementType();
  if (elementType.isInteger(1)) {
    SmallVector<bool> values;
    values.reserve(bytes.size());
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, llvm::ArrayRef<char>(bytes.data(), bytes.size()));
}

Expected<DenseElementsAttr> convertTensorData(const onnx::TensorProto &tensor,
                                              RankedTensorType type,
                                              StringRef modelDir) {
  if (Error error = checkTensorData(tensor, type, modelDir))
    return std::move(error);
  if (auto ext = getExternalLocation(tensor)) {
    auto buffer = llvm::MemoryBuffer::getFileSlice(
        externalPath(modelDir, ext->location),
        type.getNumElements() * rawElementBytes(type.getElementType()),
        ext->offset);
    if (!buffer)
      return makeError("cannot read external data: " +
                       buffer.getError().message());
    return fromRawBytes(type, (*buffer)->getBuffer());
  }
  if (tensor.has_raw_data())
    return fromRawBytes(type, tensor.raw_data());

  Type elementType = type.getElementType();
  switch (tensor.data_type()) {
  case DT::TensorProto_DataType_FLOAT:
    return DenseElementsAttr::get(
        type, llvm::ArrayRef<float>(tensor.float_data().data(),
                                    tensor.float_data_size()));
  case DT::TensorProto_DataType_DOUBLE:
    return DenseElementsAttr::get(
        type, llvm::ArrayRef<double>(tensor.double_data().data(),
                                     tensor.double_data_size()));
  case DT::TensorProto_DataType_INT64:
    return DenseElementsAttr::get(
        type, llvm::ArrayRef<int64_t>(tensor.int64_data().data(),
                                      tensor.int64_data_size()));
  default:
    break;
  }
  // int32_data holds the other types one value (or 16-bit pattern) each;
  // uint64_data holds UINT32 and UINT64.
  unsigned width = elementType.getIntOrFloatBitWidth();
  SmallVector<llvm::APInt> bits;
  if (tensor.data_type() == DT::TensorProto_DataType_UINT32 ||
      tensor.data_type() == DT::TensorProto_DataType_UINT64) {
    for (uint64_t v : tensor.uint64_data())
      bits.push_back(llvm::APInt(width, v));
  } else {
    for (int32_t v : tensor.int32_data())
      bits.push_back(llvm::APInt(width, (uint64_t)(int64_t)v,
                                 /*isSigned=*/false,
                                 /*implicitTrunc=*/true));
  }
  if (isa<FloatType>(elementType)) {
    SmallVector<llvm::APFloat> floats;
    auto &semantics = cast<FloatType>(elementType).getFloatSemantics();
    for (const llvm::APInt &b : bits)
      floats.emplace_back(semantics, b);
    return DenseElementsAttr::get(type, floats);
  }
  return DenseElementsAttr::get(type, bits);
}

} // namespace pp::onnx_import
