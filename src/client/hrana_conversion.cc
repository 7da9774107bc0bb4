// Public SDK types to and from the Hrana model.
#include "client/hrana_conversion.h"

#include <string>
#include <utility>

namespace edgelite::client {

hrana::Stmt ToStmt(std::string_view sql, const Params& params) {
  hrana::Stmt stmt;
  stmt.sql = std::string(sql);
  stmt.args = params.positional;
  stmt.named_args.reserve(params.named.size());
  for (const auto& [name, value] : params.named) stmt.named_args.push_back({name, value});
  return stmt;
}

Rows ToRows(hrana::StmtResult&& result) {
  Rows rows;
  rows.columns.reserve(result.cols.size());
  for (hrana::Column& column : result.cols) {
    rows.columns.push_back({column.name.value_or(""), std::move(column.decltype_name)});
  }
  rows.rows = std::move(result.rows);
  rows.rows_affected = result.affected_row_count;
  rows.last_insert_rowid = result.last_insert_rowid;
  return rows;
}

Status ToStatus(const hrana::Error& error) {
  std::string message = error.code.empty() ? error.message : error.code + ": " + error.message;
  std::string_view code = error.code;
  if (code.starts_with("SQLITE_") || code.starts_with("SQL_") || code == "ARGS_INVALID" ||
      code == "ARGS_BOTH_POSITIONAL_AND_NAMED") {
    return Status::SqlError(std::move(message));
  }
  if (code == "STREAM_EXPIRED" || code == "STREAM_NOT_FOUND") {
    return Status::Unavailable(std::move(message));
  }
  if (code == "NAMESPACE_NOT_FOUND") return Status::NotFound(std::move(message));
  if (code == "AUTH_FAILED" || code == "AUTH_JWT_EXPIRED" || code == "AUTH_JWT_INVALID") {
    return Status::Unauthenticated(std::move(message));
  }
  if (code == "AUTH_PERMISSION_DENIED") return Status::PermissionDenied(std::move(message));
  return Status::InvalidArgument(std::move(message));
}

}  // namespace edgelite::client
