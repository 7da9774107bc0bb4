// Metastore: the namespaces a server holds and their configs, in `<db-path>/metastore/data`, a
// SQLite database laid out as sqld's (docs/protocol.md §8.3): namespace_configs(namespace TEXT
// PRIMARY KEY, config BLOB), the BLOB a protobuf metadata.DatabaseConfig. It is the list of
// namespaces: a directory under dbs/ without a row here is not served (except `default`, which
// a data directory made without namespaces holds). Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "metadata.pb.h"

struct sqlite3;

namespace edgelite::server {

class Metastore {
 public:
  static Result<std::unique_ptr<Metastore>> Open(const std::filesystem::path& db_path);
  ~Metastore();

  // The config of `name`; nullopt when no such namespace.
  Result<std::optional<metadata::DatabaseConfig>> Get(const std::string& name);
  // Adds `name`; false (and nothing changed) when it exists already.
  Result<bool> Insert(const std::string& name, const metadata::DatabaseConfig& config);
  // Replaces the config of an existing `name`; false when there is none.
  Result<bool> Update(const std::string& name, const metadata::DatabaseConfig& config);
  // Removes `name`; false when there was none.
  Result<bool> Remove(const std::string& name);
  Result<std::vector<std::string>> Names();

 private:
  explicit Metastore(sqlite3* db) : db_(db) {}
  // Runs `sql` with `name` (and `config`, when given) bound; the rows changed, or the config
  // read when `read` is set.
  Result<int> Run(const char* sql, const std::string& name, const std::string* config,
                  std::optional<std::string>* read = nullptr);

  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace edgelite::server
