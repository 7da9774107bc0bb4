// Connection and Statement forward to the mode's backend.
#include "edgelite/connection.h"

#include "client/connection_backend.h"
#include "client/hrana_conversion.h"
#include "hrana/stmt_executor.h"
#include "sqlite/sql_text.h"

namespace edgelite {

Status ConnectionBackend::ExecuteScript(std::string_view sql) {
  if (auto error = hrana::CheckSqlText(sql)) return client::ToStatus(*error);
  for (std::string_view statement : sqlite::SplitSqlStatements(sql)) {
    auto rows = Execute(statement, {});
    if (!rows.ok()) return rows.status();
  }
  return Status::Ok();
}

Statement::Statement(std::unique_ptr<StatementBackend> backend) : backend_(std::move(backend)) {}
Statement::~Statement() = default;

Result<Rows> Statement::Execute(const Params& params) {
  Rows rows;
  if (Status status = backend_->Execute(params, &rows); !status.ok()) return status;
  return rows;
}

Status Statement::Execute(const Params& params, Rows* rows) {
  return backend_->Execute(params, rows);
}

Connection::Connection(std::unique_ptr<ConnectionBackend> backend) : backend_(std::move(backend)) {}
Connection::~Connection() = default;

Result<Rows> Connection::Execute(std::string_view sql, const Params& params) {
  return backend_->Execute(sql, params);
}

Status Connection::ExecuteScript(std::string_view sql) {
  return backend_->ExecuteScript(sql);
}

Result<std::unique_ptr<Statement>> Connection::Prepare(std::string_view sql) {
  auto backend = backend_->Prepare(sql);
  if (!backend.ok()) return backend.status();
  return std::make_unique<Statement>(std::move(backend).value());
}

bool Connection::is_autocommit() const {
  return backend_->is_autocommit();
}

void Connection::Interrupt() { backend_->Interrupt(); }

}  // namespace edgelite
