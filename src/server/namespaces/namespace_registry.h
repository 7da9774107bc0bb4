// NamespaceRegistry: the databases of a server, by namespace name. A namespace's Database is
// opened on first use and closed again once it has been idle for a while, or sooner when more
// than `max_active` are open; an unloaded namespace costs a metastore row and its files, no
// memory or threads. Requests and streams hold a loaded Database through a shared_ptr, so one in
// use is never closed under them.
//
// The namespaces are the metastore's rows. `default` is the database of a server without
// namespaces and of a data directory made by one (sqld's layout dbs/default/); it always exists
// unless --disable-default-namespace.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "metadata.pb.h"
#include "server/database.h"
#include "server/namespaces/fork.h"
#include "server/metrics/metrics_text.h"
#include "server/metrics/namespace_stats.h"
#include "server/namespaces/metastore.h"

namespace edgelite::server {

// The authenticator of a namespace's own JWT key (PEM or base64url, as --auth-jwt-key-file).
Result<std::shared_ptr<const auth::Authenticator>> NamespaceAuthenticator(const std::string& key);

struct NamespaceRegistryOptions {
  std::filesystem::path db_path;
  DatabaseOptions database;  // for every namespace; name and directory are set per namespace
  bool default_namespace = true;
  size_t max_active = 100;  // sqld's --max-active-namespaces
  std::chrono::seconds idle_unload{60};
};

class NamespaceRegistry {
 public:
  static Result<std::unique_ptr<NamespaceRegistry>> Open(NamespaceRegistryOptions options);
  ~NamespaceRegistry();

  // The database of `name`, opened if it was not. NotFound when there is no such namespace.
  Result<std::shared_ptr<Database>> Acquire(const std::string& name);
  // A new, empty namespace. InvalidArgument for a bad name, AlreadyExists-style InvalidArgument
  // (sqld's 400 "Namespace `x` already exists") when the name is taken.
  // With `dump` (SQL text), the new database holds what it makes; a dump that fails to load
  // creates nothing.
  Status Create(const std::string& name, const metadata::DatabaseConfig& config,
                const std::string* dump = nullptr);
  // Removes `name` and its files. Requests still running on it finish; its files go once the
  // last of them ends.
  Status Delete(const std::string& name);
  // A new namespace `to` holding `from`'s content as of `point` (fork.h; the newest commit when
  // `point` is empty), with `from`'s config and a log of its own; `from` keeps serving meanwhile.
  // The outcome is empty when the newest commit was copied through SQLite (database_copy.h).
  Result<ForkOutcome> Fork(const std::string& from, const std::string& to, const ForkPoint& point);
  Result<metadata::DatabaseConfig> Config(const std::string& name);
  Status SetConfig(const std::string& name, const metadata::DatabaseConfig& config);
  Result<std::vector<std::string>> Names();
  // How many databases are open now.
  size_t active() const;
  // The stats endpoint's JSON of `name` (loading it: the replication index is its log's).
  Result<std::string> StatsJson(const std::string& name);
  // Clears the top (`top`) or slowest (`slowest`) statements of `name`.
  Status ResetStats(const std::string& name, const std::string& list);
  // What /metrics reports: every namespace used since the server started.
  std::vector<NamespaceSample> Samples();

  // Closes namespaces idle for longer than options.idle_unload, and the files of deleted ones
  // nothing uses any more; saves changed usage counters every few seconds. Called now and then
  // by the server.
  void Collect();
  // Stops the work of every open database (shutdown, once the listeners are down).
  void StopAll();

 private:
  Result<ForkOutcome> ForkNewest(Database& source, const std::filesystem::path& file);
  struct Loaded {
    std::shared_ptr<Database> database;
    std::chrono::steady_clock::time_point last_used;
  };
  struct Deleted {
    std::string name;
    std::shared_ptr<Database> database;  // may be null: it was not open
    std::filesystem::path directory;     // moved aside, removed once the database is closed
  };

  explicit NamespaceRegistry(NamespaceRegistryOptions options, std::unique_ptr<Metastore> metastore)
      : options_(std::move(options)), metastore_(std::move(metastore)) {}
  std::filesystem::path DirectoryOf(const std::string& name) const;
  // The bytes of the namespace's database and WAL files.
  uint64_t StorageBytes(const std::string& name) const;
  // A fresh directory to build a namespace's files in before they are moved into place.
  Result<std::filesystem::path> MakeStaging();
  // Makes the database built in `staging` namespace `name` with `config`; removes `staging`
  // whatever happens.
  Status Install(const std::string& name, const metadata::DatabaseConfig& config,
                 const std::filesystem::path& staging);
  // Closes idle databases, least recently used first, until at most `keep` are open. Under mutex_.
  void UnloadIdleLocked(size_t keep);
  void RemoveUnusedDeletedLocked();

  const NamespaceRegistryOptions options_;
  std::unique_ptr<Metastore> metastore_;
  mutable std::mutex mutex_;
  std::map<std::string, Loaded> loaded_;
  std::vector<Deleted> deleted_;
  uint64_t serial_ = 0;  // names staging and trash directories
  // Usage of every namespace used since start, loaded or not (small; kept for /metrics).
  std::map<std::string, std::shared_ptr<NamespaceStats>> stats_;
  std::chrono::steady_clock::time_point last_saved_;
  // Saves every changed stats.json. Under mutex_.
  void SaveStatsLocked();
};

}  // namespace edgelite::server
