//===- AtomicFileTests.cpp - Whole files or none, even after SIGKILL ------===//

#include "pp/Support/AtomicFile.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace pp;

namespace {

/// A fresh directory, removed with its files afterwards.
class TempDir {
public:
  TempDir() {
    char pattern[] = "/tmp/pp-atomic-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() {
    for (const std::string &name : list())
      ::unlink((path + "/" + name).c_str());
    ::rmdir(path.c_str());
  }
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(path.c_str())) {
      while (dirent *e = ::readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
          names.push_back(e->d_name);
      ::closedir(d);
    }
    return names;
  }
  std::string path;
};

std::string read(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const AtomicFile &f, const std::string &text) {
  ASSERT_EQ(::write(f.fd(), text.data(), text.size()),
            static_cast<ssize_t>(text.size()));
}

TEST(AtomicFile, ReplacesOnlyAtCommit) {
  TempDir dir;
  std::string dest = dir.path + "/out.txt";
  std::ofstream(dest) << "old";
  std::string error;
  std::unique_ptr<AtomicFile> f = AtomicFile::create(dest, error);
  ASSERT_TRUE(f) << error;
  write(*f, "new contents");
  EXPECT_EQ(read(dest), "old");
  EXPECT_EQ(read(f->contentsPath()), "new contents");
  ASSERT_TRUE(f->commit(error)) << error;
  EXPECT_EQ(read(dest), "new contents");
  f.reset();
  EXPECT_EQ(dir.list(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, DiscardedWithoutCommit) {
  TempDir dir;
  std::string dest = dir.path + "/out.txt";
  std::string error;
  {
    std::unique_ptr<AtomicFile> f = AtomicFile::create(dest, error);
    ASSERT_TRUE(f) << error;
    write(*f, "never seen");
  }
  EXPECT_TRUE(dir.list().empty());
}

TEST(AtomicFile, NothingLeftAfterSigkill) {
  // A process killed while writing (here: before commit) leaves no file:
  // the unnamed file dies with it. Where the file system has no unnamed
  // files a named temporary would stay; this checks the path pp takes here.
  TempDir dir;
  std::string dest = dir.path + "/model.onnx";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string error;
    std::unique_ptr<AtomicFile> f = AtomicFile::create(dest, error);
    if (!f)
      ::_exit(2);
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 8; ++i)
      if (::write(f->fd(), chunk.data(), chunk.size()) < 0)
        ::_exit(3);
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exit " << WEXITSTATUS(status);
  EXPECT_TRUE(dir.list().empty());
}

TEST(AtomicFile, RefusesADirectoryAndAMissingParent) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(AtomicFile::create(dir.path, error));
  EXPECT_EQ(error, "it is a directory");
  EXPECT_FALSE(AtomicFile::create(dir.path + "/no/such/file", error));
  EXPECT_EQ(error, "No such file or directory");
}

} // namespace
