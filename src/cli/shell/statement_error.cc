// Reading SDK statement failures back into SQLite's code, message and error position.
#include "cli/shell/statement_error.h"

#include <sqlite3.h>

#include <array>
#include <charconv>
#include <memory>

#include "cli/shell/display_width.h"

namespace edgelite::cli::shell {
namespace {

// What the server (and the SDK's local mode, which shares its executor) puts before SQLite's
// message, by error code.
constexpr std::array<std::string_view, 3> kMessagePrefixes = {
    "SQL string could not be parsed: ", "SQL input error: ", "SQLite error: "};

bool StartsWithCode(std::string_view text) {
  const size_t colon = text.find(": ");
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : text.substr(0, colon)) {
    if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

// Hrana's codes for failures SQLite reports as plain SQLITE_ERROR: the parse and input errors,
// and SQLITE_UNKNOWN, which sqld writes for SQLITE_ERROR itself.
std::string SqliteCodeFor(std::string_view code) {
  if (code == "SQL_PARSE_ERROR" || code == "SQL_INPUT_ERROR" || code == "SQLITE_UNKNOWN") {
    return "SQLITE_ERROR";
  }
  return std::string(code);
}

// The position of a syntax error, from a parse of `sql` in an empty in-memory database, when that
// parse fails with `message` too.
std::optional<size_t> LocalParseOffset(std::string_view sql, std::string_view message) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(raw);
    return std::nullopt;
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  sqlite3_stmt* statement = nullptr;
  const int rc =
      sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  sqlite3_finalize(statement);
  if (rc == SQLITE_OK || message != sqlite3_errmsg(db.get())) return std::nullopt;
  const int offset = sqlite3_error_offset(db.get());
  if (offset < 0) return std::nullopt;
  return static_cast<size_t>(offset);
}

}  // namespace

StatementError ReadStatementError(const Status& status, std::string_view statement_text) {
  StatementError error;
  std::string_view text = status.message();
  if (StartsWithCode(text)) {
    const size_t colon = text.find(": ");
    error.code = SqliteCodeFor(text.substr(0, colon));
    text.remove_prefix(colon + 2);
  }
  for (std::string_view prefix : kMessagePrefixes) {
    if (text.starts_with(prefix)) {
      text.remove_prefix(prefix.size());
      break;
    }
  }
  // "... (at offset N)": the position SQLite gave when it rejected the statement.
  constexpr std::string_view kOffsetMarker = " (at offset ";
  if (const size_t marker = text.rfind(kOffsetMarker);
      marker != std::string_view::npos && text.ends_with(")")) {
    const std::string_view digits =
        text.substr(marker + kOffsetMarker.size(), text.size() - 1 - marker - kOffsetMarker.size());
    size_t offset = 0;
    const auto [end, failure] =
        std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (failure == std::errc() && end == digits.data() + digits.size()) {
      error.offset = offset;
      text = text.substr(0, marker);
    }
  }
  error.message = std::string(text);
  if (!error.offset && status.kind() == ErrorKind::kSqlError) {
    error.offset = LocalParseOffset(statement_text, error.message);
  }
  if (error.offset && *error.offset > statement_text.size()) error.offset.reset();
  return error;
}

std::string FormatStatementError(const StatementError& error, const SqlStatement& statement,
                                 std::string_view source) {
  const std::string_view text = statement.text;
  int line = statement.first_line;
  size_t line_start = 0;
  if (error.offset) {
    for (size_t i = 0; i < *error.offset; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
  }
  const bool multi_line = text.find('\n') != std::string_view::npos;
  std::string report = "Error";
  if (!source.empty()) {
    report += " in " + std::string(source) + " at line " + std::to_string(line);
  } else if (multi_line && error.offset) {
    report += " at line " + std::to_string(line - statement.first_line + 1) + " of the statement";
  }
  if (error.offset && !source.empty()) {
    report += ", column " + std::to_string(*error.offset - line_start + 1);
  }
  report += ": " + error.message;
  if (!error.code.empty()) report += " (" + error.code + ")";
  report += '\n';
  if (error.offset) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view source_line = text.substr(line_start, line_end - line_start);
    const std::string_view before = text.substr(line_start, *error.offset - line_start);
    report += "  " + std::string(source_line) + "\n";
    // Tabs keep their width in the caret line, so the caret lands under the spot.
    std::string indent;
    for (char c : before) {
      if (c == '\t') indent += '\t';
    }
    report += "  " + indent + std::string(DisplayWidth(before) - indent.size(), ' ') + "^\n";
  }
  return report;
}

}  // namespace edgelite::cli::shell
