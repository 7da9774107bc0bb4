// Running the `edgelite` CLI in a test, as a script would: arguments, text on stdin (from a file,
// never a terminal, so nothing can prompt or deadlock on a pipe), a clean environment, and its exit
// code, stdout and stderr once it ends.
#pragma once

#include <chrono>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace edgelite::integration {

struct CliRun {
  int exit_code = -1;  // 128 + the signal when killed
  std::string out;
  std::string err;
};

// Runs the edgelite binary (EDGELITE_BINARY) with `args`. The environment holds PATH, HOME and
// XDG_CONFIG_HOME (both under `directory`, so no user's config is read) and `environment`
// ("NAME=value"); no other EDGELITE_* variable. Killed, and a test failure added, after `timeout`.
// `while_running`, when given, is called with the process's id once it has started (to signal it).
CliRun RunEdgelite(const std::filesystem::path& directory, const std::vector<std::string>& args,
                   std::string_view input = {}, const std::vector<std::string>& environment = {},
                   std::chrono::seconds timeout = std::chrono::seconds(60),
                   const std::function<void(pid_t)>& while_running = nullptr);

}  // namespace edgelite::integration
