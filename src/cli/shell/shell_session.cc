// Statements, dot commands and scripts in one shell session.
#include "cli/shell/shell_session.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "cli/shell/database_dump.h"
#include "cli/shell/display_width.h"
#include "cli/shell/statement_error.h"

namespace edgelite::cli::shell {
namespace {

// Deep enough for any real layout of scripts, shallow enough to stop a file that reads itself.
constexpr int kMaxReadDepth = 16;
// The width `.tables` and `.indexes` lay their names out in.
constexpr size_t kListingWidth = 80;

constexpr std::string_view kHelp =
    R"(.dump                  SQL text that rebuilds the database (committed data)
.exit, .quit           leave the shell
.headers on|off        column names above the rows
.help                  this text
.indexes [TABLE]       the indexes (of tables matching TABLE, a LIKE pattern)
.mode MODE             how rows print: table, box, list, csv, json, line
.nullvalue TEXT        how NULL prints (not in csv and json)
.read FILE             run the statements and dot commands in FILE
.schema [PATTERN]      CREATE statements (of tables and objects matching PATTERN)
.show                  the current settings
.sync                  pull what the server has (embedded replicas only)
.tables [PATTERN]      the tables and views (matching PATTERN)
.timer on|off          print how long each statement took
SQL statements end with ';' and may span lines. Ctrl-C cancels the statement being typed, or
stops the statement running; Ctrl-D leaves.
)";

std::string Plural(size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

// Names in columns, left to right then down, as wide as the widest name.
std::string LayOutNames(const std::vector<std::string>& names) {
  size_t width = 0;
  for (const std::string& name : names) width = std::max(width, DisplayWidth(name));
  const size_t per_line = std::max<size_t>(1, (kListingWidth + 2) / (width + 2));
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += names[i];
    const bool line_end = (i + 1) % per_line == 0 || i + 1 == names.size();
    if (line_end) {
      out += '\n';
    } else {
      out.append(width + 2 - DisplayWidth(names[i]), ' ');
    }
  }
  return out;
}

}  // namespace

std::string_view ShellHelpText() {
  return kHelp;
}

ShellSession::ShellSession(Database& database, Connection& connection, ShellTarget target,
                           OutputFormat format, std::ostream& out, std::ostream& err)
    : database_(database),
      connection_(connection),
      target_(std::move(target)),
      format_(std::move(format)),
      out_(out),
      err_(err) {}

RunOutcome ShellSession::Fail(const Status& status, std::string_view source, int line_number) {
  std::string where = source.empty() ? "Error: "
                                     : "Error in " + std::string(source) + " at line " +
                                           std::to_string(line_number) + ": ";
  err_ << where << ExplainTargetFailure(status, target_) << '\n' << std::flush;
  return RunOutcome::kFailed;
}

RunOutcome ShellSession::RunStatement(const SqlStatement& statement, std::string_view source) {
  const auto start = std::chrono::steady_clock::now();
  Result<Rows> rows = connection_.Execute(statement.text);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (!rows.ok()) {
    out_ << std::flush;
    if (rows.status().kind() != ErrorKind::kSqlError) {
      return Fail(rows.status(), source, statement.first_line);
    }
    err_ << FormatStatementError(ReadStatementError(rows.status(), statement.text), statement,
                                 source)
         << std::flush;
    return RunOutcome::kFailed;
  }
  out_ << FormatRows(*rows, format_);
  if (timer_) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "Time: %.3f ms\n",
                  std::chrono::duration<double, std::milli>(elapsed).count());
    out_ << buffer;
  }
  out_ << std::flush;
  return RunOutcome::kOk;
}

RunOutcome ShellSession::RunDotCommand(std::string_view line, std::string_view source,
                                       int line_number) {
  auto command = ParseDotCommand(line);
  RunOutcome outcome = command.ok() ? RunDot(*command, source) : RunOutcome::kFailed;
  if (!command.ok()) Fail(command.status(), source, line_number);
  return outcome;
}

