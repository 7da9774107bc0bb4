// Opening the shell's database and choosing between the interactive, scripted and one-shot runs.
#include "cli/shell/shell_runner.h"

#include <unistd.h>

#include <iostream>
#include <sstream>

#include "cli/shell/interactive_shell.h"
#include "cli/shell/shell_session.h"
#include "edgelite/database.h"

namespace edgelite::cli::shell {
namespace {

std::string DescribeTarget(const ShellTarget& target) {
  switch (target.kind) {
    case TargetKind::kLocalFile:
      return "the local file " + target.path;
    case TargetKind::kRemote:
      return target.url;
    case TargetKind::kReplica:
      return "the embedded replica " + target.path + " of " + target.url;
  }
  return {};
}

// Reaches the server once, so that an unreachable server or a refused token is reported before
// the first prompt rather than at the first statement.
Status CheckTarget(const ShellTarget& target, Database& database, Connection& connection) {
  if (target.kind == TargetKind::kReplica) {
    auto synced = database.Sync();
    return synced.ok() ? Status::Ok() : synced.status();
  }
  if (target.kind == TargetKind::kRemote) {
    auto rows = connection.Execute("SELECT 1");
    return rows.ok() ? Status::Ok() : rows.status();
  }
  return Status::Ok();
}

}  // namespace

int RunShell(const ShellOptions& options, const GlobalOptions& global) {
  auto target = ResolveShellTarget(options.target, global);
  if (!target.ok()) {
    std::cerr << "Error: " << target.status().message() << '\n';
    return 1;
  }
  auto database = Database::Open(OpenOptionsFor(*target));
  if (!database.ok()) {
    std::cerr << "Error: cannot open " << DescribeTarget(*target) << ": "
              << ExplainTargetFailure(database.status(), *target) << '\n';
    return 1;
  }
  auto connection = (*database)->Connect();
  Status checked =
      connection.ok() ? CheckTarget(*target, **database, **connection) : connection.status();
  if (!checked.ok()) {
    std::cerr << "Error: " << ExplainTargetFailure(checked, *target) << '\n';
    return 1;
  }

  const bool terminal_output = ::isatty(STDOUT_FILENO) == 1;
  OutputFormat format;
  if (!terminal_output) {
    format.mode = OutputMode::kList;
    format.headers = false;
  }
  if (options.mode) format.mode = *options.mode;
  ShellSession session(**database, **connection, *target, format, std::cout, std::cerr);

  int status = 0;
  if (options.sql) {
    std::istringstream sql(*options.sql);
    status = session.RunScript(sql, "the SQL argument", true) == RunOutcome::kFailed ? 1 : 0;
  } else if (::isatty(STDIN_FILENO) == 1) {
    const std::string banner = "edgelite shell on " + DescribeTarget(*target) +
                               "\nEnter SQL ending with ';', .help for commands, Ctrl-D to "
                               "leave.\n";
    status = RunInteractiveShell(session, banner, DefaultHistoryFile());
  } else {
    status = session.RunScript(std::cin, "stdin", true) == RunOutcome::kFailed ? 1 : 0;
  }
  std::cout << std::flush;
  return status;
}

}  // namespace edgelite::cli::shell
