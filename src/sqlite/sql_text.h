// Lexical facts about SQL text that the server needs before or beside SQLite's own parser: where a
// text has nothing left but blanks, and what kind of statement starts it (transaction control,
// PRAGMA, VACUUM, DML, ...), which decides whether it may share a group-committed transaction and
// which result fields it reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgelite::sqlite {

enum class StatementKind {
  kBegin,           // BEGIN [DEFERRED]: takes the write lock only when it first writes
  kBeginImmediate,  // BEGIN IMMEDIATE, EXCLUSIVE or CONCURRENT (see BeginConcurrentAsImmediate)
  kBeginReadOnly,  // libSQL's "BEGIN [TRANSACTION] READONLY"
  kCommit,         // COMMIT or END
  kRollback,       // ROLLBACK of the whole transaction
  kRollbackTo,     // ROLLBACK TO a savepoint
  kSavepoint,
  kRelease,
  kPragma,
  kVacuum,
  kInsert,  // INSERT or REPLACE
  kUpdate,
  kDelete,
  kSchemaChange,  // CREATE, DROP or ALTER
  kOther,
};

// The kind of the first statement in `sql` (leading blanks, comments and empty statements skipped;
// a leading WITH clause belongs to the statement that follows it).
StatementKind ClassifyStatement(std::string_view sql);

// Turso's `BEGIN CONCURRENT [TRANSACTION]` (its MVCC transactions, which stock SQLite does not
// parse) as edgelite runs it, an IMMEDIATE transaction: `sql` with CONCURRENT replaced by
// "IMMEDIATE " (as long, so that offsets into either text hold for the other), or nullopt when
// `sql` does not start with it.
std::optional<std::string> BeginConcurrentAsImmediate(std::string_view sql);

// True for statements that control transactions and so cannot run inside another one.
bool IsTransactionControl(StatementKind kind);

// True when `text` holds only white space, comments and semicolons.
bool IsBlankSql(std::string_view text);

// Skips white space and comments at the start of `text`.
std::string_view SkipBlanks(std::string_view text);

// Splits a script into its statements without preparing them (a later statement may use a table
// an earlier one creates): each piece ends at a semicolon that SQLite's tokenizer sees as the end
// of a complete statement (sqlite3_complete), so semicolons in strings, comments and trigger
// bodies stay inside. Blank pieces are dropped; a last statement without a semicolon is kept.
std::vector<std::string_view> SplitSqlStatements(std::string_view script);

}  // namespace edgelite::sqlite