RunOutcome ShellSession::RunDot(const DotCommand& command, std::string_view source) {
  const std::string& name = command.name;
  const std::vector<std::string>& arguments = command.arguments;
  auto usage = [&](std::string_view text) {
    err_ << "Usage: " << text << '\n' << std::flush;
    return RunOutcome::kFailed;
  };
  auto fail = [&](const Status& status) {
    err_ << (source.empty() ? "" : std::string(source) + ": ") << "." << name << ": "
         << ExplainTargetFailure(status, target_) << '\n'
         << std::flush;
    return RunOutcome::kFailed;
  };
  if (name == "quit" || name == "exit") return RunOutcome::kQuit;
  if (name == "help") {
    out_ << kHelp << std::flush;
    return RunOutcome::kOk;
  }
  if (name == "mode") {
    if (arguments.size() != 1) return usage(".mode table|box|list|csv|json|line");
    std::optional<OutputMode> mode = ParseOutputMode(arguments[0]);
    if (!mode) {
      return fail(Status::InvalidArgument("unknown mode \"" + arguments[0] + "\"; the modes are " +
                                          std::string(OutputModeNames())));
    }
    format_.mode = *mode;
    return RunOutcome::kOk;
  }
  if (name == "headers" || name == "header" || name == "timer") {
    if (arguments.size() != 1) return usage("." + name + " on|off");
    auto on = ParseSwitch(name, arguments[0]);
    if (!on.ok()) return fail(on.status());
    (name == "timer" ? timer_ : format_.headers) = *on;
    return RunOutcome::kOk;
  }
  if (name == "nullvalue") {
    if (arguments.size() != 1) return usage(".nullvalue TEXT");
    format_.null_text = arguments[0];
    return RunOutcome::kOk;
  }
  if (name == "show") {
    ShowSettings();
    return RunOutcome::kOk;
  }
  if (name == "tables") {
    if (arguments.size() > 1) return usage(".tables [PATTERN]");
    return ListNames(
        "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE "
        "'sqlite\\_%' ESCAPE '\\'",
        arguments);
  }
  if (name == "indexes" || name == "indices") {
    if (arguments.size() > 1) return usage(".indexes [TABLE]");
    return ListNames("SELECT name FROM sqlite_schema WHERE type = 'index'", arguments);
  }
  if (name == "schema") {
    if (arguments.size() > 1) return usage(".schema [PATTERN]");
    return ShowSchema(arguments);
  }
  if (name == "dump") {
    if (!arguments.empty()) return usage(".dump");
    out_ << std::flush;
    if (Status status = DumpDatabase(target_, out_); !status.ok()) return fail(status);
    out_ << std::flush;
    return RunOutcome::kOk;
  }
  if (name == "read") {
    if (arguments.size() != 1) return usage(".read FILE");
    return ReadFile(arguments);
  }
  if (name == "sync") {
    if (!arguments.empty()) return usage(".sync");
    return Sync();
  }
  return fail(Status::InvalidArgument("no such command; .help lists the commands"));
}

RunOutcome ShellSession::ListNames(std::string_view sql,
                                   const std::vector<std::string>& arguments) {
  std::string query(sql);
  Params params;
  if (!arguments.empty()) {
    // `.tables PATTERN` matches names; `.indexes TABLE` matches the table the index is on.
    query +=
        sql.find("'index'") != std::string_view::npos ? " AND tbl_name LIKE ?" : " AND name LIKE ?";
    params.positional.push_back(arguments[0]);
  }
  query += " ORDER BY name";
  Result<Rows> rows = connection_.Execute(query, params);
  if (!rows.ok()) return Fail(rows.status(), "", 0);
  std::vector<std::string> names;
  for (const std::vector<Value>& row : rows->rows) {
    if (const auto* text = std::get_if<std::string>(&row[0])) names.push_back(*text);
  }
  out_ << LayOutNames(names) << std::flush;
  return RunOutcome::kOk;
}

