// Connection and Statement: running SQL on a Database. The same calls work in every mode; where a
// statement runs is the mode's business: in the local file, on the remote server, or, for an
// embedded replica, reads in the local replica and writes (and everything inside a transaction)
// on the primary, after which the replica catches up before the call returns.
//
// A Connection is used by one thread at a time and keeps its own transaction state: BEGIN ...
// COMMIT across several Execute calls forms one transaction.
#pragma once

#include <memory>
#include <string_view>

#include "edgelite/rows.h"
#include "edgelite/status.h"

namespace edgelite {

class ConnectionBackend;
class StatementBackend;

// A statement prepared once and run many times with different parameters. Only valid while its
// Connection lives.
class Statement {
 public:
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Result<Rows> Execute(const Params& params = {});
  // Execute into `*rows`, reusing the storage it already holds: a loop that runs a statement into
  // the same Rows (with the same Params object) allocates nothing once warm, which is what a
  // read-heavy loop on an embedded replica wants. After a failure `*rows` holds nothing useful.
  Status Execute(const Params& params, Rows* rows);

  explicit Statement(std::unique_ptr<StatementBackend> backend);

 private:
  std::unique_ptr<StatementBackend> backend_;
};

class Connection {
 public:
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (the text may end with a semicolon and blanks, nothing more).
  Result<Rows> Execute(std::string_view sql, const Params& params = {});
  // Runs every statement of `sql` in order, stopping at the first failure, which is returned.
  Status ExecuteScript(std::string_view sql);
  // Prepares one statement for repeated Execute calls.
  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql);
  // False while a transaction is open on this connection.
  bool is_autocommit() const;
  // From another thread, or a signal handler (Ctrl-C): the statement running on this connection
  // fails soon with SQLITE_INTERRUPT; one that starts later is not affected. A local statement is
  // stopped by SQLite (a write is rolled back). A remote one is abandoned: the server may still
  // have run it, and a transaction open on the connection is lost (later calls fail until it is
  // rolled back). On an embedded replica only local reads stop; a write on the primary runs on.
  void Interrupt();

  explicit Connection(std::unique_ptr<ConnectionBackend> backend);

 private:
  std::unique_ptr<ConnectionBackend> backend_;
};

}  // namespace edgelite
