// `edgelite db shell`: the SQL shell.
#pragma once

#include <CLI/App.hpp>

#include "cli/global_options.h"

namespace edgelite::cli {

void AddDbShellCommand(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/);

}  // namespace edgelite::cli
