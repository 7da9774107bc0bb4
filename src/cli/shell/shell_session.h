// ShellSession: one open database and the shell's settings, and what runs in it — SQL statements
// and dot commands, from the prompt, a script on stdin, or a `.read` file. It writes results to
// `out` and errors to `err`, so tests drive it with string streams and the same code serves the
// terminal and scripts.
//
// A failed statement prints its error (with SQLite's code, and the line when it came from a
// script) and the session goes on; scripts decide whether to stop (RunScript). An error that is
// about the target rather than the SQL (server unreachable, token refused) gets the advice that
// ExplainTargetFailure gives.
#pragma once

#include <atomic>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/shell/dot_command.h"
#include "cli/shell/output_format.h"
#include "cli/shell/shell_target.h"
#include "cli/shell/statement_splitter.h"
#include "edgelite/connection.h"
#include "edgelite/database.h"

namespace edgelite::cli::shell {

enum class RunOutcome {
  kOk,      // done, go on
  kFailed,  // an error was printed
  kQuit,    // `.quit` or `.exit`: leave the shell
};

class ShellSession {
 public:
  ShellSession(Database& database, Connection& connection, ShellTarget target, OutputFormat format,
               std::ostream& out, std::ostream& err);

  // Runs one statement and prints its rows (and its time, with `.timer on`). `source` names the
  // script it came from, empty at the prompt.
  RunOutcome RunStatement(const SqlStatement& statement, std::string_view source);

  // Runs the dot command on `line`, numbered `line_number` in `source`.
  RunOutcome RunDotCommand(std::string_view line, std::string_view source, int line_number);

  // Runs every statement and dot command read from `in`, numbering lines from 1 for error
  // messages that name `source`. Stops at the first failure when `stop_on_error` (scripts), at
  // `.quit`, and when `*interrupted` becomes true (Ctrl-C), which counts as a failure.
  RunOutcome RunScript(std::istream& in, std::string_view source, bool stop_on_error);

  // Set from the SIGINT handler: stops a running script between statements.
  void set_interrupt_flag(const std::atomic<bool>* interrupted) { interrupted_ = interrupted; }
  Connection& connection() { return connection_; }

  const OutputFormat& format() const { return format_; }

 private:
  RunOutcome RunDot(const DotCommand& command, std::string_view source);
  RunOutcome ListNames(std::string_view sql, const std::vector<std::string>& arguments);
  RunOutcome ShowSchema(const std::vector<std::string>& arguments);
  RunOutcome ReadFile(const std::vector<std::string>& arguments);
  RunOutcome Sync();
  void ShowSettings();
  // Prints a failure that is not about one statement's SQL.
  RunOutcome Fail(const Status& status, std::string_view source, int line_number);
  bool Interrupted() const { return interrupted_ && interrupted_->load(); }

  Database& database_;
  Connection& connection_;
  ShellTarget target_;
  OutputFormat format_;
  bool timer_ = false;
  std::ostream& out_;
  std::ostream& err_;
  const std::atomic<bool>* interrupted_ = nullptr;
  int read_depth_ = 0;  // nested `.read`s, bounded so that a file that reads itself stops
};

// The text `.help` prints.
std::string_view ShellHelpText();

}  // namespace edgelite::cli::shell
