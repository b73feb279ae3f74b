//===- ProgramLoader.cpp - Reading an exported program directory ----------===//
//
// Parses the manifest (protobuf text format) and each stage's program
// (binary), refuses other format versions before anything else, maps the
// weights files and binds every parameter to its byte range. The structural
// checks live in ProgramVerifier.cpp (one program), ProgramManifest.cpp (the
// pipeline layout), ProgramActions.cpp (one action list) and
// ProgramReplay.cpp (the lists together). A one-stage program without
// actions gets the default list before it is checked.
//
//===----------------------------------------------------------------------===//

#include "ProgramChecks.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace pp::rt;
namespace pb = google::protobuf;

//===----------------------------------------------------------------------===//
// Weights files
//===----------------------------------------------------------------------===//

Status WeightsFile::open(const std::string &path,
                         std::shared_ptr<WeightsFile> &out) {
  // Non-blocking, so that a FIFO is refused below instead of waiting for a
  // writer; reads of regular files do not change.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::error(
        path + ": cannot open the weights file: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::error(path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(path + ": the weights file is not a regular file");
  }
  std::shared_ptr<WeightsFile> file(new WeightsFile());
  file->size_ = uint64_t(st.st_size);
  if (file->size_ == 0) {
    ::close(fd);
    out = std::move(file);
    return Status::ok();
  }
  // Private and writable: the optimizer updates parameters in place, the
  // file never changes.
  void *data =
      ::mmap(nullptr, file->size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (data != MAP_FAILED) {
    file->data_ = static_cast<char *>(data);
    file->mapped_ = true;
    ::close(fd);
    out = std::move(file);
    return Status::ok();
  }
  // Some file systems cannot map files: read it into an aligned buffer.
  size_t rounded = (file->size_ + 63) / 64 * 64;
  file->data_ = static_cast<char *>(std::aligned_alloc(64, rounded));
  if (!file->data_) {
    ::close(fd);
    return Status::error(path + ": out of memory reading the weights file");
  }
  uint64_t done = 0;
  while (done < file->size_) {
    ssize_t n = ::read(fd, file->data_ + done, file->size_ - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return Status::error(path + ": read failed: " + std::strerror(err));
    }
    done += uint64_t(n);
  }
  ::close(fd);
  out = std::move(file);
  return Status::ok();
}

WeightsFile::~WeightsFile() {
  if (mapped_)
    ::munmap(data_, size_);
  else
    std::free(data_);
}

//===----------------------------------------------------------------------===//
// Manifest and programs
//===----------------------------------------------------------------------===//

namespace {
/// Collects the text-format parser's errors as "FILE:LINE:COL: MESSAGE".
class TextErrors : public pb::io::ErrorCollector {
public:
  explicit TextErrors(std::string path) : path_(std::move(path)) {}
  void AddError(int line, pb::io::ColumnNumber column,
                const std::string &message) override {
    if (!first_.empty())
      return;
    first_ = path_ + ":" + std::to_string(line + 1) + ":" +
             std::to_string(column + 1) + ": " + message;
  }
  const std::string &first() const { return first_; }

private:
  std::string path_;
  std::string first_;
};
} // namespace

/// An error unless `path` is a regular file: a FIFO or a device would block
/// the loader or feed it without end.
static Status checkRegularFile(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::error(path +
                         ": cannot open the file: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::error(path + ": not a regular file");
  return Status::ok();
}

static Status readFile(const std::string &path, std::string &out) {
  if (Status s = checkRegularFile(path))
    return s;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path +
                         ": cannot open the file: " + std::strerror(errno));
  std::ostringstream os;
  os << in.rdbuf();
  out = os.str();
  // An empty file parses as a message with every field unset (format
  // version 0): say what it is instead.
  if (out.empty())
    return Status::error(path + ": the file is empty (a truncated or failed "
                                "export? export the directory again)");
  return Status::ok();
}

/// The error for a file written with another format version.
static Status versionError(const std::string &path, uint32_t version,
                           const std::string &producer) {
  std::string by = producer.empty() ? "" : " by '" + producer + "'";
  return Status::error(
      path + ": format version " + std::to_string(version) +
      ", but this runtime reads version " +
      std::to_string(kProgramFormatVersion) + ": the directory was written" +
      by +
      ", another version of pp; export it again with this version's pp-opt");
}

static Status readManifest(const std::string &path,
                           program::Manifest &manifest) {
  std::string text;
  if (Status s = readFile(path, text))
    return s;
  TextErrors errors(path);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &manifest)) {
    // A manifest of another format version may have fields this one lacks:
    // say which version it is rather than which field is unknown.
    program::Manifest lenient;
    pb::TextFormat::Parser relaxed;
    relaxed.AllowUnknownField(true);
    relaxed.AllowUnknownExtension(true);
    TextErrors ignored(path);
    relaxed.RecordErrorsTo(&ignored);
    if (relaxed.ParseFromString(text, &lenient) &&
        lenient.format_version() != kProgramFormatVersion)
      return versionError(path, lenient.format_version(), lenient.producer());
    return Status::error(errors.first().empty()
                             ? path + ": not a pp.program.Manifest"
                             : errors.first());
  }
  if (manifest.format_version() != kProgramFormatVersion)
    return versionError(path, manifest.format_version(), manifest.producer());
  return Status::ok();
}

