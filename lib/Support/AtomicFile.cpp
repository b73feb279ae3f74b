//===- AtomicFile.cpp - A file written in full or not at all --------------===//

#include "pp/Support/AtomicFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

using namespace pp;

static std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

static mode_t newFileMode() {
  mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

/// A fresh name next to `destination` for a named temporary.
static std::string temporaryName(const std::string &destination) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[24];
  std::snprintf(suffix, sizeof(suffix), ".tmp-%012llx",
                static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return destination + suffix;
}

std::unique_ptr<AtomicFile> AtomicFile::create(const std::string &destination,
                                               std::string &error) {
  struct stat st;
  if (::stat(destination.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    error = "it is a directory";
    return nullptr;
  }
#ifdef O_TMPFILE
  // Linking an unnamed file in needs /proc/self/fd.
  if (::access("/proc/self/fd", X_OK) == 0) {
    int fd = ::open(directoryOf(destination).c_str(),
                    O_TMPFILE | O_RDWR | O_CLOEXEC, newFileMode());
    if (fd >= 0)
      return std::unique_ptr<AtomicFile>(new AtomicFile(destination, fd, ""));
    // EOPNOTSUPP, EISDIR (old kernels), EINVAL: fall back to a named file;
    // any other error would repeat there and is reported from it.
  }
#endif
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string temporary = temporaryName(destination);
    int fd = ::open(temporary.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC,
                    newFileMode());
    if (fd >= 0)
      return std::unique_ptr<AtomicFile>(
          new AtomicFile(destination, fd, std::move(temporary)));
    if (errno != EEXIST) {
      error = std::strerror(errno);
      return nullptr;
    }
  }
  error = "cannot create a temporary file next to it";
  return nullptr;
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!temporary_.empty())
    ::unlink(temporary_.c_str());
}

std::string AtomicFile::contentsPath() const {
  if (!temporary_.empty())
    return temporary_;
  return "/proc/self/fd/" + std::to_string(fd_);
}

bool AtomicFile::commit(std::string &error) {
  auto fail = [&](const char *what) {
    error = std::string(what) + ": " + std::strerror(errno);
    return false;
  };
  if (::fsync(fd_) != 0)
    return fail("writing failed");
  if (temporary_.empty()) {
    // Give the unnamed file a name next to the destination, then rename it
    // over the destination (linkat cannot replace a file).
    std::string proc = contentsPath();
    for (int attempt = 0;; ++attempt) {
      std::string name = temporaryName(destination_);
      if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, name.c_str(),
                   AT_SYMLINK_FOLLOW) == 0) {
        temporary_ = std::move(name);
        break;
      }
      if (errno != EEXIST || attempt == 100)
        return fail("cannot put the file in place");
    }
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    return fail("writing failed");
  }
  fd_ = -1;
  if (::rename(temporary_.c_str(), destination_.c_str()) != 0)
    return fail("cannot put the file in place");
  temporary_.clear();
  return true;
}
