//===- TensorIO.cpp - ONNX TensorProto files ------------------------------===//
//
// Conversion between `Tensor` and ONNX's `TensorProto` (raw_data, the typed
// fields and external data), and the file readers and writers built on it.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/TensorIO.h"

#include <onnx/onnx_pb.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

using namespace pp::rt;
using onnx::TensorProto;

/// The runtime's element type of an ONNX data type; none when unsupported.
static std::optional<DType> dtypeFromOnnx(int32_t dataType) {
  switch (dataType) {
  case TensorProto::FLOAT:
    return DType::F32;
  case TensorProto::DOUBLE:
    return DType::F64;
  case TensorProto::INT64:
    return DType::I64;
  case TensorProto::INT32:
    return DType::I32;
  case TensorProto::BOOL:
    return DType::Bool;
  case TensorProto::FLOAT16:
    return DType::F16;
  case TensorProto::BFLOAT16:
    return DType::BF16;
  case TensorProto::INT8:
    return DType::I8;
  case TensorProto::UINT8:
    return DType::U8;
  case TensorProto::UINT32:
    return DType::U32;
  case TensorProto::UINT64:
    return DType::U64;
  case TensorProto::INT16:
    return DType::I16;
  case TensorProto::UINT16:
    return DType::U16;
  default:
    return std::nullopt;
  }
}

static int32_t dtypeToOnnx(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return TensorProto::FLOAT;
  case DType::F64:
    return TensorProto::DOUBLE;
  case DType::I64:
    return TensorProto::INT64;
  case DType::I32:
    return TensorProto::INT32;
  case DType::Bool:
    return TensorProto::BOOL;
  case DType::F16:
    return TensorProto::FLOAT16;
  case DType::BF16:
    return TensorProto::BFLOAT16;
  case DType::I8:
    return TensorProto::INT8;
  case DType::U8:
    return TensorProto::UINT8;
  case DType::U32:
    return TensorProto::UINT32;
  case DType::U64:
    return TensorProto::UINT64;
  case DType::I16:
    return TensorProto::INT16;
  case DType::U16:
    return TensorProto::UINT16;
  }
  return TensorProto::UNDEFINED;
}

/// Copies the typed field `values` into `out`'s buffer as `T`s.
template <typename T, typename Field>
static Status copyTyped(const Field &values, const char *fieldName, Tensor &out,
                        const std::string &what) {
  if (int64_t(values.size()) != out.numel())
    return Status::error(what + ": " + fieldName + " holds " +
                         std::to_string(values.size()) +
                         " values, but the shape " + formatShape(out.shape()) +
                         " has " + std::to_string(out.numel()) + " elements");
  T *data = out.data<T>();
  for (int64_t i = 0; i < out.numel(); ++i)
    data[i] = static_cast<T>(values.Get(int(i)));
  return Status::ok();
}

/// Fills `out` from the typed field that ONNX uses for its dtype.
static Status readTypedField(const TensorProto &proto, Tensor &out,
                             const std::string &what) {
  switch (out.dtype()) {
  case DType::F32:
    return copyTyped<float>(proto.float_data(), "float_data", out, what);
  case DType::F64:
    return copyTyped<double>(proto.double_data(), "double_data", out, what);
  case DType::I64:
    return copyTyped<int64_t>(proto.int64_data(), "int64_data", out, what);
  case DType::I32:
    return copyTyped<int32_t>(proto.int32_data(), "int32_data", out, what);
  case DType::Bool:
  case DType::U8:
    return copyTyped<uint8_t>(proto.int32_data(), "int32_data", out, what);
  case DType::I8:
    return copyTyped<int8_t>(proto.int32_data(), "int32_data", out, what);
  case DType::I16:
    return copyTyped<int16_t>(proto.int32_data(), "int32_data", out, what);
  case DType::U16:
    return copyTyped<uint16_t>(proto.int32_data(), "int32_data", out, what);
  case DType::U32:
    return copyTyped<uint32_t>(proto.uint64_data(), "uint64_data", out, what);
  case DType::U64:
    return copyTyped<uint64_t>(proto.uint64_data(), "uint64_data", out, what);
  case DType::F16:
  case DType::BF16: // the bit patterns, one per int32
    return copyTyped<uint16_t>(proto.int32_data(), "int32_data", out, what);
  }
  return Status::error(what + ": unsupported element type");
}

