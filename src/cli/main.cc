// The `edgelite` binary: one executable, a subcommand per job (`serve` for now).
#include <CLI/CLI.hpp>

#include "cli/serve_command.h"

int main(int argc, char** argv) {
  CLI::App app{"edgelite: SQLite served over the network, with replicas inside the application"};
  app.set_version_flag("--version", "edgelite " EDGELITE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  edgelite::cli::AddServeCommand(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
