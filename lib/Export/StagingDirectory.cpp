//===- StagingDirectory.cpp - Write an export directory atomically --------===//

#include "StagingDirectory.h"

#include "ManifestWriter.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

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
  llvm::SmallString<256> staging;
  if (std::error_code ec =
          fs::createUniqueDirectory(target + ".partial", staging))
    return fail("cannot create a directory in '" + parent +
                "': " + ec.message());
  // A unique directory is created private; the export gets the permissions
  // of any new directory.
  (void)fs::setPermissions(
      staging, static_cast<fs::perms>(fs::all_all & ~fs::getUmask()));
  return StagingDirectory(std::string(target), std::string(staging));
}

StagingDirectory::StagingDirectory(StagingDirectory &&other)
    : destination(std::move(other.destination)),
      staging(std::exchange(other.staging, std::string())) {}

StagingDirectory::~StagingDirectory() {
  if (!staging.empty())
    (void)fs::remove_directories(staging);
}

std::string StagingDirectory::getFile(StringRef name) const {
  llvm::SmallString<256> file(staging);
  path::append(file, name);
  return std::string(file);
}

LogicalResult StagingDirectory::commit(ModuleOp module) {
  auto fail = [&](const llvm::Twine &message) {
    return module.emitError() << "pp-export: cannot export to '" << destination
                              << "': " << message;
  };
  if (!fs::exists(destination)) {
    if (std::error_code ec = fs::rename(staging, destination))
      return fail(ec.message());
    staging.clear();
    return success();
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
  return success();
}

} // namespace pp::exporter
