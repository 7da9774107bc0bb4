// Dispatch of stream requests to the statement and batch executors.
#include "hrana/request_executor.h"

#include <fmt/format.h>

#include "hrana/batch_executor.h"
#include "hrana/stmt_executor.h"
#include "sqlite/sql_text.h"

namespace edgelite::hrana {
namespace {

RequestOutcome ExecuteSequence(ExecutionContext& context, const SequenceRequest& request) {
  auto resolved = ResolveSql(context, request.sql, request.sql_id);
  if (auto* failure = std::get_if<RequestFailure>(&resolved)) return *failure;
  std::string_view remaining = *std::get<const std::string*>(resolved);
  if (auto error = CheckSqlText(remaining)) return StreamResult(std::move(*error));
  // Each statement runs as its own Stmt so that it goes through the same placement and
  // permission checks as `execute`.
  while (!sqlite::IsBlankSql(remaining)) {
    sqlite::SqliteError error;
    auto prepared = context.connection->Prepare(remaining, &error);
    if (!prepared.ok()) return StreamResult(ErrorForPrepare(error));
    std::string_view tail = prepared->tail;
    if (tail.size() >= remaining.size()) {
      // SQLite consumed nothing: the text cannot be split further.
      return StreamResult(Error{"SQL string could not be parsed", "SQL_PARSE_ERROR"});
    }
    std::string_view text = remaining.substr(0, remaining.size() - tail.size());
    prepared->statement.reset();  // ExecuteStmt prepares it again, from the cache
    remaining = tail;
    if (sqlite::IsBlankSql(text)) continue;
    Stmt stmt;
    stmt.sql = std::string(text);
    stmt.want_rows = false;
    StmtOutcome outcome = ExecuteStmt(context, stmt);
    if (auto* stmt_error = std::get_if<Error>(&outcome)) return StreamResult(*stmt_error);
    if (auto* escalation = std::get_if<Escalation>(&outcome)) return *escalation;
    if (auto* failure = std::get_if<RequestFailure>(&outcome)) return *failure;
  }
  return StreamResult(StreamResponse(SequenceResponse{}));
}

RequestOutcome ExecuteDescribe(ExecutionContext& context, const DescribeRequest& request) {
  auto resolved = ResolveSql(context, request.sql, request.sql_id);
  if (auto* failure = std::get_if<RequestFailure>(&resolved)) return *failure;
  const std::string& sql = *std::get<const std::string*>(resolved);
  if (auto text_error = CheckSqlText(sql)) return StreamResult(std::move(*text_error));
  sqlite::SqliteError error;
  (void)context.connection->RefreshSchema();
  auto prepared = context.connection->Prepare(sql, &error, /*use_cache=*/false);
  if (!prepared.ok()) return StreamResult(ErrorForPrepare(error, /*describe=*/true));
  if (!prepared->statement) {
    return StreamResult(Error{"SQL string does not contain any statement", "SQL_NO_STATEMENT"});
  }
  if (!sqlite::IsBlankSql(prepared->tail)) {
    return StreamResult(
        Error{"SQL string contains more than one statement", "SQL_MANY_STATEMENTS"});
  }
  sqlite::Statement& statement = **prepared->statement;
  // A statement that leaves client state prepares as a no-op on a shared connection, and would
  // be described as one: describe it where it may take effect, as on sqld, where preparing a
  // setting applies it.
  if (statement.facts().changes_session) {
    if (context.connection->takes_client_state()) {
      context.session_state_changed = true;
    } else if (context.placement == Placement::kPinnedReader) {
      return StreamResult(ClientStateInReadOnlyTransaction());
    } else {
      return Escalation{Escalation::Kind::kToOwnConnection};
    }
  }
  DescribeResult result;
  for (int i = 1; i <= statement.parameter_count(); ++i) {
    DescribeParam param;
    if (auto name = statement.parameter_name(i)) param.name = std::string(*name);
    result.params.push_back(std::move(param));
  }
  for (int i = 0; i < statement.column_count(); ++i) {
    DescribeColumn column;
    column.name = std::string(statement.column_name(i).value_or(""));
    if (auto type = statement.column_decltype(i)) column.decltype_name = std::string(*type);
    result.cols.push_back(std::move(column));
  }
  result.is_explain = statement.is_explain();
  result.is_readonly = statement.readonly();
  return StreamResult(StreamResponse(DescribeResponse{std::move(result)}));
}

}  // namespace

bool NeedsConnection(const StreamRequest& request) {
  return !std::holds_alternative<CloseRequest>(request) &&
         !std::holds_alternative<StoreSqlRequest>(request) &&
         !std::holds_alternative<CloseSqlRequest>(request);
}

RequestOutcome RunStreamRequest(ExecutionContext& context, const StreamRequest& request) {
  if (auto* execute = std::get_if<ExecuteRequest>(&request)) {
    StmtOutcome outcome = ExecuteStmt(context, execute->stmt);
    if (auto* result = std::get_if<StmtResult>(&outcome)) {
      return StreamResult(StreamResponse(ExecuteResponse{std::move(*result)}));
    }
    if (auto* error = std::get_if<Error>(&outcome)) return StreamResult(std::move(*error));
    if (auto* escalation = std::get_if<Escalation>(&outcome)) return *escalation;
    return std::get<RequestFailure>(outcome);
  }
  if (auto* batch = std::get_if<BatchRequest>(&request)) {
    BatchOutcome outcome = ExecuteBatch(context, batch->batch);
    if (auto* result = std::get_if<BatchResult>(&outcome)) {
      return StreamResult(StreamResponse(BatchResponse{std::move(*result)}));
    }
    if (auto* escalation = std::get_if<Escalation>(&outcome)) return *escalation;
    return std::get<RequestFailure>(outcome);
  }
  if (auto* sequence = std::get_if<SequenceRequest>(&request)) {
    return ExecuteSequence(context, *sequence);
  }
  if (auto* describe = std::get_if<DescribeRequest>(&request)) {
    return ExecuteDescribe(context, *describe);
  }
  if (auto* store = std::get_if<StoreSqlRequest>(&request)) {
    if (!context.sql_store) return RequestFailure{400, "Stored SQL needs Hrana 2 or later"};
    if (auto error = context.sql_store->Store(store->sql_id, store->sql)) {
      if (error->code == "SQL_STORE_EXISTS") return RequestFailure{400, error->message};
      return StreamResult(std::move(*error));
    }
    return StreamResult(StreamResponse(StoreSqlResponse{}));
  }
  if (auto* close_sql = std::get_if<CloseSqlRequest>(&request)) {
    if (context.sql_store) context.sql_store->Close(close_sql->sql_id);
    return StreamResult(StreamResponse(CloseSqlResponse{}));
  }
  if (std::holds_alternative<GetAutocommitRequest>(request)) {
    if (context.version < kAutocommitSince) {
      return RequestFailure{400, "The get_autocommit request needs Hrana 2 or later"};
    }
    return StreamResult(StreamResponse(GetAutocommitResponse{StreamInAutocommit(context)}));
  }
  return StreamResult(StreamResponse(CloseResponse{}));
}

void StampReplicationIndex(StreamResult& result, uint64_t replication_index) {
  auto* response = std::get_if<StreamResponse>(&result);
  if (!response) return;
  if (auto* execute = std::get_if<ExecuteResponse>(response)) {
    execute->result.replication_index = replication_index;
  } else if (auto* batch = std::get_if<BatchResponse>(response)) {
    batch->result.replication_index = replication_index;
    for (auto& step : batch->result.step_results) {
      if (step) step->replication_index = replication_index;
    }
  }
}

}  // namespace edgelite::hrana
