// `edgelite db export NAME --output FILE` (a plain SQLite file, streamed from the server's
// `GET /export` into FILE.part and renamed once checked; a progress bar on a terminal; an
// interrupted or failed export leaves no file) and `edgelite db dump NAME` (the SQL text, from
// `GET /dump`, on stdout).
#pragma once

#include <CLI/App.hpp>

#include "cli/config/global_options.h"

namespace edgelite::cli {

void AddDbTransferCommands(CLI::App& db, const GlobalOptions& global, int& exit_code);

}  // namespace edgelite::cli
