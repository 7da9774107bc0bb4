// Stream: the server side of one Hrana stream, the unit that holds a SQL connection's state for a
// client across requests: stored SQL texts, the values its statements read back
// (last_insert_rowid(), changes(), ...), and the connection it holds, if any:
// - none: reads run on pooled read connections, writes are group-committed by the writer;
// - a pooled read connection, for a read-only transaction;
// - a read-write connection of its own, for a transaction or for state that stays on a
//   connection (TEMP objects, ATTACH, a PRAGMA setting). A connection that only served a
//   transaction goes back to the pool when the transaction ends; one that holds state is the
//   stream's until the stream ends, and is then closed, so no pooled connection ever carries one
//   client's state into another's request.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "hrana/execution.h"
#include "hrana/sql_store.h"
#include "server/database.h"
#include "server/read_pool.h"

namespace edgelite::server {

struct Stream;

// The write grant of a stream on a connection of its own (Writer::AcquireGrant). Touched by the
// stream's runs and, to revoke it, by the writer: both under the stream's connection_mutex.
class StreamWriteGrant : public hrana::WriteGrant, public GrantHolder {
 public:
  StreamWriteGrant(Writer* writer, Stream* stream) : writer_(writer), stream_(stream) {}
  ~StreamWriteGrant() override { Release(); }
  StreamWriteGrant(const StreamWriteGrant&) = delete;
  StreamWriteGrant& operator=(const StreamWriteGrant&) = delete;

  bool Acquire() override;
  void Release();
  std::optional<std::chrono::steady_clock::time_point> Revoke(
      std::chrono::milliseconds timeout) override;
  bool held() const { return held_; }

 private:
  Writer* writer_;
  Stream* stream_;
  bool held_ = false;
};

struct Stream {
  enum class Pin { kNone, kReader, kOwn };

  Stream(uint64_t id, std::shared_ptr<Database> database, size_t max_sql_count,
         size_t max_sql_bytes)
      : id(id),
        database(std::move(database)),
        sql_store(max_sql_count, max_sql_bytes),
        write_grant(&this->database->writer(), this) {}

  // Whether a transaction of the stream's is open.
  bool in_transaction() const {
    return pin != Pin::kNone && connection.get() && !connection.get()->autocommit();
  }

  // Whether the stream holds nothing but its session values: no connection (so no transaction and
  // no state on one), no stored SQL, no timed-out transaction its client has yet to end. Expiry
  // loses nothing of such a stream, and a baton issued while it is so revives it
  // (StreamRegistry). `pin` first: the writer may set transaction_timed_out of a stream that holds
  // its own connection.
  bool stateless() const {
    return pin == Pin::kNone && !state.transaction_timed_out && sql_store.empty();
  }

  const uint64_t id;
  // Shared: a namespace is unloaded only once no stream (or request) holds it.
  const std::shared_ptr<Database> database;
  hrana::SqlStore sql_store;
  hrana::StreamState state;
  // Held while the stream's own connection runs a request, and by the writer to revoke the grant.
  std::mutex connection_mutex;
  // When the last request on the stream's own connection ended (for the transaction timeout).
  std::chrono::steady_clock::time_point idle_since = std::chrono::steady_clock::now();
  Pin pin = Pin::kNone;
  StreamWriteGrant write_grant;  // before `connection`: released after its rollback
  ReadLease connection;          // held while pin != kNone
  bool holds_state = false;      // the connection (kOwn) holds this stream's state: never pooled
  uint64_t sequence = 0;  // of the next baton the client must present
  bool registered = false;  // known to the StreamRegistry (it has had a baton)
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
};

}  // namespace edgelite::server
