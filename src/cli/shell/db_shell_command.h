// `edgelite db shell`: the SQL shell on a database of a server (NAME or URL), a local SQLite file,
// or an embedded replica (`--replica PATH`), interactive on a terminal and scripted otherwise
// (shell_runner.h says how it decides; shell_target.h how TARGET is read).
#pragma once

#include <CLI/App.hpp>

#include "cli/config/global_options.h"

namespace edgelite::cli {

// Adds `shell` to the `db` command; the command's exit status goes to `exit_code`.
void AddDbShellCommand(CLI::App& db, const GlobalOptions& global, int& exit_code);

}  // namespace edgelite::cli
