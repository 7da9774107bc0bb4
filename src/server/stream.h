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

#include "hrana/execution.h"
#include "hrana/sql_store.h"
#include "server/database.h"
#include "server/read_pool.h"

namespace edgelite::server {

// The write grant of a stream on a connection of its own (Writer::AcquireGrant).
class StreamWriteGrant : public hrana::WriteGrant {
 public:
  explicit StreamWriteGrant(Writer* writer) : writer_(writer) {}
  ~StreamWriteGrant() override { Release(); }
  StreamWriteGrant(const StreamWriteGrant&) = delete;
  StreamWriteGrant& operator=(const StreamWriteGrant&) = delete;

  bool Acquire() override;
  void Release();
  bool held() const { return held_; }

 private:
  Writer* writer_;
  bool held_ = false;
};

struct Stream {
  enum class Pin { kNone, kReader, kOwn };

  Stream(uint64_t id, Database* database, size_t max_sql_count, size_t max_sql_bytes)
      : id(id),
        database(database),
        sql_store(max_sql_count, max_sql_bytes),
        write_grant(&database->writer()) {}

  // Whether a transaction of the stream's is open.
  bool in_transaction() const {
    return pin != Pin::kNone && connection.get() && !connection.get()->autocommit();
  }

  const uint64_t id;
  Database* const database;
  hrana::SqlStore sql_store;
  hrana::StreamState state;
  Pin pin = Pin::kNone;
  StreamWriteGrant write_grant;  // before `connection`: released after its rollback
  ReadLease connection;          // held while pin != kNone
  bool holds_state = false;      // the connection (kOwn) holds this stream's state: never pooled
  uint64_t sequence = 0;  // of the next baton the client must present
  bool registered = false;  // known to the StreamRegistry (it has had a baton)
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
};

}  // namespace edgelite::server