RunOutcome ShellSession::ShowSchema(const std::vector<std::string>& arguments) {
  std::string query =
      "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE "
      "'\\'";
  Params params;
  if (!arguments.empty()) {
    query += " AND (name LIKE ?1 OR tbl_name LIKE ?1)";
    params.positional.push_back(arguments[0]);
  }
  // Creation order: each table before its indexes and triggers, as they must be created.
  query += " ORDER BY rowid";
  Result<Rows> rows = connection_.Execute(query, params);
  if (!rows.ok()) return Fail(rows.status(), "", 0);
  for (const std::vector<Value>& row : rows->rows) {
    if (const auto* text = std::get_if<std::string>(&row[0])) out_ << *text << ";\n";
  }
  out_ << std::flush;
  return RunOutcome::kOk;
}

RunOutcome ShellSession::ReadFile(const std::vector<std::string>& arguments) {
  const std::string& path = arguments[0];
  if (read_depth_ >= kMaxReadDepth) {
    err_ << "Error: .read " << path << ": more than " << kMaxReadDepth
         << " nested .read commands; does a file read itself?\n"
         << std::flush;
    return RunOutcome::kFailed;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    err_ << "Error: .read: cannot open " << path << ": " << std::strerror(errno)
         << "; check the path (relative paths start from the current directory)\n"
         << std::flush;
    return RunOutcome::kFailed;
  }
  ++read_depth_;
  // A file read stops at its first error, as a script on stdin does.
  RunOutcome outcome = RunScript(file, path, /*stop_on_error=*/true);
  --read_depth_;
  return outcome;
}

RunOutcome ShellSession::Sync() {
  if (target_.kind != TargetKind::kReplica) {
    err_ << "Error: .sync: this shell is not on an embedded replica; open one with --replica "
            "PATH\n"
         << std::flush;
    return RunOutcome::kFailed;
  }
  auto synced = database_.Sync();
  if (!synced.ok()) return Fail(synced.status(), "", 0);
  out_ << "Synced " << Plural(synced->frames_synced, "frame");
  if (synced->frame_no) out_ << "; the replica is at frame " << *synced->frame_no;
  out_ << '\n' << std::flush;
  return RunOutcome::kOk;
}

void ShellSession::ShowSettings() {
  out_ << "    mode: " << OutputModeName(format_.mode) << '\n'
       << " headers: " << (format_.headers ? "on" : "off") << '\n'
       << "nullvalue: \"" << NullText(format_) << "\"\n"
       << "   timer: " << (timer_ ? "on" : "off") << '\n';
  switch (target_.kind) {
    case TargetKind::kLocalFile:
      out_ << "database: " << target_.path << " (local file)\n";
      break;
    case TargetKind::kRemote:
      out_ << "database: " << target_.url << '\n';
      break;
    case TargetKind::kReplica:
      out_ << "database: " << target_.path << " (embedded replica of " << target_.url << ")\n";
      break;
  }
  out_ << std::flush;
}

RunOutcome ShellSession::RunScript(std::istream& in, std::string_view source, bool stop_on_error) {
  StatementSplitter splitter;
  RunOutcome result = RunOutcome::kOk;
  auto note = [&](RunOutcome outcome) {
    if (outcome == RunOutcome::kFailed) result = RunOutcome::kFailed;
    return outcome == RunOutcome::kQuit || (outcome == RunOutcome::kFailed && stop_on_error) ||
           Interrupted();
  };
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!splitter.HasPendingText() && IsDotCommandLine(line)) {
      splitter.Clear();
      RunOutcome outcome = RunDotCommand(line, source, line_number);
      if (note(outcome)) return Interrupted() ? RunOutcome::kFailed : outcome;
      continue;
    }
    for (const SqlStatement& statement : splitter.AddLine(line, line_number)) {
      if (note(RunStatement(statement, source))) {
        return Interrupted() ? RunOutcome::kFailed : result;
      }
    }
  }
  if (std::optional<SqlStatement> last = splitter.Finish()) {
    if (note(RunStatement(*last, source))) return Interrupted() ? RunOutcome::kFailed : result;
  }
  return result;
}

}  // namespace edgelite::cli::shell
