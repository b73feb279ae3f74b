//===- pp-load-fuzzer.cpp - libFuzzer target for pp-run's loader ----------===//
//
// Feeds arbitrary bytes to `loadProgramDirectory`, the loader behind pp-run
// and pp-load-check (manifest, stage programs, action lists, channels, ties,
// weights files). The input is an export directory in one piece: the bytes
// up to the first line `%%% NAME [SIZE]` are manifest.pbtxt, and each such
// line starts file NAME, holding the bytes up to the next one; a SIZE pads
// the file with zeros (a sparse file) to that many bytes, so that seeds name
// weights files of the export's sizes without carrying their bytes. The
// files are written to a fresh directory under $TMPDIR, then loaded. Any
// input must end in a loaded directory or an error: never a crash, a hang,
// unbounded memory or a sanitizer report.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Program.h"

#include <google/protobuf/stubs/logging.h>

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Files the harness writes, at most, and the largest SIZE it pads to.
constexpr size_t kMaxFiles = 16;
constexpr uint64_t kMaxPaddedSize = uint64_t(64) << 20;
constexpr std::string_view kMarker = "\n%%% ";

struct File {
  std::string name;
  std::string_view bytes;
  uint64_t size = 0;
};

/// A plain file name: the harness writes nothing outside its directory.
bool isPlainName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..")
    return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

/// Splits `input` into files; false when a header line is malformed.
bool splitInput(std::string_view input, std::vector<File> &files) {
  size_t at = input.find(kMarker);
  files.push_back({"manifest.pbtxt", input.substr(0, at), 0});
  while (at != std::string_view::npos) {
    size_t begin = at + kMarker.size();
    size_t eol = input.find('\n', begin);
    if (eol == std::string_view::npos)
      return false;
    std::string_view header = input.substr(begin, eol - begin);
    File file;
    size_t space = header.find(' ');
    file.name = std::string(header.substr(0, space));
    if (space != std::string_view::npos) {
      std::string size(header.substr(space + 1));
      char *end = nullptr;
      file.size = std::strtoull(size.c_str(), &end, 10);
      if (size.empty() || *end != '\0' || file.size > kMaxPaddedSize)
        return false;
    }
    if (!isPlainName(file.name) || files.size() == kMaxFiles)
      return false;
    at = input.find(kMarker, eol);
    size_t end = at == std::string_view::npos ? input.size() : at;
    file.bytes = input.substr(eol + 1, end - eol - 1);
    files.push_back(std::move(file));
  }
  return true;
}

const std::string &scratchDirectory() {
  static const std::string dir = [] {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/pp-load-fuzzer.XXXXXX";
    if (!::mkdtemp(pattern.data())) {
      std::perror("pp-load-fuzzer: mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  return dir;
}

void writeFile(const std::string &path, const File &file) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  size_t done = 0;
  while (done < file.bytes.size()) {
    ssize_t n = ::write(fd, file.bytes.data() + done, file.bytes.size() - done);
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    done += size_t(n);
  }
  if (file.size > file.bytes.size() && ::ftruncate(fd, off_t(file.size)) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  ::close(fd);
}

/// The files of the last input, removed before the next one is written and
/// at exit.
std::vector<std::string> &writtenFiles() {
  static std::vector<std::string> *written = new std::vector<std::string>();
  return *written;
}

void removeWrittenFiles() {
  for (const std::string &path : writtenFiles())
    ::unlink(path.c_str());
  writtenFiles().clear();
}

void removeScratchDirectory() {
  removeWrittenFiles();
  ::rmdir(scratchDirectory().c_str());
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Protobuf logs every string field that is not UTF-8 to stderr; the
  // loader's own error is what matters, and the logging slows the fuzzer.
  google::protobuf::SetLogHandler(nullptr);
  // Made before the handler is registered, so it outlives the handler.
  (void)scratchDirectory();
  std::atexit(removeScratchDirectory);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &dir = scratchDirectory();
  removeWrittenFiles();

  std::vector<File> files;
  if (!splitInput(std::string_view(reinterpret_cast<const char *>(data), size),
                  files))
    return 0;
  for (const File &file : files) {
    std::string path = dir + "/" + file.name;
    writeFile(path, file);
    writtenFiles().push_back(path);
  }
  pp::rt::ProgramDirectory loaded;
  (void)pp::rt::loadProgramDirectory(dir, loaded);
  return 0;
}
