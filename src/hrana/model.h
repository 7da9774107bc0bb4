// The Hrana request and result model: what every protocol version and encoding (HTTP v1/v2/v3, JSON,
// later protobuf and WebSocket) decodes into and encodes from. The executor works only on these
// types; codecs know nothing of SQLite, and the executor knows nothing of JSON or protobuf.
//
// Field names follow the Hrana 3 spec (`docs/protocol.md` §3) including the libSQL extensions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "edgelite/value.h"

namespace edgelite::hrana {

// An error reported to the client: statement errors go into a result, protocol errors end a request.
struct Error {
  std::string message;
  std::string code;  // e.g. "SQLITE_CONSTRAINT", "SQL_PARSE_ERROR", "STREAM_EXPIRED"
  // SQLite's extended result code (e.g. 1555 SQLITE_CONSTRAINT_PRIMARYKEY) when SQLite failed; 0
  // otherwise. Not part of Hrana; the write proxy reports it to embedded replicas, as sqld does.
  int sqlite_extended_code = 0;
  bool operator==(const Error& other) const {
    return message == other.message && code == other.code;
  }
};

struct NamedArg {
  std::string name;
  Value value;
};

struct Stmt {
  std::optional<std::string> sql;
  std::optional<int32_t> sql_id;
  std::vector<Value> args;
  std::vector<NamedArg> named_args;
  bool want_rows = true;
  std::optional<uint64_t> replication_index;  // libSQL extension
};

struct Column {
  std::optional<std::string> name;
  std::optional<std::string> decltype_name;  // "decltype" on the wire
};

struct StmtResult {
  std::vector<Column> cols;
  std::vector<std::vector<Value>> rows;
  uint64_t affected_row_count = 0;
  std::optional<int64_t> last_insert_rowid;
  // libSQL extensions, always emitted.
  std::optional<uint64_t> replication_index;
  uint64_t rows_read = 0;
  uint64_t rows_written = 0;
  double query_duration_ms = 0;
};

// A batch step condition. A small tree: kNot has one child, kAnd/kOr any number.
struct BatchCond {
  enum class Kind { kOk, kError, kNot, kAnd, kOr, kIsAutocommit };
  Kind kind = Kind::kOk;
  uint32_t step = 0;             // kOk, kError
  std::vector<BatchCond> conds;  // kNot (exactly one), kAnd, kOr
};

struct BatchStep {
  std::optional<BatchCond> condition;
  Stmt stmt;
};

struct Batch {
  std::vector<BatchStep> steps;
  std::optional<uint64_t> replication_index;  // libSQL extension
};

struct BatchResult {
  std::vector<std::optional<StmtResult>> step_results;  // one per step
  std::vector<std::optional<Error>> step_errors;        // one per step
  std::optional<uint64_t> replication_index;
};

struct DescribeParam {
  std::optional<std::string> name;
};

struct DescribeColumn {
  std::string name;
  std::optional<std::string> decltype_name;
};

struct DescribeResult {
  std::vector<DescribeParam> params;
  std::vector<DescribeColumn> cols;
  bool is_explain = false;
  bool is_readonly = false;
};

// --- Stream requests (the body of a pipeline entry or a WebSocket request) ---

struct CloseRequest {};
struct ExecuteRequest {
  Stmt stmt;
};
struct BatchRequest {
  Batch batch;
};
// `sequence` and `describe` carry either SQL text or a stored SQL id (exactly one).
struct SequenceRequest {
  std::optional<std::string> sql;
  std::optional<int32_t> sql_id;
  std::optional<uint64_t> replication_index;
};
struct DescribeRequest {
  std::optional<std::string> sql;
  std::optional<int32_t> sql_id;
  std::optional<uint64_t> replication_index;
};
struct StoreSqlRequest {
  int32_t sql_id = 0;
  std::string sql;
};
struct CloseSqlRequest {
  int32_t sql_id = 0;
};
struct GetAutocommitRequest {};

using StreamRequest =
    std::variant<CloseRequest, ExecuteRequest, BatchRequest, SequenceRequest, DescribeRequest,
                 StoreSqlRequest, CloseSqlRequest, GetAutocommitRequest>;

struct CloseResponse {};
struct ExecuteResponse {
  StmtResult result;
};
struct BatchResponse {
  BatchResult result;
};
struct SequenceResponse {};
struct DescribeResponse {
  DescribeResult result;
};
struct StoreSqlResponse {};
struct CloseSqlResponse {};
struct GetAutocommitResponse {
  bool is_autocommit = true;
};

using StreamResponse =
    std::variant<CloseResponse, ExecuteResponse, BatchResponse, SequenceResponse, DescribeResponse,
                 StoreSqlResponse, CloseSqlResponse, GetAutocommitResponse>;

// One entry of a pipeline's results: a response, or the error that request failed with.
using StreamResult = std::variant<StreamResponse, Error>;

// --- HTTP pipeline and cursor bodies (v2/v3) ---

struct PipelineRequest {
  std::optional<std::string> baton;
  std::vector<StreamRequest> requests;
};

struct PipelineResponse {
  std::optional<std::string> baton;
  std::optional<std::string> base_url;
  std::vector<StreamResult> results;
};

struct CursorRequest {
  std::optional<std::string> baton;
  Batch batch;
};

struct CursorHeader {
  std::optional<std::string> baton;
  std::optional<std::string> base_url;
};

struct StepBeginEntry {
  uint32_t step = 0;
  std::vector<Column> cols;
};
struct StepEndEntry {
  uint64_t affected_row_count = 0;
  std::optional<int64_t> last_insert_rowid;
};
struct RowEntry {
  std::vector<Value> row;
};
struct StepErrorEntry {
  uint32_t step = 0;
  Error error;
};
struct ErrorEntry {
  Error error;
};
// libSQL extension: the last entry of a cursor, the frame number after the batch.
struct ReplicationIndexEntry {
  std::optional<uint64_t> replication_index;
};

using CursorEntry = std::variant<StepBeginEntry, StepEndEntry, RowEntry, StepErrorEntry,
                                 ErrorEntry, ReplicationIndexEntry>;

// --- Legacy `POST /` API (docs/protocol.md §2.4) ---

struct LegacyStatement {
  std::string sql;
  std::vector<Value> positional_params;
  std::vector<NamedArg> named_params;  // name as sent (with or without the :/@/$ prefix)
};

struct LegacyRequest {
  std::vector<LegacyStatement> statements;
  std::optional<uint64_t> replication_index;
};

struct LegacyResult {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  uint64_t rows_read = 0;
  uint64_t rows_written = 0;
  double query_duration_ms = 0;
};

// Per statement: a result, an error message, or nothing (skipped after an earlier failure).
using LegacyStatementOutcome = std::variant<std::monostate, LegacyResult, std::string>;

}  // namespace edgelite::hrana
