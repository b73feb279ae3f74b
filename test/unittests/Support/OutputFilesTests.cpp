//===- OutputFilesTests.cpp - Outputs staged until the run succeeds -------===//

#include "pp/Support/OutputFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <string>

using namespace pp;

namespace {

std::string contents(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  return buffer ? (*buffer)->getBuffer().str() : "<missing>";
}

llvm::Error writeText(const std::string &path, const std::string &text) {
  return writeOutputFile(path, [&](llvm::raw_ostream &os) {
    os << text;
    return llvm::Error::success();
  });
}

class OutputFiles : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::SmallString<128> d;
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("pp-outputs", d));
    dir = std::string(d);
  }
  void TearDown() override { (void)llvm::sys::fs::remove_directories(dir); }
  std::string file(const char *name) const { return dir + "/" + name; }
  std::string dir;
};

TEST_F(OutputFiles, WithoutATransactionWrittenAtOnce) {
  ASSERT_FALSE(bool(writeText(file("a"), "one")));
  EXPECT_EQ(contents(file("a")), "one");
  EXPECT_EQ(currentOutputContents(file("a")), file("a"));
}

TEST_F(OutputFiles, StagedUntilCommit) {
  ASSERT_FALSE(bool(writeText(file("a"), "old")));
  OutputTransaction outputs;
  EXPECT_TRUE(OutputTransaction::isOpen());
  ASSERT_FALSE(bool(writeText(file("a"), "first")));
  ASSERT_FALSE(bool(writeText(file("b"), "b")));
  // A later pass of the same run reads what an earlier one staged, and
  // writing again replaces it.
  EXPECT_EQ(contents(currentOutputContents(file("a"))), "first");
  ASSERT_FALSE(bool(writeText(file("a"), "second")));
  EXPECT_EQ(contents(file("a")), "old");
  EXPECT_EQ(contents(file("b")), "<missing>");
  bool committed = false;
  ASSERT_FALSE(bool(OutputTransaction::stage(
      file("dir"),
      [&] {
        committed = true;
        return llvm::Error::success();
      },
      [] {})));
  EXPECT_FALSE(committed);
  ASSERT_FALSE(bool(outputs.commit()));
  EXPECT_TRUE(committed);
  EXPECT_EQ(contents(file("a")), "second");
  EXPECT_EQ(contents(file("b")), "b");
  EXPECT_FALSE(OutputTransaction::isOpen());
}

TEST_F(OutputFiles, DiscardedWhenTheRunFails) {
  ASSERT_FALSE(bool(writeText(file("a"), "old")));
  bool discarded = false;
  {
    OutputTransaction outputs;
    ASSERT_FALSE(bool(writeText(file("a"), "new")));
    ASSERT_FALSE(bool(writeText(file("c"), "new")));
    ASSERT_FALSE(bool(OutputTransaction::stage(
        file("dir"), [] { return llvm::Error::success(); },
        [&] { discarded = true; })));
  }
  EXPECT_TRUE(discarded);
  EXPECT_EQ(contents(file("a")), "old");
  EXPECT_EQ(contents(file("c")), "<missing>");
  std::error_code ec;
  int entries = 0;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    ++entries;
  EXPECT_EQ(entries, 1); // only "a"
}

TEST_F(OutputFiles, ErrorsNameThePath) {
  llvm::Error e = writeText(file("no/such/x.json"), "x");
  ASSERT_TRUE(bool(e));
  std::string message = llvm::toString(std::move(e));
  EXPECT_NE(message.find("cannot write '" + file("no/such/x.json") + "'"),
            std::string::npos)
      << message;
}

} // namespace
