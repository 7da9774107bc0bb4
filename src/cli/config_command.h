// `edgelite config set|get|list`: the config file that GlobalOptions reads.
#pragma once

#include <CLI/App.hpp>

#include "cli/global_options.h"

namespace edgelite::cli {

void AddConfigCommand(CLI::App& /*app*/, int& /*exit_code*/);

}  // namespace edgelite::cli
