// StatementSplitter: turns the lines a user types or a script holds into complete SQL statements,
// each with the line it starts on (for error messages that name a script's line). A statement is
// complete when SQLite says so (sqlite3_complete: a `;` outside strings, comments and trigger
// bodies), so `CREATE TRIGGER ... BEGIN ...; ...; END;` and `'a;b'` stay whole, and one line may
// hold several statements. Text that is only blanks and comments is not a statement.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgelite::cli::shell {

struct SqlStatement {
  std::string text;    // from its first token up to and including its `;` (none at end of input)
  int first_line = 0;  // the line its first token is on, counting from 1
};

class StatementSplitter {
 public:
  // Adds the line numbered `line_number` (without its line break) and returns the statements it
  // completes, in order.
  std::vector<SqlStatement> AddLine(std::string_view line, int line_number);
  // True while incomplete text that is more than blanks and comments is waiting for its `;`.
  bool HasPendingText() const;
  // At the end of input: the unterminated last statement, if any (it runs as it is, as the sqlite3
  // shell runs it). Leaves the splitter empty.
  std::optional<SqlStatement> Finish();
  // Forgets the incomplete text (Ctrl-C while typing).
  void Clear();

 private:
  std::string buffer_;
  int buffer_first_line_ = 0;  // the line buffer_ begins on
};

// True when `sql` holds nothing but blanks and comments.
bool IsBlankSql(std::string_view sql);

// Where the first token of `sql` is: its byte offset, and the number of line breaks before it.
struct TokenStart {
  size_t offset = 0;
  int line_breaks = 0;
};
TokenStart FindFirstToken(std::string_view sql);

// True when `sql` is a complete statement (or several) ending in `;`.
bool IsCompleteSql(std::string_view sql);

}  // namespace edgelite::cli::shell
