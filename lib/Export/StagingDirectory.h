//===- StagingDirectory.h - Write an export directory atomically -*- C++ -*-=//
//
// An export is written into a fresh directory next to its destination and
// renamed into place only once every file is complete: a failed export
// leaves no partial program behind, and an earlier export at the
// destination stays until the new one replaces it. Inside an
// OutputTransaction (a pp-opt run) the rename waits until the whole run
// succeeded. An exclusive lock on `<destination>.lock`, held from create
// to commit, keeps two exports from racing for one destination.
//
//===----------------------------------------------------------------------===//

#ifndef PP_LIB_EXPORT_STAGINGDIRECTORY_H
#define PP_LIB_EXPORT_STAGINGDIRECTORY_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace pp::exporter {

class StagingDirectory {
public:
  /// Checks that `destination` can receive an export (it does not exist, or
  /// is a directory that is empty or holds an earlier export) and creates
  /// the directory to write into. Emits an error at `module` and fails
  /// otherwise.
  static mlir::FailureOr<StagingDirectory> create(mlir::ModuleOp module,
                                                  llvm::StringRef destination);

  StagingDirectory(StagingDirectory &&other);
  StagingDirectory &operator=(StagingDirectory &&) = delete;
  /// Removes the staged files unless they were committed.
  ~StagingDirectory();

  /// The path of the file `name` in the staging directory.
  std::string getFile(llvm::StringRef name) const;

  /// Moves the staging directory to the destination, replacing an earlier
  /// export there; inside an OutputTransaction, once it commits. Emits an
  /// error at `module` on failure.
  mlir::LogicalResult commit(mlir::ModuleOp module);

private:
  StagingDirectory(std::string destination, std::string staging, int lockFd,
                   std::string lockPath)
      : destination(std::move(destination)), staging(std::move(staging)),
        lockFd(lockFd), lockPath(std::move(lockPath)) {}

  /// The rename itself.
  llvm::Error moveIntoPlace();
  void unlock();

  std::string destination; ///< Absolute.
  std::string staging;     ///< Absolute; empty once committed or moved.
  int lockFd = -1;         ///< Holds the lock on lockPath.
  std::string lockPath;
};

} // namespace pp::exporter

#endif // PP_LIB_EXPORT_STAGINGDIRECTORY_H
