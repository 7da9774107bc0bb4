// ConnectionBackend and StatementBackend: what a Connection and a Statement of the public API do in
// one mode (local file, remote server, embedded replica). The public classes only forward to them.
#pragma once

#include <memory>
#include <string_view>

#include "edgelite/rows.h"
#include "edgelite/status.h"

namespace edgelite {

class StatementBackend {
 public:
  virtual ~StatementBackend() = default;
  // Runs the statement into `*rows`, reusing the storage it holds (Statement::Execute).
  virtual Status Execute(const Params& params, Rows* rows) = 0;
};

// A result produced whole, moved into `*rows`.
inline Status MoveInto(Result<Rows> result, Rows* rows) {
  if (!result.ok()) return result.status();
  *rows = std::move(result).value();
  return Status::Ok();
}

class ConnectionBackend {
 public:
  virtual ~ConnectionBackend() = default;
  virtual Result<Rows> Execute(std::string_view sql, const Params& params) = 0;
  // By default every statement of the script in turn through Execute (a statement may use a
  // table an earlier one created, so they are split, not prepared, up front).
  virtual Status ExecuteScript(std::string_view sql);
  virtual Result<std::unique_ptr<StatementBackend>> Prepare(std::string_view sql) = 0;
  virtual bool is_autocommit() const = 0;
  // Connection::Interrupt.
  virtual void Interrupt() = 0;
};

}  // namespace edgelite
