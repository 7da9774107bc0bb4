// StatementError: a failed statement as the shell reports it — SQLite's message and result code,
// and where in the statement the error is when that can be known, shown as the line with a caret
// under the spot:
//
//   Error in schema.sql at line 7, column 8: no such table: userz (SQLITE_ERROR)
//     SELECT * FROM userz;
//                   ^
//
// The SDK reports failures the way the wire protocol carries them (`SQL_INPUT_ERROR: SQL input
// error: ... (at offset N)`, `SQLITE_CONSTRAINT: SQLite error: ...`). This reads those back into
// SQLite's own code and message. A syntax error comes without a position over the wire; since
// parsing needs no schema, the statement is parsed again locally (in an empty in-memory database)
// and the position taken from there when that parse fails with the same message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cli/shell/statement_splitter.h"
#include "edgelite/status.h"

namespace edgelite::cli::shell {

struct StatementError {
  std::string message;           // SQLite's message, e.g. `no such table: t`
  std::string code;              // SQLite's result code name, e.g. `SQLITE_ERROR`; may be empty
  std::optional<size_t> offset;  // byte offset in the statement's text
};

// Reads a failed statement's Status (kSqlError) back into SQLite's terms.
StatementError ReadStatementError(const Status& status, std::string_view statement_text);

// The report the shell prints, ending with a line break. `source` names the script ("stdin", a
// file name), or is empty at the interactive prompt, where no line number is given unless the
// statement spans lines.
std::string FormatStatementError(const StatementError& error, const SqlStatement& statement,
                                 std::string_view source);

}  // namespace edgelite::cli::shell
