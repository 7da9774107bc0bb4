// CopyDatabase: a copy of a served database as of one commit, taken with SQLite's online backup on
// a read connection: writers keep committing meanwhile (WAL), and the copy costs one pass over
// the database's pages, whatever the history in its frame log. Used by GET /export and by forks
// of the newest commit.
#pragma once

#include <filesystem>
#include <memory>

#include "edgelite/status.h"
#include "server/database.h"

namespace edgelite::server {

enum class CopyJournal {
  kWal,     // as served: for a new namespace
  kDelete,  // a plain file that opens anywhere without a -wal beside it: for a download
};

// Writes the copy to `file` (which must not exist) and syncs it. Runs for as long as the copy
// takes: call it on a worker, never on an I/O thread.
Status CopyDatabase(Database& database, const std::filesystem::path& file, CopyJournal journal);

}  // namespace edgelite::server
