//===- pp-load-check.cpp - Loads an export directory, for lit tests -------===//
//
// pp-load-check DIR: loads DIR with `loadProgramDirectory` (every check of
// the loader, the action lists' replay included) and prints "loaded N
// stages, M actions", or the loader's error on stderr (exit status 1). A
// test tool: built with the runtime's tests, never installed.
//
//===----------------------------------------------------------------------===//

#include "pp/Runtime/Program.h"

#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: pp-load-check DIR\n");
    return 2;
  }
  pp::rt::ProgramDirectory dir;
  if (pp::rt::Status s = pp::rt::loadProgramDirectory(argv[1], dir)) {
    std::fprintf(stderr, "error: %s\n", s.message().c_str());
    return 1;
  }
  size_t actions = 0;
  for (const pp::rt::StageProgram &stage : dir.stages)
    actions += size_t(stage.program.actions_size());
  std::printf("loaded %zu stages, %zu actions\n", dir.stages.size(), actions);
  return 0;
}
