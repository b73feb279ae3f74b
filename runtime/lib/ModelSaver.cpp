//===- ModelSaver.cpp - Trained weights back into the ONNX model ----------===//

#include "pp/Runtime/ModelSaver.h"
#include "pp/Runtime/TensorIO.h"
#include "pp/Support/AtomicFile.h"

#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

using namespace pp::rt;
namespace fs = std::filesystem;

/// Replaces the initializers of every trainable and state parameter of `dir`
/// in `graph`.
static Status replaceParameters(const ProgramDirectory &dir,
                                const std::string &source,
                                onnx::GraphProto &graph) {
  std::map<std::string, onnx::TensorProto *> initializers;
  for (onnx::TensorProto &init : *graph.mutable_initializer())
    initializers[init.name()] = &init;
  for (const StageProgram &stage : dir.stages)
    for (int i = 0; i < stage.program.parameters_size(); ++i) {
      const program::Parameter &p = stage.program.parameters(i);
      if (!p.trainable() && !p.state())
        continue;
      std::string what = stage.programPath + ": parameter '" + p.name() + "'";
      auto it = initializers.find(p.source_name());
      if (p.source_name().empty() || it == initializers.end())
        return Status::error(what + " comes from initializer '" +
                             p.source_name() + "', which " + source +
                             " does not have");
      onnx::TensorProto replacement;
      tensorToProto(stage.parameters[size_t(i)], p.source_name(), replacement);
      onnx::TensorProto &init = *it->second;
      bool sameDims = replacement.dims_size() == init.dims_size();
      for (int d = 0; sameDims && d < init.dims_size(); ++d)
        sameDims = replacement.dims(d) == init.dims(d);
      if (!sameDims || replacement.data_type() != init.data_type())
        return Status::error(what + " is " +
                             stage.parameters[size_t(i)].type().str() +
                             ", but initializer '" + p.source_name() + "' of " +
                             source + " has another type or shape");
      init.Swap(&replacement);
    }
  return Status::ok();
}

/// Reads every initializer still stored in an external file into raw_data.
static Status inlineExternalData(const std::string &source,
                                 onnx::GraphProto &graph) {
  std::string baseDir = fs::path(source).parent_path().string();
  if (baseDir.empty())
    baseDir = ".";
  for (onnx::TensorProto &init : *graph.mutable_initializer()) {
    if (init.data_location() != onnx::TensorProto::EXTERNAL)
      continue;
    Tensor t;
    if (Status s = tensorFromProto(
            init, t, source + ": initializer '" + init.name() + "'", baseDir))
      return s;
    std::string name = init.name();
    tensorToProto(t, name, init);
  }
  return Status::ok();
}

/// Writes `model` to `outPath` whole or not at all (pp/Support/AtomicFile.h):
/// a run killed while saving, even by SIGKILL, leaves no temporary file.
static Status writeAtomically(const onnx::ModelProto &model,
                              const std::string &outPath) {
  if (model.ByteSizeLong() > size_t(INT_MAX))
    return Status::error(outPath + ": the model is over 2 GiB, which one "
                                   "ONNX protobuf file cannot hold");
  std::string error;
  std::unique_ptr<pp::AtomicFile> file = pp::AtomicFile::create(outPath, error);
  if (!file)
    return Status::error(outPath + ": cannot write it: " + error);
  if (!model.SerializeToFileDescriptor(file->fd()))
    return Status::error(outPath + ": writing the model failed: " +
                         std::strerror(errno ? errno : EIO));
  if (!file->commit(error))
    return Status::error(outPath + ": " + error);
  return Status::ok();
}

Status pp::rt::saveTrainedModel(const ProgramDirectory &dir,
                                const std::string &outPath) {
  const std::string &source = dir.manifest.source_model();
  if (source.empty())
    return Status::error(dir.manifestPath +
                         ": no source_model, so there is no ONNX model to "
                         "save the trained weights into");
  onnx::ModelProto model;
  {
    std::ifstream in(source, std::ios::binary);
    if (!in)
      return Status::error(source + ": cannot open the source model (" +
                           dir.manifestPath +
                           "'s source_model): " + std::strerror(errno));
    if (!model.ParseFromIstream(&in))
      return Status::error(source + ": not a binary ONNX model");
  }
  if (Status s = replaceParameters(dir, source, *model.mutable_graph()))
    return s;
  if (Status s = inlineExternalData(source, *model.mutable_graph()))
    return s;
  return writeAtomically(model, outPath);
}
