//===- WeightSkippingParser.cpp - Parse a model without its weights -------===//

#include "WeightSkippingParser.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

namespace pp::onnx_import {

using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;
using WFL = google::protobuf::internal::WireFormatLite;

namespace {

// Field numbers from onnx.proto.
constexpr int kModelGraph = 7;
constexpr int kGraphInitializer = 5;
constexpr int kTensorRawData = 9;

/// Reads fields until the current limit (or the end of input). Fields for
/// which `handle(fieldNumber, wireType)` returns std::nullopt are copied into
/// `rest` verbatim; for the others it has consumed the field itself and
/// returns whether that succeeded.
template <typename Handler>
bool forEachField(CodedInputStream &in, std::string &rest, Handler handle) {
  StringOutputStream restStream(&rest);
  CodedOutputStream restOut(&restStream);
  while (uint32_t tag = in.ReadTag()) {
    int field = WFL::GetTagFieldNumber(tag);
    WFL::WireType wireType = WFL::GetTagWireType(tag);
    if (std::optional<bool> handled = handle(field, wireType)) {
      if (!*handled)
        return false;
      continue;
    }
    if (!WFL::SkipField(&in, tag, &restOut))
      return false;
  }
  return in.ConsumedEntireMessage() && !restOut.HadError();
}

/// Runs `parse` inside the limits of a length-delimited field. Only the
/// three levels model > graph > tensor nest here; deeper messages are parsed
/// by protobuf itself, with its recursion limits.
template <typename Parse> bool parseNested(CodedInputStream &in, Parse parse) {
  uint32_t length;
  if (!in.ReadVarint32(&length))
    return false;
  auto limit = in.PushLimit(length);
  bool ok = parse();
  in.PopLimit(limit);
  return ok;
}

bool parseTensor(CodedInputStream &in, onnx::TensorProto &tensor,
                 const std::optional<std::string> &selfLocation,
                 int64_t minSkippedBytes, int64_t fileSize) {
  std::string rest;
  int64_t offset = -1, length = 0;
  bool ok = forEachField(
      in, rest, [&](int field, WFL::WireType wireType) -> std::optional<bool> {
        if (field != kTensorRawData || !selfLocation ||
            wireType != WFL::WIRETYPE_LENGTH_DELIMITED)
          return std::nullopt;
        uint32_t size;
        if (!in.ReadVarint32(&size))
          return false;
        if (size < minSkippedBytes) {
          std::string data;
          if (!in.ReadString(&data, size))
            return false;
          tensor.set_raw_data(std::move(data));
          return true;
        }
        offset = in.CurrentPosition();
        length = size;
        if (fileSize >= 0 && offset + length > fileSize) {
          // Truncated inside this weight: fail at the end of the file, as
          // a parse that ran out of bytes does.
          in.Skip(int(fileSize - offset));
          return false;
        }
        return in.Skip(size);
      });
  if (!ok || !tensor.MergeFromString(rest))
    return false;
  if (offset >= 0) {
    tensor.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
    auto add = [&](const char *key, const std::string &value) {
      auto *entry = tensor.add_external_data();
      entry->set_key(key);
      entry->set_value(value);
    };
    add("location", *selfLocation);
    add("offset", std::to_string(offset));
    add("length", std::to_string(length));
  }
  return true;
}

bool parseGraph(CodedInputStream &in, onnx::GraphProto &graph,
                const std::optional<std::string> &selfLocation,
                int64_t minSkippedBytes, int64_t fileSize) {
  std::string rest;
  bool ok = forEachField(
      in, rest, [&](int field, WFL::WireType wireType) -> std::optional<bool> {
        if (field != kGraphInitializer ||
            wireType != WFL::WIRETYPE_LENGTH_DELIMITED)
          return std::nullopt;
        onnx::TensorProto *tensor = graph.add_initializer();
        return parseNested(in, [&] {
          return parseTensor(in, *tensor, selfLocation, minSkippedBytes,
                             fileSize);
        });
      });
  return ok && graph.MergeFromString(rest);
}

} // namespace

bool parseModelSkippingWeights(CodedInputStream &in, onnx::ModelProto &model,
                               const std::optional<std::string> &selfLocation,
                               int64_t minSkippedBytes, int64_t fileSize) {
  std::string rest;
  bool ok = forEachField(
      in, rest, [&](int field, WFL::WireType wireType) -> std::optional<bool> {
        if (field != kModelGraph || wireType != WFL::WIRETYPE_LENGTH_DELIMITED)
          return std::nullopt;
        // A repeated graph field merges, as protobuf would merge it.
        return parseNested(in, [&] {
          return parseGraph(in, *model.mutable_graph(), selfLocation,
                            minSkippedBytes, fileSize);
        });
      });
  return ok && model.MergeFromString(rest);
}

} // namespace pp::onnx_import
