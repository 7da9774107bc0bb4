// The metastore's SQL.
#include "server/namespaces/metastore.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <system_error>

namespace edgelite::server {
namespace {

Status SqliteFailure(sqlite3* db, const std::string& what) {
  return Status::Io(fmt::format("metastore: {}: {}", what, sqlite3_errmsg(db)));
}

}  // namespace

Result<std::unique_ptr<Metastore>> Metastore::Open(const std::filesystem::path& db_path) {
  std::error_code error;
  std::filesystem::create_directories(db_path / "metastore", error);
  if (error) {
    return Status::Io(fmt::format("cannot create {}: {}", (db_path / "metastore").string(),
                                  error.message()));
  }
  std::string file = (db_path / "metastore" / "data").string();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  std::unique_ptr<Metastore> store(new Metastore(db));
  if (rc != SQLITE_OK) return SqliteFailure(db, "cannot open " + file);
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  rc = sqlite3_exec(db,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                    "CREATE TABLE IF NOT EXISTS namespace_configs("
                    "  namespace TEXT NOT NULL PRIMARY KEY, config BLOB NOT NULL);",
                    nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return Status::Io(fmt::format("metastore {}: {}", file, text));
  }
  return store;
}

Metastore::~Metastore() { sqlite3_close_v2(db_); }

Result<int> Metastore::Run(const char* sql, const std::string& name, const std::string* config,
                           std::optional<std::string>* read) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    return SqliteFailure(db_, "prepare");
  }
  sqlite3_bind_text(statement, 1, name.data(), int(name.size()), SQLITE_TRANSIENT);
  if (config) sqlite3_bind_blob(statement, 2, config->data(), int(config->size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW && read) {
    const void* bytes = sqlite3_column_blob(statement, 0);
    *read = std::string(static_cast<const char*>(bytes ? bytes : ""),
                        size_t(sqlite3_column_bytes(statement, 0)));
    rc = SQLITE_DONE;
  }
  Status failure = rc == SQLITE_DONE ? Status::Ok() : SqliteFailure(db_, "write");
  sqlite3_finalize(statement);
  if (!failure.ok()) return failure;
  return sqlite3_changes(db_);
}

Result<std::optional<metadata::DatabaseConfig>> Metastore::Get(const std::string& name) {
  std::optional<std::string> bytes;
  auto ran = Run("SELECT config FROM namespace_configs WHERE namespace = ?1", name, nullptr, &bytes);
  if (!ran.ok()) return ran.status();
  if (!bytes) return std::optional<metadata::DatabaseConfig>();
  metadata::DatabaseConfig config;
  if (!config.ParseFromString(*bytes)) {
    return Status::Internal(fmt::format("metastore: the config of `{}` does not parse", name));
  }
  return std::optional<metadata::DatabaseConfig>(std::move(config));
}

Result<bool> Metastore::Insert(const std::string& name, const metadata::DatabaseConfig& config) {
  std::string bytes = config.SerializeAsString();
  auto ran = Run("INSERT OR IGNORE INTO namespace_configs(namespace, config) VALUES (?1, ?2)",
                 name, &bytes);
  if (!ran.ok()) return ran.status();
  return *ran > 0;
}

Result<bool> Metastore::Update(const std::string& name, const metadata::DatabaseConfig& config) {
  std::string bytes = config.SerializeAsString();
  auto ran = Run("UPDATE namespace_configs SET config = ?2 WHERE namespace = ?1", name, &bytes);
  if (!ran.ok()) return ran.status();
  return *ran > 0;
}

Result<bool> Metastore::Remove(const std::string& name) {
  auto ran = Run("DELETE FROM namespace_configs WHERE namespace = ?1", name, nullptr);
  if (!ran.ok()) return ran.status();
  return *ran > 0;
}

Result<std::vector<std::string>> Metastore::Names() {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT namespace FROM namespace_configs ORDER BY namespace", -1,
                         &statement, nullptr) != SQLITE_OK) {
    return SqliteFailure(db_, "prepare");
  }
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)),
                       size_t(sqlite3_column_bytes(statement, 0)));
  }
  Status failure = rc == SQLITE_DONE ? Status::Ok() : SqliteFailure(db_, "read");
  sqlite3_finalize(statement);
  if (!failure.ok()) return failure;
  return names;
}

}  // namespace edgelite::server
