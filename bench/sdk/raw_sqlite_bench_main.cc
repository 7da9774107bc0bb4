// edgelite_raw_sqlite_bench: the raw SQLite C API side of the point-read comparison in
// bench/run_sdk_bench.sh, on the project's own SQLite build (edgelite_sqlite3, 3.53.2; never
// Debian's libsqlite3), on the same files the SDK reads.
//
//   edgelite_raw_sqlite_bench read --path P --mode autocommit|transaction --rows N --seconds S
//                                  [--warmup S] [--cache-kib K] [--mmap-bytes B] [--label L]
//   edgelite_raw_sqlite_bench checkpoint --path P
//   edgelite_raw_sqlite_bench version
//
// `read` reuses one prepared statement (`SELECT v FROM bench WHERE id = ?`), binds a random id,
// steps to the row, copies the text out, steps to the end and resets: what an application does
// with the C API. In autocommit mode every read is its own read transaction (SQLite takes and
// drops the WAL read lock and the shared lock on the file each time); in transaction mode one
// BEGIN before the first read keeps a single read transaction open for the whole run, the floor
// for a point read. The connection is read-only, with the SDK's page cache (2 MiB) and memory map
// (1 GiB) by default, so the comparison is about what happens per read, not about settings.
//
// `checkpoint` folds a copied database's WAL into its main file (TRUNCATE), so that the file
// served for the copy baseline of the initial-sync measurement is the whole database.
#include <sqlite3.h>

#include <cstdio>
#include <string>

#include "flags.h"
#include "point_read_loop.h"

namespace edgelite::bench {
namespace {

void Check(sqlite3* db, int rc, const std::string& what) {
  if (rc != SQLITE_OK) Fail(what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

sqlite3* OpenOrFail(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    Fail("cannot open " + path + ": " + message);
  }
  return db;
}

int Read(const Flags& flags) {
  const std::string& path = flags.String("path");
  std::string mode = flags.String("mode");
  if (mode != "autocommit" && mode != "transaction") Fail("--mode is autocommit or transaction");
  double seconds = flags.Number("seconds");
  double warmup = flags.NumberOr("warmup", 1);
  int64_t rows = int64_t(flags.Number("rows"));
  int64_t cache_kib = int64_t(flags.NumberOr("cache-kib", 2048));
  int64_t mmap_bytes = int64_t(flags.NumberOr("mmap-bytes", double(int64_t{1} << 30)));

  sqlite3* db = OpenOrFail(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  std::string setup = "PRAGMA cache_size = -" + std::to_string(cache_kib) +
                      "; PRAGMA mmap_size = " + std::to_string(mmap_bytes) + ";";
  Check(db, sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr), "settings");
  sqlite3_stmt* statement = nullptr;
  Check(db,
        sqlite3_prepare_v3(db, "SELECT v FROM bench WHERE id = ?", -1, SQLITE_PREPARE_PERSISTENT,
                           &statement, nullptr),
        "prepare");
  if (mode == "transaction")
    Check(db, sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), "BEGIN");

  std::string value;
  auto read = [&](int64_t id) {
    sqlite3_bind_int64(statement, 1, id);
    bool ok =
        sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_type(statement, 0) == SQLITE_TEXT;
    if (ok) {
      const unsigned char* text = sqlite3_column_text(statement, 0);
      value.assign(reinterpret_cast<const char*>(text), size_t(sqlite3_column_bytes(statement, 0)));
      ok = sqlite3_step(statement) == SQLITE_DONE;
    }
    sqlite3_reset(statement);
    return ok;
  };
  PointReadResult result = RunPointReads(warmup, seconds, rows, read);
  bool still_in_transaction = sqlite3_get_autocommit(db) == 0;
  if (mode == "transaction")
    Check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "COMMIT");
  sqlite3_finalize(statement);
  sqlite3_close(db);

  JsonLine line("point-read", flags.StringOr("label", "raw-" + mode));
  result.AddTo(line);
  line.Text("mode", mode)
      .Integer("one_transaction", still_in_transaction ? 1 : 0)
      .Text("sqlite", sqlite3_libversion())
      .Print();
  return result.errors == 0 ? 0 : 1;
}

int Checkpoint(const Flags& flags) {
  const std::string& path = flags.String("path");
  sqlite3* db = OpenOrFail(path, SQLITE_OPEN_READWRITE);
  int log_frames = 0;
  int checkpointed = 0;
  Check(db,
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                  &checkpointed),
        "checkpoint");
  sqlite3_close(db);
  JsonLine("checkpoint", path)
      .Integer("wal_frames", log_frames)
      .Integer("checkpointed", checkpointed)
      .Print();
  return 0;
}

}  // namespace
}  // namespace edgelite::bench

int main(int argc, char** argv) {
  std::string command = argc >= 2 ? argv[1] : "";
  if (command == "read") return edgelite::bench::Read(edgelite::bench::Flags(argc, argv, 2));
  if (command == "version") {
    std::printf("SQLite %s (%s)\n", sqlite3_libversion(), sqlite3_sourceid());
    return 0;
  }
  if (command == "checkpoint") {
    return edgelite::bench::Checkpoint(edgelite::bench::Flags(argc, argv, 2));
  }
  std::fprintf(stderr,
               "usage: %s read|checkpoint|version --flag value ... (see "
               "bench/sdk/raw_sqlite_bench_main.cc)\n",
               argv[0]);
  return 2;
}
