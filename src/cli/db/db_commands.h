// `edgelite db create|list|show|destroy|inspect|export|dump|import` through the admin API.
#pragma once

#include <CLI/App.hpp>

#include "cli/config/global_options.h"

namespace edgelite::cli {

void AddDbCommands(CLI::App& /*db*/, const GlobalOptions& /*global*/, int& /*exit_code*/);

}  // namespace edgelite::cli
