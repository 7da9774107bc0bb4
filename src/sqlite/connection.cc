// Opening and configuring SQLite connections, and preparing statements through the cache.
#include "sqlite/connection.h"

#include <fmt/format.h>
#include <strings.h>

#include <array>
#include <cstring>

#include "sqlite/library.h"
#include "sqlite/sql_text.h"

namespace edgelite::sqlite {
namespace {

// Settings the server owns: a client that changed them could break durability, replication or
// the read/write split. Reading them is allowed; setting them is refused.
constexpr std::array<const char*, 12> kServerOwnedPragmas = {
    "journal_mode",    "locking_mode",         "synchronous",        "query_only",
    "page_size",       "wal_autocheckpoint",   "mmap_size",          "temp_store_directory",
    "writable_schema", "data_store_directory", "journal_size_limit", "cell_size_check"};

bool IsServerOwnedPragma(const char* name) {
  for (const char* owned : kServerOwnedPragmas) {
    if (strcasecmp(name, owned) == 0) return true;
  }
  return false;
}

// ATTACH of a file would let a client open any file the server can reach, so it is refused. An
// empty name is a private temporary database, which VACUUM itself attaches.
int Authorize(void*, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_ATTACH:
      return arg1 == nullptr || *arg1 == '\0' ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_PRAGMA:
      if (arg1 && strcasecmp(arg1, "wal_checkpoint") == 0) return SQLITE_DENY;
      if (arg1 && arg2 && IsServerOwnedPragma(arg1)) return SQLITE_DENY;
      return SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

}  // namespace

StatementLease::~StatementLease() {
  if (statement_ && connection_) {
    statement_->Reset();
    connection_->Return(sql_, std::move(statement_));
  }
}

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  ConfigureLibrary();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags,
                           options.vfs.empty() ? nullptr : options.vfs.c_str());
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Status::Io(fmt::format("cannot open database {}: {}", options.path, message));
  }
  std::unique_ptr<Connection> connection(new Connection(db, options.statement_cache_capacity));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_wal_autocheckpoint(db, options.wal_autocheckpoint);

  // Foreign keys are enforced by default, as on sqld.
  std::string setup =
      fmt::format("PRAGMA cache_size = -{}; PRAGMA mmap_size = {}; PRAGMA foreign_keys = ON;",
                  options.cache_size_kib, options.mmap_size);
  if (options.create) setup += "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;";
  setup += options.durability == Durability::kStrong ? "PRAGMA synchronous = FULL;"
                                                     : "PRAGMA synchronous = NORMAL;";
  if (options.query_only) setup += "PRAGMA query_only = 1;";
  if (Status status = connection->Exec(setup.c_str()); !status.ok()) {
    return Status::Io(
        fmt::format("cannot configure database {}: {}", options.path, status.message()));
  }
  sqlite3_set_authorizer(db, Authorize, nullptr);
  return connection;
}

Connection::~Connection() {
  // Statements must be finalized before the connection closes.
  snapshot_hold_.reset();
  cache_.Clear();
  sqlite3_close_v2(db_);
}

Status Connection::HoldSnapshot() {
  ReleaseSnapshot();
  if (!snapshot_hold_) {
    // Any statement that reads the database and returns a row would do; this one reads a single
    // header field, and stays allowed by the authorizer (it sets nothing).
    sqlite3_stmt* handle = nullptr;
    int rc = sqlite3_prepare_v3(db_, "PRAGMA schema_version", -1, SQLITE_PREPARE_PERSISTENT,
                                &handle, nullptr);
    if (rc != SQLITE_OK) return Status::Internal(sqlite3_errmsg(db_));
    snapshot_hold_ = std::make_unique<Statement>(handle);
  }
  int rc = snapshot_hold_->Step();
  if (rc != SQLITE_ROW) {
    std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(snapshot_hold_->handle());
    return Status::Internal(fmt::format("cannot hold a read snapshot: {}", message));
  }
  snapshot_held_ = true;
  return Status::Ok();
}

void Connection::ReleaseSnapshot() {
  if (!snapshot_held_) return;
  sqlite3_reset(snapshot_hold_->handle());
  snapshot_held_ = false;
}

Status Connection::Exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::Internal(text);
  }
  return Status::Ok();
}

Result<Connection::Prepared> Connection::Prepare(std::string_view sql, SqliteError* error) {
  if (std::unique_ptr<Statement> cached = cache_.Take(sql)) {
    // Only texts holding exactly one statement are cached, so the tail is empty.
    return Prepared{StatementLease(this, std::string(sql), std::move(cached)), {}};
  }
  sqlite3_stmt* handle = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, &handle,
                              &tail);
  if (rc != SQLITE_OK) {
    *error = ErrorFromConnection(db_, rc);
    return Status::InvalidArgument(error->message);
  }
  std::string_view rest = tail ? sql.substr(size_t(tail - sql.data())) : std::string_view();
  if (!handle) return Prepared{std::nullopt, rest};
  auto statement = std::make_unique<Statement>(handle);
  // Cached: queries and DML. Not cached: a text with more statements after the first (the entry
  // would lose the tail), DDL and the like (re-running a cached CREATE must fail at prepare time,
  // as a fresh one does). A lease without a connection finalizes its statement.
  StatementKind kind = ClassifyStatement(sql);
  bool cacheable =
      IsBlankSql(rest) && (kind == StatementKind::kInsert || kind == StatementKind::kUpdate ||
                           kind == StatementKind::kDelete ||
                           (kind == StatementKind::kOther && sqlite3_stmt_readonly(handle)));
  Connection* owner = cacheable ? this : nullptr;
  return Prepared{StatementLease(owner, std::string(sql), std::move(statement)), rest};
}

void Connection::Return(std::string_view sql, std::unique_ptr<Statement> statement) {
  cache_.Put(sql, std::move(statement));
}

}  // namespace edgelite::sqlite
