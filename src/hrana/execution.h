// The vocabulary of request execution shared by the executor and the server: where a request runs
// (a pooled read connection, the writer inside a group-committed transaction, or the writer alone),
// what the executor may ask for instead of finishing (to be moved to the writer, or to run alone),
// and the request-level failures that end a whole HTTP request.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "hrana/model.h"
#include "hrana/protocol_version.h"
#include "hrana/sql_store.h"
#include "sqlite/connection.h"

namespace edgelite::hrana {

enum class Placement {
  kReader,       // a pooled query_only connection, no transaction of the stream's own
  kWriterGroup,  // the writer, inside a transaction shared with other autocommit requests
  kWriterAlone,  // the writer in autocommit mode, or in the stream's own transaction
  kPinned,       // a connection the stream holds for its open transaction
};

// The executor stopped before the request had any effect that matters: run it again elsewhere.
// kToOwnConnection is for a deferred transaction: it gets a read-write connection of its own, so
// it holds no lock (and blocks no other writer) until it first writes, as on sqld.
struct Escalation {
  enum class Kind { kToWriter, kToWriterAlone, kToOwnConnection };
  Kind kind;
};

// A failure of the whole HTTP request rather than of one statement (docs/protocol.md §5.2).
struct RequestFailure {
  int http_status = 400;  // 400 protocol error (text/plain), 403 forbidden
  std::string message;
};

using RequestOutcome = std::variant<StreamResult, Escalation, RequestFailure>;

struct ExecutionContext {
  sqlite::Connection* connection = nullptr;
  Placement placement = Placement::kReader;
  ProtocolVersion version = ProtocolVersion::kV2;
  SqlStore* sql_store = nullptr;  // may be null on v1
  bool may_write = true;
  std::string namespace_name = "default";
  // Shared by all requests of one HTTP request: how many result bytes may still be produced.
  size_t response_budget = 10 * 1024 * 1024;
  // The replication index to report after a statement that ran outside a group commit.
  std::function<uint64_t()> replication_index;
};

}  // namespace edgelite::hrana
