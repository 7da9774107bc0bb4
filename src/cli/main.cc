// The `edgelite` binary: one executable, a subcommand per job — `serve` runs the server; `db`,
// `keys` and `config` manage databases, tokens and settings against a running server.
#include <CLI/CLI.hpp>

#include "cli/config/config_command.h"
#include "cli/db/db_commands.h"
#include "cli/config/global_options.h"
#include "cli/tokens/keys_command.h"
#include "cli/serve_command.h"
#include "cli/shell/db_shell_command.h"
#include "cli/tokens/db_tokens_command.h"

int main(int argc, char** argv) {
  CLI::App app{"edgelite: SQLite served over the network, with replicas inside the application"};
  app.set_version_flag("--version", "edgelite " EDGELITE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  edgelite::cli::GlobalOptions global;
  edgelite::cli::AddGlobalOptions(app, global);
  edgelite::cli::AddServeCommand(app, exit_code);
  CLI::App* db = app.add_subcommand("db", "Create, inspect, branch, export and query databases");
  db->require_subcommand(1);
  edgelite::cli::AddDbCommands(*db, global, exit_code);
  edgelite::cli::AddDbShellCommand(*db, global, exit_code);
  edgelite::cli::AddDbTokensCommand(*db, global, exit_code);
  edgelite::cli::AddKeysCommand(app, exit_code);
  edgelite::cli::AddConfigCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
