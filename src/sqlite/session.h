// Session: the per-connection values a client reads back through SQL — last_insert_rowid(),
// changes(), total_changes() — kept per client instead. A client's statements run on whichever
// pooled connection or writer is free, so SQLite's own counters on that connection mix every
// client's statements; a client must see only its own, as with a connection of its own (sqld's
// model, where a fresh stream reads 0, 0, 0).
#pragma once

#include <cstdint>

namespace edgelite::sqlite {

struct Session {
  int64_t last_insert_rowid = 0;
  int64_t changes = 0;        // rows changed by the last INSERT, UPDATE or DELETE
  int64_t total_changes = 0;  // rows changed since the session started

  bool operator==(const Session&) const = default;
};

}  // namespace edgelite::sqlite
