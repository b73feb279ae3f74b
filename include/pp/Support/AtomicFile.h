//===- AtomicFile.h - A file written in full or not at all ------*- C++ -*-===//
//
// Plain POSIX (no LLVM), shared by the compiler and the runtime. On Linux the
// contents go to an unnamed file (O_TMPFILE) in the destination's directory
// that is linked into place only at commit: a process that dies before,
// even by SIGKILL, leaves nothing behind. Where the file system has no
// unnamed files, a named temporary next to the destination is used and
// removed by the destructor (and, if the caller registers it, on signals).
//
//===----------------------------------------------------------------------===//

#ifndef PP_SUPPORT_ATOMICFILE_H
#define PP_SUPPORT_ATOMICFILE_H

#include <memory>
#include <string>

namespace pp {

class AtomicFile {
public:
  /// A file that will replace `destination` at commit. Returns null and
  /// sets `error` to the reason if it cannot be created.
  static std::unique_ptr<AtomicFile> create(const std::string &destination,
                                            std::string &error);
  /// Discards the contents unless committed.
  ~AtomicFile();
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;

  /// Open for reading and writing until commit.
  int fd() const { return fd_; }
  const std::string &destination() const { return destination_; }
  /// A path that reads the contents written so far.
  std::string contentsPath() const;
  /// The named temporary, or empty for an unnamed file.
  const std::string &temporaryPath() const { return temporary_; }

  /// Flushes the contents to disk and puts them at the destination,
  /// replacing what was there. Sets `error` to the reason and returns false
  /// on failure (the destination is then unchanged).
  bool commit(std::string &error);

private:
  AtomicFile(std::string destination, int fd, std::string temporary)
      : destination_(std::move(destination)), fd_(fd),
        temporary_(std::move(temporary)) {}

  std::string destination_;
  int fd_ = -1;
  std::string temporary_; ///< Named temporary; empty for an unnamed file.
};

} // namespace pp

#endif // PP_SUPPORT_ATOMICFILE_H
