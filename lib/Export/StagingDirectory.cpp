//===- StagingDirectory.cpp - Write an export directory atomically --------===//

#include "StagingDirectory.h"

#include "ManifestWriter.h"

#include "pp/Support/OutputFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mlir;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace pp::exporter {

/// Whether the directory `dir` is empty; `ec` is set if it cannot be read.
static bool isEmptyDirectory(StringRef dir, std::error_code &ec) {
  fs::directory_iterator it(dir, ec), end;
  return !ec && it == end;
}

FailureOr<StagingDirectory> StagingDirectory::create(ModuleOp module,
                                                     StringRef destination) {
  auto fail = [&](const llvm::Twine &message) {
    return module.emitError() << "pp-export: cannot export to '" << destination
                              << "': " << message;
  };
  llvm::SmallString<256> target(destination);
  if (std::error_code ec = fs::make_absolute(target))
    return fail(ec.message());
  path::remove_dots(target, /*remove_dot_dot=*/true);
  while (target.size() > 1 && path::is_separator(target.back()))
    target.pop_back();
  StringRef name = path::filename(target);
  if (name.empty() || name == "." || name == ".." ||
      path::has_root_name(name) || !path::has_parent_path(target) ||
      path::parent_path(target).empty())
    return fail("it names no directory that can be replaced");

  fs::file_status status;
  if (!fs::status(target, status)) {
    if (!fs::is_directory(status))
      return fail("it exists and is not a directory");
    std::error_code ec;
    bool empty = isEmptyDirectory(target, ec);
    if (ec)
      return fail("it cannot be read: " + ec.message());
    llvm::SmallString<256> manifest(target);
    path::append(manifest, kManifestFileName);
    if (!empty && !fs::exists(manifest))
      return fail("it is a directory that holds no earlier export (no " +
                  kManifestFileName + "); pp-export replaces only those");
  }

  StringRef parent = path::parent_path(target);
  if (std::error_code ec = fs::create_directories(parent))
    return fail("cannot create '" + parent + "': " + ec.message());

  // The lock file is removed while still locked when the export ends; a
  // process that opened it before must see that and try again.
  std::string lockPath = (target + ".lock").str();
  int lockFd = -1;
  for (int attempt = 0; attempt < 100 && lockFd < 0; ++attempt) {
    int fd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
      return fail("cannot create the lock file '" + lockPath +
                  "': " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return fail("another export to it is running (it holds '" + lockPath +
                    "'); wait for it, or export elsewhere");
      return fail("cannot lock '" + lockPath + "': " + std::strerror(err));
    }
    struct stat held, named;
    if (::fstat(fd, &held) == 0 && ::stat(lockPath.c_str(), &named) == 0 &&
        held.st_ino == named.st_ino && held.st_dev == named.st_dev)
      lockFd = fd;
    else
      ::close(fd);
  }
  if (lockFd < 0)
    return fail("cannot lock '" + lockPath + "'");
  // Under the lock no other export to `target` runs: directories that one
  // killed before it finished left behind are stale.
  {
    std::error_code ec;
    std::string stem = (path::filename(target) + ".").str();
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end;
         it.increment(ec)) {
      StringRef name = path::filename(it->path());
      if (name.starts_with(stem + "partial") ||
          name.starts_with(stem + "earlier"))
        (void)fs::remove_directories(it->path());
    }
  }

  llvm::SmallString<256> staging;
  if (std::error_code ec =
          fs::createUniqueDirectory(target + ".partial", staging)) {
    ::unlink(lockPath.c_str());
    ::close(lockFd);
    return fail("cannot create a directory in '" + parent +
                "': " + ec.message());
  }
  // A unique directory is created private; the export gets the permissions
  // of any new directory.
  (void)fs::setPermissions(
      staging, static_cast<fs::perms>(fs::all_all & ~fs::getUmask()));
  return StagingDirectory(std::string(target), std::string(staging), lockFd,
                          std::move(lockPath));
}

StagingDirectory::StagingDirectory(StagingDirectory &&other)
    : destination(std::move(other.destination)),
      staging(std::exchange(other.staging, std::string())),
      lockFd(std::exchange(other.lockFd, -1)),
      lockPath(std::move(other.lockPath)) {}

StagingDirectory::~StagingDirectory() {
  if (!staging.empty())
    (void)fs::remove_directories(staging);
  unlock();
}

void StagingDirectory::unlock() {
  if (lockFd < 0)
    return;
  ::unlink(lockPath.c_str());
  ::close(lockFd);
  lockFd = -1;
}

std::string StagingDirectory::getFile(StringRef name) const {
  llvm::SmallString<256> file(staging);
  path::append(file, name);
  return std::string(file);
}

LogicalResult StagingDirectory::commit(ModuleOp module) {
  auto moved = std::make_shared<StagingDirectory>(std::move(*this));
  llvm::Error e = OutputTransaction::stage(
      moved->destination,
      [moved]() {
        llvm::Error e = moved->moveIntoPlace();
        moved->unlock();
        return e;
      },
      [moved]() {
        (void)fs::remove_directories(moved->staging);
        moved->staging.clear();
        moved->unlock();
      });
  if (e)
    return module.emitError() << llvm::toString(std::move(e));
  return success();
}

llvm::Error StagingDirectory::moveIntoPlace() {
  auto fail = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "pp-export: cannot export to '" +
                                       destination + "': " + message);
  };
  if (!fs::exists(destination)) {
    if (std::error_code ec = fs::rename(staging, destination))
      return fail(ec.message());
    staging.clear();
    return llvm::Error::success();
  }
  // Move the earlier export aside (onto a fresh empty directory, which a
  // rename may replace), put the new one in its place, then delete the
  // earlier one; put it back if the new one cannot take its place.
  llvm::SmallString<256> earlier;
  if (std::error_code ec =
          fs::createUniqueDirectory(destination + ".earlier", earlier))
    return fail("cannot move the earlier export aside: " + ec.message());
  if (std::error_code ec = fs::rename(destination, earlier)) {
    (void)fs::remove(earlier);
    return fail("cannot move the earlier export aside: " + ec.message());
  }
  if (std::error_code ec = fs::rename(staging, destination)) {
    (void)fs::rename(earlier, destination);
    return fail(ec.message());
  }
  staging.clear();
  if (std::error_code ec = fs::remove_directories(earlier))
    return fail("the new export is in place, but the earlier one could not "
                "be deleted from '" +
                earlier + "': " + ec.message());
  return llvm::Error::success();
}

} // namespace pp::exporter
