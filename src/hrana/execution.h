// The vocabulary of request execution shared by the executor and the server: where a request runs
// (a pooled read connection, the writer inside a group-committed transaction, or the writer alone),
// what the executor may ask for instead of finishing (to be moved to the writer, or to run alone),
// and the request-level failures that end a whole HTTP request.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "hrana/model.h"
#include "hrana/protocol_version.h"
#include "hrana/sql_store.h"
#include "sqlite/connection.h"

namespace edgelite::hrana {

enum class Placement {
  kReader,        // a pooled query_only connection; the stream is in autocommit mode
  kWriterGroup,   // the writer, inside a transaction shared with other autocommit requests
  kPinnedReader,  // a query_only connection the stream holds for its read-only transaction
  kOwn,           // a read-write connection of the stream's own: its transaction or its session state
};

// The executor stopped before the request had any effect that matters: run it again elsewhere.
//   kToWriter: it writes; the writer group-commits it.
//   kToWriterAlone: it cannot share the group's transaction after all (it would have failed at
//     its own commit, or it took the group's transaction down): it runs alone, on a connection
//     of its stream's own, once the group is settled.
//   kToOwnConnection: it opens a transaction or leaves state on its connection (TEMP objects,
//     ATTACH, a setting), which must follow this stream and no other: it gets a connection of its
//     own, as every stream has on sqld.
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

// What a stream carries from one request to the next besides its connection.
struct StreamState {
  sqlite::Session session;             // what last_insert_rowid(), changes()... read back
  bool read_only_transaction = false;  // its open transaction began with BEGIN ... READONLY
  // Its transaction sat idle holding the write lock past the timeout while others waited, and was
  // rolled back: statements fail with TRANSACTION_TIMEOUT until the client ends the transaction.
  bool transaction_timed_out = false;
};

// The database's write lock for a stream running on a connection of its own: the writer hands it
// over and runs nothing until it is given back, so the stream's writes never wait in SQLite's
// busy handler against the writer's group commits.
class WriteGrant {
 public:
  virtual ~WriteGrant() = default;
  // Waits for the lock if the stream does not hold it yet; false if it could not be had in time.
  virtual bool Acquire() = 0;
};

// What the namespace's config blocks (the admin API's block_reads, block_writes, block_reason).
struct Blocks {
  bool reads = false;   // every statement
  bool writes = false;  // statements that write (or take the write lock)
  std::string reason;
};

// Hears about every statement that ran to completion (the namespace's usage counters).
class StatementObserver {
 public:
  virtual ~StatementObserver() = default;
  virtual void Record(std::string_view sql, uint64_t rows_read, uint64_t rows_written,
                      double elapsed_ms) = 0;
};

struct ExecutionContext {
  sqlite::Connection* connection = nullptr;
  Placement placement = Placement::kReader;
  ProtocolVersion version = ProtocolVersion::kV2;
  SqlStore* sql_store = nullptr;  // may be null on v1
  bool may_write = true;
  std::string namespace_name = "default";
  Blocks blocks;
  StatementObserver* statements = nullptr;  // may be null
  // How many result bytes this request may still produce (--max-response-size, per result).
  size_t response_budget = 10 * 1024 * 1024;
  // The replication index to report after a statement that ran outside a group commit.
  std::function<uint64_t()> replication_index;
  // The stream's state as this run found it and leaves it; kept only from the run that counts.
  StreamState state;
  WriteGrant* write_grant = nullptr;  // on kOwn
  // Set by the executor: a statement left state on the connection (kOwn), so the connection is
  // the stream's for the rest of its life.
  bool session_state_changed = false;
};

// Whether the stream is in autocommit mode: true inside a group commit, whose transaction is the
// writer's, not the stream's.
inline bool StreamInAutocommit(const ExecutionContext& context) {
  return context.placement == Placement::kWriterGroup || context.connection == nullptr ||
         context.connection->autocommit();
}

}  // namespace edgelite::hrana
