// `edgelite serve`: the server subcommand — flags and SQLD_* environment variables, start-up banner,
// and the life of the server until SIGINT/SIGTERM.
#pragma once

#include <CLI/App.hpp>

namespace edgelite::cli {

// Adds the `serve` subcommand to `app`; running it serves until a signal and returns the exit code
// through `exit_code`.
void AddServeCommand(CLI::App& app, int& exit_code);

}  // namespace edgelite::cli
