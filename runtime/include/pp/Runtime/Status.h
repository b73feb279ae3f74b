//===- Status.h - Error values of the runtime -------------------*- C++ -*-===//
//
// The runtime does not link LLVM; errors travel as `Status` values that carry
// a complete, user-facing message.
//
//===----------------------------------------------------------------------===//

#ifndef PP_RUNTIME_STATUS_H
#define PP_RUNTIME_STATUS_H

#include <string>
#include <utility>

namespace pp::rt {

class [[nodiscard]] Status {
public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status error(std::string message) {
    Status s;
    s.failed_ = true;
    s.message_ = std::move(message);
    return s;
  }

  bool isOk() const { return !failed_; }
  explicit operator bool() const { return failed_; } // true on error
  const std::string &message() const { return message_; }

private:
  bool failed_ = false;
  std::string message_;
};

} // namespace pp::rt

#endif // PP_RUNTIME_STATUS_H
