// `edgelite keys generate DIR`: an Ed25519 key pair for signing tokens.
#pragma once

#include <CLI/App.hpp>

#include "cli/global_options.h"

namespace edgelite::cli {

void AddKeysCommand(CLI::App& /*app*/, int& /*exit_code*/);

}  // namespace edgelite::cli
