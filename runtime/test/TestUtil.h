//===- TestUtil.h - Helpers shared by the runtime's unit tests --*- C++ -*-===//

#ifndef PP_RUNTIME_TEST_TESTUTIL_H
#define PP_RUNTIME_TEST_TESTUTIL_H

#include "pp/Runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pp::rt::test {

/// A fresh directory under the test temporary directory, removed with the
/// object.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "pp-runtime-XXXXXX";
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

template <typename T>
Tensor makeTensor(DType dtype, Shape shape, const std::vector<T> &values) {
  Tensor t = Tensor::empty({dtype, std::move(shape)});
  EXPECT_EQ(size_t(t.numel()), values.size());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

template <typename T> std::vector<T> values(const Tensor &t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

} // namespace pp::rt::test

#endif // PP_RUNTIME_TEST_TESTUTIL_H
