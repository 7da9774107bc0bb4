// RunShell: `edgelite db shell` from its parsed options to its exit status. It opens the target
// (checking at once that a server answers and accepts the token, so that a wrong address or key
// is reported before any SQL), then runs in one of three ways:
//  - SQL given on the command line: runs it (any number of statements and dot commands);
//  - stdin is a terminal: the interactive shell;
//  - otherwise: the script on stdin.
// A script or command-line SQL stops at the first failing statement and the exit status is 1;
// otherwise 0. Output goes as a table with column names when stdout is a terminal, and as
// sqlite3's `list` (values separated by `|`, no column names, NULL empty) when it is not, so
// that scripts can read it; `--mode` or `.mode` chooses otherwise.
#pragma once

#include <optional>
#include <string>

#include "cli/config/global_options.h"
#include "cli/shell/output_format.h"
#include "cli/shell/shell_target.h"

namespace edgelite::cli::shell {

struct ShellOptions {
  ShellTargetRequest target;
  std::optional<std::string> sql;  // the SQL argument
  std::optional<OutputMode> mode;  // --mode
};

int RunShell(const ShellOptions& options, const GlobalOptions& global);

}  // namespace edgelite::cli::shell
