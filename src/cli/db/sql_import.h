// ImportSql: SQL text (a dump, or any script) run on a database in one transaction, so that it
// lands whole or not at all. Statements go in chunks of about a megabyte, each chunk one request,
// so that a large dump neither needs one huge request nor one round trip per row. The dump's own
// `BEGIN TRANSACTION;` and `COMMIT;` give way to the import's transaction.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "edgelite/connection.h"
#include "edgelite/status.h"

namespace edgelite::cli {

// Fails with the error of the chunk that failed, naming `source` and the line its first statement
// starts on; the transaction is then rolled back.
Status ImportSql(Connection& connection, std::istream& sql, std::string_view source);

// The SQL of `file`: its text when it is a dump, or the dump of it (made in this process, through a
// temporary file) when it is a SQLite database file.
Result<std::unique_ptr<std::istream>> SqlOfFile(const std::string& file);

}  // namespace edgelite::cli
