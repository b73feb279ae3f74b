//===- DataLoader.cpp - A batch from a directory of tensor files ----------===//

#include "pp/Runtime/DataLoader.h"
#include "pp/Runtime/TensorIO.h"

#include <filesystem>
#include <map>
#include <set>

using namespace pp::rt;
namespace fs = std::filesystem;

std::string pp::rt::fileSafeName(const std::string &name) {
  std::string out = name;
  for (char &c : out) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!safe)
      c = '_';
  }
  if (out.empty() || out == "." || out == "..")
    out = "_" + out;
  return out;
}

namespace {

/// A tensor file of the data directory, with the name its TensorProto has.
struct DataFile {
  std::string path;
  std::string protoName;
  Tensor tensor;
};

/// The backend-test files input_<k>.pb of `dir`, by k.
Status readBackendFiles(const std::string &dir,
                        std::map<int, DataFile> &files) {
  std::error_code ec;
  for (const fs::directory_entry &entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (file.rfind("input_", 0) != 0 || file.size() < 10 ||
        file.compare(file.size() - 3, 3, ".pb") != 0)
      continue;
    std::string digits = file.substr(6, file.size() - 9);
    if (digits.empty() ||
        digits.find_first_not_of("0123456789") != std::string::npos ||
        digits.size() > 6)
      continue;
    DataFile data;
    data.path = entry.path().string();
    if (Status s = readTensorFile(data.path, data.tensor, &data.protoName))
      return s;
    files[std::stoi(digits)] = std::move(data);
  }
  if (ec)
    return Status::error(dir + ": cannot list the directory: " + ec.message());
  return Status::ok();
}

} // namespace

Status pp::rt::loadBatch(const program::Manifest &manifest,
                         const std::string &dataDir, Batch &out) {
  if (!fs::is_directory(dataDir))
    return Status::error(dataDir + ": not a directory (--data expects a "
                                   "directory of TensorProto files)");
  out.clear();
  std::set<std::string> names;
  for (const program::ManifestTensor &t : manifest.inputs())
    names.insert(t.name());
  std::map<int, DataFile> backend;
  bool backendRead = false;

  for (int k = 0; k < manifest.inputs_size(); ++k) {
    const program::ManifestTensor &input = manifest.inputs(k);
    TensorType expected;
    if (Status s = convertType(input.type(), expected, input.name()))
      return s;

    // DIR/<name>.pb, then DIR/<file-safe name>.pb.
    DataFile data;
    for (const std::string &file :
         {input.name() + ".pb", fileSafeName(input.name()) + ".pb"}) {
      std::string path = dataDir + "/" + file;
      if (file.find('/') != std::string::npos || !fs::is_regular_file(path))
        continue;
      data.path = path;
      if (Status s = readTensorFile(path, data.tensor, &data.protoName))
        return s;
      break;
    }
    // ONNX's backend-test layout: by TensorProto name, else by position.
    if (data.path.empty()) {
      if (!backendRead) {
        if (Status s = readBackendFiles(dataDir, backend))
          return s;
        backendRead = true;
      }
      for (auto &[index, file] : backend)
        if (file.protoName == input.name() && data.path.empty())
          data = file;
      auto byPosition = backend.find(k);
      if (data.path.empty() && byPosition != backend.end() &&
          !names.count(byPosition->second.protoName))
        data = byPosition->second;
    }
    if (data.path.empty())
      return Status::error(dataDir + ": no data for input '" + input.name() +
                           "' (expected " + dataDir + "/" +
                           fileSafeName(input.name()) + ".pb, or input_" +
                           std::to_string(k) + ".pb / an input_<N>.pb named '" +
                           input.name() + "')");
    if (data.tensor.type() != expected) {
      std::string why;
      uint32_t m = manifest.microbatches();
      if (m > 1 && !expected.shape.empty()) {
        TensorType micro = expected;
        micro.shape[0] /= m;
        why = " (" + std::to_string(m) + " microbatches of " + micro.str() +
              " stacked on axis 0)";
      }
      return Status::error(data.path + ": input '" + input.name() +
                           "': expected " + expected.str() + why + ", found " +
                           data.tensor.type().str());
    }
    out[input.name()] = data.tensor;
  }
  return Status::ok();
}
