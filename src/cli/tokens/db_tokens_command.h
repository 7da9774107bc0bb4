// `edgelite db tokens create`: signed JWTs for a database.
#pragma once

#include <CLI/App.hpp>

#include "cli/global_options.h"

namespace edgelite::cli {

void AddDbTokensCommand(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/);

}  // namespace edgelite::cli
