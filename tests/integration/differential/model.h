// The differential test's vocabulary, independent of the wire and of SQLite: the requests a
// client sends on a Hrana stream (what the generator makes, the clients encode and the reference
// executes) and their outcomes (what the clients decode from edgelite and what the reference
// computes), so that both sides are compared field by field in one place (comparison.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace edgelite::differential {

struct Value {
  enum class Type { kNull, kInteger, kFloat, kText, kBlob };
  Type type = Type::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string bytes;  // text (UTF-8) or blob bytes

  static Value Null() { return {}; }
  static Value Integer(int64_t v) { return {Type::kInteger, v, 0, {}}; }
  static Value Float(double v) { return {Type::kFloat, 0, v, {}}; }
  static Value Text(std::string v) { return {Type::kText, 0, 0, std::move(v)}; }
  static Value Blob(std::string v) { return {Type::kBlob, 0, 0, std::move(v)}; }
  bool operator==(const Value& other) const;
};

// What kind of statement a Stmt is, as the generator knows it: it decides which result fields
// are meaningful (affected_row_count for INSERT/UPDATE/DELETE, last_insert_rowid for INSERT).
enum class StatementKind { kOther, kInsert, kUpdate, kDelete };

struct NamedArg {
  std::string wire_name;    // as sent: ":a", "@a", "$a", or without the prefix ("a")
  std::string sqlite_name;  // the parameter as SQLite names it (":a")
  Value value;
};

struct StmtSpec {
  std::string sql;                // always the text, even when sent by sql_id
  std::optional<int32_t> sql_id;  // sent instead of the text (never for a request's first SQL)
  std::vector<Value> args;
  std::vector<NamedArg> named_args;
  bool want_rows = true;
  StatementKind kind = StatementKind::kOther;
};

struct Condition {
  enum class Type { kOk, kError, kNot, kAnd, kOr, kIsAutocommit };
  Type type = Type::kOk;
  uint32_t step = 0;
  std::vector<Condition> children;  // one for kNot, any number for kAnd/kOr
};

struct Step {
  std::optional<Condition> condition;
  StmtSpec stmt;
};

enum class RequestKind {
  kExecute,
  kBatch,
  kCursor,  // a batch read through a cursor (HTTP /v3/cursor, WebSocket open/fetch/close_cursor)
  kSequence,
  kDescribe,
  kGetAutocommit,
  kStoreSql,
  kCloseSql,
  kClose,  // ends the stream (HTTP `close`, WebSocket close_stream)
};

struct Request {
  RequestKind kind = RequestKind::kExecute;
  std::string marker;       // "c3.17": the comment that opens the first SQL, the key in the trace
  StmtSpec stmt;            // kExecute
  std::vector<Step> steps;  // kBatch, kCursor
  std::string sql;          // kSequence, kDescribe, kStoreSql
  int32_t sql_id = 0;       // kStoreSql, kCloseSql

  // Whether the server runs it on a database connection, and so writes it to the trace.
  bool Traced() const;
};

struct ErrorInfo {
  std::string message;
  std::string code;
  bool check_message = true;  // reference side: whether the server's message must contain it
};

struct StmtResult {
  std::vector<std::optional<std::string>> column_names;
  std::vector<std::optional<std::string>> column_decltypes;
  std::vector<std::vector<Value>> rows;
  uint64_t affected_row_count = 0;
  std::optional<int64_t> last_insert_rowid;
  // Reference side: the INSERT left the connection's last_insert_rowid as it was (no row went
  // into a rowid table), so SQLite reports the stream's previous rowid.
  bool rowid_unchanged = false;
};

struct StepOutcome {
  enum class State { kSkipped, kOk, kError };
  State state = State::kSkipped;
  StmtResult result;
  ErrorInfo error;
};

struct DescribeResult {
  std::vector<std::optional<std::string>> params;
  std::vector<std::string> column_names;
  std::vector<std::optional<std::string>> column_decltypes;
  bool is_explain = false;
  bool is_readonly = false;
};

struct Outcome {
  bool failed = false;  // the whole request failed (a Hrana error response)
  ErrorInfo error;
  StmtResult result;               // kExecute
  std::vector<StepOutcome> steps;  // kBatch, kCursor
  DescribeResult describe;         // kDescribe
  bool is_autocommit = false;      // kGetAutocommit
};

// Human-readable forms for failure reports.
std::string Describe(const Value& value);
std::string Describe(const Condition& condition);
std::string Describe(const Request& request);
std::string Describe(const Request& request, const Outcome& outcome);

}  // namespace edgelite::differential
