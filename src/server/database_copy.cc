// The backup API from a pooled read connection into a new file.
#include "server/database_copy.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace edgelite::server {

Status CopyDatabase(Database& database, const std::filesystem::path& file, CopyJournal journal) {
  auto lease = database.readers().Acquire();
  if (!lease.ok()) return lease.status();
  lease->ReleaseSnapshot();  // a snapshot of its own, as of now
  Database::LongRead long_read = database.HoldLongRead();

  sqlite3* copy = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           "unix");
  auto fail = [&](std::string what) {
    Status status = Status::Io(fmt::format("{}: {}", what, copy ? sqlite3_errmsg(copy) : "?"));
    sqlite3_close_v2(copy);
    return status;
  };
  if (rc != SQLITE_OK) return fail("cannot create the copy " + file.string());
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", lease->get()->handle(), "main");
  if (!backup) return fail("cannot start the copy");
  rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return fail("cannot copy the database");
  const char* mode = journal == CopyJournal::kWal ? "PRAGMA journal_mode=WAL"
                                                  : "PRAGMA journal_mode=DELETE";
  if (sqlite3_exec(copy, mode, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("cannot set the copy's journal mode");
  }
  rc = sqlite3_close_v2(copy);
  if (rc != SQLITE_OK) return Status::Io(fmt::format("cannot close the copy: {}", sqlite3_errstr(rc)));
  return Status::Ok();
}

}  // namespace edgelite::server
