//===- OutputFiles.h - Outputs written whole, or not at all -----*- C++ -*-===//
//
// Every file pp writes (reports, traces, timelines, the -o output, export
// directories) goes to a temporary next to its destination and is renamed
// into place only when complete, so a reader never sees half a file and an
// earlier file stays until the new one replaces it. The temporaries are
// removed if the process is killed.
//
// A tool run opens an OutputTransaction: then nothing is renamed into place
// until the transaction commits, after the whole run succeeded; a run that
// fails leaves every destination as it was. Without a transaction (a pass
// used in someone else's pipeline) each file is renamed into place as soon
// as it is written.
//
//===----------------------------------------------------------------------===//

#ifndef PP_SUPPORT_OUTPUTFILES_H
#define PP_SUPPORT_OUTPUTFILES_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <memory>
#include <string>

namespace pp {

/// Writes `path` through `write` atomically (see above). "-" writes to
/// stdout at once. Errors name the path.
llvm::Error
writeOutputFile(llvm::StringRef path,
                llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write);

/// The file that holds what was last written for `path` in the current
/// transaction (its temporary), else `path` itself. Passes that update a
/// file another pass of the same run wrote read it from here.
std::string currentOutputContents(llvm::StringRef path);

/// The outputs of one tool run: staged until `commit`, discarded by the
/// destructor otherwise. At most one is open at a time.
class OutputTransaction {
public:
  OutputTransaction();
  ~OutputTransaction();
  OutputTransaction(const OutputTransaction &) = delete;
  OutputTransaction &operator=(const OutputTransaction &) = delete;

  /// Moves every staged output into place, in the order they were staged.
  /// Stops at the first that fails, naming it.
  llvm::Error commit();

  /// Whether a transaction is open in this process.
  static bool isOpen();

  /// Stages a whole-directory output (an export): `commitFn` moves it into
  /// place, `discardFn` removes it. Without an open transaction, commits
  /// at once.
  static llvm::Error stage(std::string destination,
                           std::function<llvm::Error()> commitFn,
                           std::function<void()> discardFn);

  struct Impl;

private:
  std::unique_ptr<Impl> impl;
};

} // namespace pp

#endif // PP_SUPPORT_OUTPUTFILES_H
