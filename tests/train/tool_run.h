// A built tool run through the shell, for the tests of the tools end to end.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/data/temp_dir.h"

namespace tessel::testing {

struct ToolRun {
  int code = -1;       // the exit code; -1 when a signal ended it
  std::string output;  // stdout and stderr
};

// TESSEL_TOOLS_DIR/<tool> <args> (shell words), its output collected in a log in `dir`.
inline ToolRun run_tool(const TempDir& dir, const std::string& tool, const std::string& args) {
  const std::string log = dir.path("tool.log");
  const std::string command =
      std::string(TESSEL_TOOLS_DIR) + "/" + tool + " " + args + " > " + log + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1,
          std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>())};
}

}  // namespace tessel::testing