/// Parses a decimal byte count of an external-data entry.
static Status parseByteCount(const std::string &text, uint64_t &out,
                             const std::string &what, const std::string &key) {
  char *end = nullptr;
  out = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || text[0] == '-')
    return Status::error(what + ": external data " + key + " '" + text +
                         "' is not a byte count");
  return Status::ok();
}

/// Reads the external data of `proto` (keys location, offset, length)
/// relative to `baseDir` into `out`.
static Status readExternalData(const TensorProto &proto, Tensor &out,
                               const std::string &what,
                               const std::string &baseDir) {
  if (baseDir.empty())
    return Status::error(what + ": external data is not supported here");
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : proto.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      if (Status s = parseByteCount(entry.value(), offset, what, "offset"))
        return s;
    } else if (entry.key() == "length") {
      uint64_t value = 0;
      if (Status s = parseByteCount(entry.value(), value, what, "length"))
        return s;
      length = value;
    }
  }
  if (location.empty())
    return Status::error(what + ": external data without a location");
  if (length && *length != out.bytes())
    return Status::error(what + ": external data of " +
                         std::to_string(*length) + " bytes, expected " +
                         std::to_string(out.bytes()));
  std::string path = baseDir + "/" + location;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(what + ": cannot open its external data file " + path);
  in.seekg(std::streamoff(offset));
  in.read(static_cast<char *>(out.raw()), std::streamsize(out.bytes()));
  if (!in)
    return Status::error(what + ": external data file " + path +
                         " ends before byte " +
                         std::to_string(offset + out.bytes()));
  return Status::ok();
}

Status pp::rt::tensorFromProto(const TensorProto &proto, Tensor &out,
                               const std::string &what,
                               const std::string &baseDir) {
  std::optional<DType> dtype = dtypeFromOnnx(proto.data_type());
  if (!dtype)
    return Status::error(
        what + ": unsupported ONNX data type " +
        std::to_string(proto.data_type()) + " (" +
        TensorProto::DataType_Name(TensorProto::DataType(proto.data_type())) +
        ")");
  if (proto.has_segment())
    return Status::error(what + ": segmented tensors are not supported");
  TensorType type{*dtype, {}};
  for (int64_t d : proto.dims()) {
    if (d < 0)
      return Status::error(what + ": negative dimension " + std::to_string(d));
    type.shape.push_back(d);
  }
  out = Tensor::empty(type);
  if (proto.data_location() == TensorProto::EXTERNAL)
    return readExternalData(proto, out, what, baseDir);
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != out.bytes())
      return Status::error(what + ": raw_data holds " +
                           std::to_string(proto.raw_data().size()) +
                           " bytes, but " + type.str() + " needs " +
                           std::to_string(out.bytes()));
    if (out.bytes())
      std::memcpy(out.raw(), proto.raw_data().data(), out.bytes());
    return Status::ok();
  }
  return readTypedField(proto, out, what);
}

void pp::rt::tensorToProto(const Tensor &tensor, const std::string &name,
                           TensorProto &proto) {
  proto.Clear();
  proto.set_name(name);
  proto.set_data_type(dtypeToOnnx(tensor.dtype()));
  for (int64_t d : tensor.shape())
    proto.add_dims(d);
  proto.set_raw_data(tensor.raw(), tensor.bytes());
}

Status pp::rt::readTensorFile(const std::string &path, Tensor &out,
                              std::string *name) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open the file");
  // An empty file parses as a tensor of no data type: say it is empty.
  if (in.peek() == std::ifstream::traits_type::eof())
    return Status::error(path + ": the file is empty");
  TensorProto proto;
  if (!proto.ParseFromIstream(&in))
    return Status::error(path + ": not an ONNX TensorProto file");
  if (name)
    *name = proto.name();
  return tensorFromProto(proto, out, path);
}

Status pp::rt::writeTensorFile(const std::string &path, const Tensor &tensor,
                               const std::string &name) {
  TensorProto proto;
  tensorToProto(tensor, name, proto);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Status::error(path + ": cannot open the file for writing");
  if (!proto.SerializeToOstream(&out) || !out.flush())
    return Status::error(path + ": write failed");
  return Status::ok();
}
