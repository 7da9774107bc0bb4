// Statement splitting by sqlite3_complete: the candidate ends are the semicolons; the first one at
// which the text so far is complete ends a statement. A semicolon inside a string, a comment or a
// trigger body leaves the text incomplete, so it is passed over.
#include "cli/shell/statement_splitter.h"

#include <sqlite3.h>

namespace edgelite::cli::shell {

bool IsCompleteSql(std::string_view sql) {
  const std::string terminated(sql);  // sqlite3_complete wants a NUL-terminated string
  return sqlite3_complete(terminated.c_str()) != 0;
}

TokenStart FindFirstToken(std::string_view sql) {
  TokenStart start;
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\n') {
      ++start.line_breaks;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) i = sql.size();
    } else if (sql.substr(i, 2) == "/*") {
      const size_t end = sql.find("*/", i + 2);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 2;
      for (size_t k = i; k < stop; ++k) start.line_breaks += sql[k] == '\n';
      i = stop;
    } else {
      break;
    }
  }
  start.offset = i;
  return start;
}

bool IsBlankSql(std::string_view sql) {
  return FindFirstToken(sql).offset == sql.size();
}

std::vector<SqlStatement> StatementSplitter::AddLine(std::string_view line, int line_number) {
  if (buffer_.empty()) buffer_first_line_ = line_number;
  buffer_.append(line);
  buffer_ += '\n';
  std::vector<SqlStatement> statements;
  size_t start = 0;
  size_t candidate = buffer_.find(';');
  while (candidate != std::string::npos) {
    const std::string_view text = std::string_view(buffer_).substr(start, candidate + 1 - start);
    if (IsCompleteSql(text)) {
      const TokenStart token = FindFirstToken(text);
      // A lone `;` (or one after comments) is an empty statement: nothing to run.
      if (token.offset + 1 < text.size()) {
        statements.push_back(
            {std::string(text.substr(token.offset)), buffer_first_line_ + token.line_breaks});
      }
      for (size_t k = start; k <= candidate; ++k) buffer_first_line_ += buffer_[k] == '\n';
      start = candidate + 1;
    }
    candidate = buffer_.find(';', candidate + 1);
  }
  buffer_.erase(0, start);
  return statements;
}

bool StatementSplitter::HasPendingText() const {
  return !IsBlankSql(buffer_);
}

std::optional<SqlStatement> StatementSplitter::Finish() {
  std::optional<SqlStatement> statement;
  if (HasPendingText()) {
    const TokenStart token = FindFirstToken(buffer_);
    std::string text = buffer_.substr(token.offset);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' ||
                             text.back() == '\r')) {
      text.pop_back();
    }
    statement = SqlStatement{std::move(text), buffer_first_line_ + token.line_breaks};
  }
  Clear();
  return statement;
}

void StatementSplitter::Clear() {
  buffer_.clear();
}

}  // namespace edgelite::cli::shell
