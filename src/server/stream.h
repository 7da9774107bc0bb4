// Stream: the server side of one Hrana stream, the unit that holds a SQL connection's state for a
// client across requests: stored SQL texts and, while the client has a transaction open, the
// connection that transaction lives on (a read connection, or the writer).
#pragma once

#include <chrono>
#include <cstdint>

#include "hrana/sql_store.h"
#include "server/database.h"
#include "server/read_pool.h"

namespace edgelite::server {

struct Stream {
  enum class Pin { kNone, kReader, kWriter };

  Stream(uint64_t id, Database* database, size_t max_sql_count, size_t max_sql_bytes)
      : id(id), database(database), sql_store(max_sql_count, max_sql_bytes) {}

  const uint64_t id;
  Database* const database;
  hrana::SqlStore sql_store;
  Pin pin = Pin::kNone;
  ReadLease reader;  // held while pin == kReader (a read or a deferred-transaction connection)
  uint64_t sequence = 0;  // of the next baton the client must present
  bool registered = false;  // known to the StreamRegistry (it has had a baton)
  std::chrono::steady_clock::time_point last_used = std::chrono::steady_clock::now();
};

}  // namespace edgelite::server