static Status readProgram(const std::string &path, program::Program &prog) {
  std::string bytes;
  if (Status s = readFile(path, bytes))
    return s;
  if (!prog.ParseFromString(bytes))
    return Status::error(path + ": not a binary pp.program.Program");
  if (prog.format_version() != kProgramFormatVersion)
    return versionError(path, prog.format_version(), prog.producer());
  return Status::ok();
}

/// The counts the loader's tables are sized by, within pp's limits.
static Status verifyCounts(const program::Manifest &manifest,
                           const std::string &path) {
  auto refuse = [&](const std::string &what) {
    return Status::error(
        path + ": " + what + " (pp plans and runs at most " +
        std::to_string(kMaxStages) + " stages, " +
        std::to_string(kMaxMicrobatches) + " microbatches, " +
        std::to_string(kMaxChunksPerStage) +
        " chunks per stage, and stages x microbatches x chunks up to " +
        std::to_string(kMaxScheduleUnits) + ")");
  };
  if (manifest.num_stages() > kMaxStages)
    return refuse("num_stages is " + std::to_string(manifest.num_stages()));
  if (manifest.microbatches() > kMaxMicrobatches)
    return refuse("microbatches is " + std::to_string(manifest.microbatches()));
  if (manifest.virtual_stages() > kMaxChunksPerStage)
    return refuse("virtual_stages (chunks per stage) is " +
                  std::to_string(manifest.virtual_stages()));
  uint64_t units = uint64_t(manifest.num_stages()) * manifest.microbatches() *
                   chunksPerStage(manifest);
  if (units > kMaxScheduleUnits)
    return refuse(std::to_string(manifest.num_stages()) + " stages x " +
                  std::to_string(manifest.microbatches()) + " microbatches x " +
                  std::to_string(chunksPerStage(manifest)) +
                  " chunks is too large a pipeline");
  return Status::ok();
}

/// Checks what the manifest itself promises: its stages and data tensors,
/// the placement, the channels and the ties.
static Status verifyManifest(const program::Manifest &manifest,
                             const std::string &path) {
  if (manifest.num_stages() == 0)
    return Status::error(path + ": num_stages is 0");
  if (manifest.microbatches() == 0)
    return Status::error(path + ": microbatches is 0");
  if (Status s = verifyCounts(manifest, path))
    return s;
  if (uint32_t(manifest.stages_size()) != manifest.num_stages())
    return Status::error(path + ": " + std::to_string(manifest.stages_size()) +
                         " stages listed, but num_stages is " +
                         std::to_string(manifest.num_stages()));
  for (int i = 0; i < manifest.stages_size(); ++i) {
    const program::ManifestStage &stage = manifest.stages(i);
    if (stage.stage() != uint32_t(i))
      return Status::error(path + ": stages[" + std::to_string(i) +
                           "] is stage " + std::to_string(stage.stage()) +
                           "; stages must be listed in order from 0");
    if (stage.program().empty() || stage.weights().empty())
      return Status::error(path + ": stage " + std::to_string(i) +
                           " names no program or no weights file");
    for (const std::string *name : {&stage.program(), &stage.weights()})
      if (name->find('/') != std::string::npos || *name == "." || *name == "..")
        return Status::error(path + ": stage " + std::to_string(i) +
                             " names file '" + *name +
                             "': the files of an export are plain names in "
                             "its directory");
  }
  for (const auto *list : {&manifest.inputs(), &manifest.outputs()}) {
    std::vector<std::string> seen;
    for (const program::ManifestTensor &t : *list) {
      std::string what = path + ": tensor '" + t.name() + "'";
      if (t.name().empty())
        return Status::error(path + ": a data tensor has no name");
      for (const std::string &name : seen)
        if (name == t.name())
          return Status::error(what + " is listed twice");
      seen.push_back(t.name());
      TensorType type;
      if (Status s = convertType(t.type(), type, what))
        return s;
    }
  }
  if (Status s = detail::verifyPlacement(manifest, path))
    return s;
  if (Status s = detail::verifyChannels(manifest, path))
    return s;
  return detail::verifyTiedList(manifest, path);
}

/// Binds every parameter of `stage` to its range of the weights file.
static void bindParameters(StageProgram &stage) {
  for (const program::Parameter &p : stage.program.parameters()) {
    TensorType type;
    (void)convertType(p.type(), type, ""); // checked by the verifier
    stage.parameters.push_back(
        Tensor::view(type, stage.weights->data() + p.offset()));
  }
}

Status pp::rt::loadProgramDirectory(const std::string &dir,
                                    ProgramDirectory &out) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::error(dir + ": not a directory (expected the output of "
                               "pp-opt --pp-export=DIR)");
  out = ProgramDirectory();
  out.dir = dir;
  out.manifestPath = dir + "/manifest.pbtxt";
  if (Status s = readManifest(out.manifestPath, out.manifest))
    return s;
  if (Status s = verifyManifest(out.manifest, out.manifestPath))
    return s;
  for (const program::ManifestStage &ms : out.manifest.stages()) {
    StageProgram stage;
    stage.programPath = dir + "/" + ms.program();
    stage.weightsPath = dir + "/" + ms.weights();
    if (Status s = readProgram(stage.programPath, stage.program))
      return s;
    if (Status s = WeightsFile::open(stage.weightsPath, stage.weights))
      return s;
    fillDefaultActions(stage.program, out.manifest);
    if (Status s =
            verifyProgram(stage.program, out.manifest, out.manifestPath,
                          ms.stage(), stage.weights->size(), stage.programPath))
      return s;
    bindParameters(stage);
    out.stages.push_back(std::move(stage));
  }
  return verifyAcrossStages(out);
}
