// `edgelite config set KEY VALUE | get KEY | list`: the config file (config_file.h) that fills in
// the global options a command line leaves unset, so that a user names the server and keys once.
#pragma once

#include <CLI/App.hpp>

#include "cli/config/global_options.h"

namespace edgelite::cli {

void AddConfigCommand(CLI::App& app, int& exit_code);

}  // namespace edgelite::cli
