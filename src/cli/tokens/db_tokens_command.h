// `edgelite db tokens create NAME [--read-only] [--expiration 7d|never]`: a token for one database,
// signed locally with the private key of `edgelite keys generate` (the server holds only the public
// half), printed alone on one line so that scripts can capture it.
#pragma once

#include <CLI/App.hpp>

#include "cli/config/global_options.h"

namespace edgelite::cli {

void AddDbTokensCommand(CLI::App& db, const GlobalOptions& global, int& exit_code);

}  // namespace edgelite::cli
