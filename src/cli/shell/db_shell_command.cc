// `edgelite db shell`: its flags, help text and hand-over to RunShell.
#include "cli/shell/db_shell_command.h"

#include <iostream>
#include <memory>

#include "cli/shell/shell_runner.h"

namespace edgelite::cli {
namespace {

constexpr const char* kFooter = R"(
TARGET is one of:
  NAME               a database on the server (--server / EDGELITE_SERVER): <server>/db/NAME/
  URL                a remote database: http://, https://, libsql://, ws:// or wss://
  FILE               a local SQLite file: an existing file, a path with '/', or a name ending in
                     .db, .db3, .sqlite or .sqlite3 (created if missing)
  NAME or URL with --replica PATH
                     an embedded replica: the local file PATH, synced from the server at start
                     and with .sync; reads run locally, writes on the server

Auth: --auth-token or EDGELITE_AUTH_TOKEN; without one, when a signing key is configured
(--signing-key / EDGELITE_SIGNING_KEY_FILE) the shell signs a one-hour token for the database.

Interactive (stdin a terminal): line editing, history in $XDG_STATE_HOME/edgelite/shell_history
(default ~/.local/state/edgelite/shell_history), statements end with ';'; .help lists the dot
commands. Ctrl-C cancels the statement being typed, Ctrl-D leaves.

Scripted: `edgelite db shell NAME < schema.sql` runs the statements and dot commands in order and
stops at the first error, naming its line; `edgelite db shell NAME "SELECT ..."` runs that SQL.
Exit status: 0 when everything succeeded, 1 otherwise.

Output: a table with column names on a terminal; otherwise sqlite3's list format (a|b, no column
names, NULL empty). Change it with --mode or .mode (table, box, list, csv, json, line).
)";

}  // namespace

void AddDbShellCommand(CLI::App& db, const GlobalOptions& global, int& exit_code) {
  CLI::App* command = db.add_subcommand(
      "shell", "Run SQL on a database: interactively on a terminal, or a script from stdin");
  command->footer(kFooter);
  auto options = std::make_shared<shell::ShellOptions>();
  auto mode = std::make_shared<std::string>();
  auto sql = std::make_shared<std::string>();
  command->add_option("target", options->target.target, "NAME, URL or FILE (see below)")
      ->required();
  command->add_option("sql", *sql, "SQL to run (statements and dot commands) instead of stdin");
  command->add_option("--replica", options->target.replica_path,
                      "Open NAME or URL as an embedded replica kept in this local file");
  command->add_option("--auth-token", options->target.auth_token,
                      "Token for the server (default: EDGELITE_AUTH_TOKEN, or one signed with "
                      "--signing-key)");
  command->add_option("--mode", *mode, "Output mode: table, box, list, csv, json or line")
      ->check([](const std::string& value) -> std::string {
        return shell::ParseOutputMode(value) ? std::string()
                                             : "unknown mode \"" + value + "\"; the modes are " +
                                                   std::string(shell::OutputModeNames());
      });
  command->callback([command, options, mode, sql, &global, &exit_code] {
    if (command->count("sql") > 0) options->sql = *sql;
    if (!mode->empty()) options->mode = shell::ParseOutputMode(*mode);
    GlobalOptions resolved = global;
    if (Status status = ResolveGlobalOptions(resolved); !status.ok()) {
      std::cerr << "Error: " << status.message() << '\n';
      exit_code = 1;
      return;
    }
    exit_code = shell::RunShell(*options, resolved);
  });
}

}  // namespace edgelite::cli
