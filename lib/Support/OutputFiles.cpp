//===- OutputFiles.cpp - Outputs written whole, or not at all -------------===//

#include "pp/Support/OutputFiles.h"
#include "pp/Support/AtomicFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

#include <mutex>
#include <vector>

using namespace llvm;

namespace pp {

namespace {
/// One staged output: a file or a directory-level commit.
struct Staged {
  std::string destination;
  std::unique_ptr<AtomicFile> file;
  std::function<Error()> commitFn;
  std::function<void()> discardFn;
};
} // namespace

struct OutputTransaction::Impl {
  std::vector<Staged> staged;
};

static std::mutex openMutex;
static OutputTransaction::Impl *openTransaction = nullptr;

/// `path` made absolute, to recognise the same destination.
static std::string key(StringRef path) {
  SmallString<256> abs(path);
  (void)sys::fs::make_absolute(abs);
  sys::path::remove_dots(abs, /*remove_dot_dot=*/true);
  return std::string(abs);
}

static Error fileError(const std::string &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// A named temporary is removed if the process is killed by a signal it
/// can catch; an unnamed one needs nothing.
static void watch(const AtomicFile &file) {
  if (!file.temporaryPath().empty())
    sys::RemoveFileOnSignal(file.temporaryPath());
}
static void unwatch(const AtomicFile &file) {
  if (!file.temporaryPath().empty())
    sys::DontRemoveFileOnSignal(file.temporaryPath());
}

Error writeOutputFile(StringRef path,
                      function_ref<Error(raw_ostream &)> write) {
  if (path == "-") {
    Error e = write(outs());
    outs().flush();
    return e;
  }
  std::string error;
  std::unique_ptr<AtomicFile> file = AtomicFile::create(path.str(), error);
  if (!file)
    return fileError("cannot write '" + path.str() + "': " + error);
  watch(*file);
  {
    raw_fd_ostream os(file->fd(), /*shouldClose=*/false);
    if (Error e = write(os)) {
      unwatch(*file);
      return e;
    }
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      unwatch(*file);
      return fileError("cannot write '" + path.str() + "': " + message);
    }
  }
  std::lock_guard<std::mutex> lock(openMutex);
  if (openTransaction) {
    std::string destination = key(path);
    for (Staged &s : openTransaction->staged)
      if (s.file && s.destination == destination) {
        unwatch(*s.file);
        s.file = std::move(file);
        return Error::success();
      }
    openTransaction->staged.push_back(
        {destination, std::move(file), nullptr, nullptr});
    return Error::success();
  }
  // Unwatched only after the rename: a temporary renamed away is not
  // removed by a signal, and one not yet renamed must be.
  bool ok = file->commit(error);
  unwatch(*file);
  if (!ok)
    return fileError("cannot write '" + path.str() + "': " + error);
  return Error::success();
}

std::string currentOutputContents(StringRef path) {
  std::lock_guard<std::mutex> lock(openMutex);
  if (openTransaction) {
    std::string destination = key(path);
    for (const Staged &s : openTransaction->staged)
      if (s.file && s.destination == destination)
        return s.file->contentsPath();
  }
  return path.str();
}

OutputTransaction::OutputTransaction() : impl(std::make_unique<Impl>()) {
  std::lock_guard<std::mutex> lock(openMutex);
  if (!openTransaction)
    openTransaction = impl.get();
}

OutputTransaction::~OutputTransaction() {
  std::lock_guard<std::mutex> lock(openMutex);
  if (openTransaction == impl.get())
    openTransaction = nullptr;
  for (Staged &s : impl->staged) {
    if (s.file)
      unwatch(*s.file);
    else if (s.discardFn)
      s.discardFn();
  }
}

bool OutputTransaction::isOpen() {
  std::lock_guard<std::mutex> lock(openMutex);
  return openTransaction != nullptr;
}

Error OutputTransaction::stage(std::string destination,
                               std::function<Error()> commitFn,
                               std::function<void()> discardFn) {
  {
    std::lock_guard<std::mutex> lock(openMutex);
    if (openTransaction) {
      openTransaction->staged.push_back({key(destination), nullptr,
                                         std::move(commitFn),
                                         std::move(discardFn)});
      return Error::success();
    }
  }
  return commitFn();
}

Error OutputTransaction::commit() {
  {
    std::lock_guard<std::mutex> lock(openMutex);
    if (openTransaction == impl.get())
      openTransaction = nullptr;
  }
  std::vector<Staged> staged = std::move(impl->staged);
  impl->staged.clear();
  for (size_t i = 0; i < staged.size(); ++i) {
    Staged &s = staged[i];
    Error e = Error::success();
    if (s.file) {
      std::string error;
      bool ok = s.file->commit(error);
      unwatch(*s.file);
      if (!ok)
        e = fileError("cannot write '" + s.destination + "': " + error);
    } else {
      e = s.commitFn();
      s.discardFn = nullptr;
    }
    if (e) {
      // What follows is discarded, as after any failed run.
      for (size_t j = i + 1; j < staged.size(); ++j)
        if (!staged[j].file && staged[j].discardFn)
          staged[j].discardFn();
      return e;
    }
  }
  return Error::success();
}

} // namespace pp
