// Loading, unloading, creating and deleting namespaces.
#include "server/namespaces/namespace_registry.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

#include "server/database_copy.h"
#include "server/namespaces/dump_loader.h"
#include "server/namespaces/file_clone.h"
#include "server/namespaces/namespace_name.h"

namespace edgelite::server {

Result<std::shared_ptr<const auth::Authenticator>> NamespaceAuthenticator(const std::string& key) {
  auth::AuthConfig config;
  config.jwt_key_text = key;
  auto created = auth::Authenticator::Create(std::move(config));
  if (!created.ok()) return created.status();
  return std::shared_ptr<const auth::Authenticator>(std::move(created).value());
}

namespace {

hrana::Blocks BlocksOf(const metadata::DatabaseConfig& config) {
  return hrana::Blocks{config.block_reads(), config.block_writes(), config.block_reason()};
}

// What a loaded database takes from its config.
void Configure(Database& database, const metadata::DatabaseConfig& config) {
  database.SetBlocks(BlocksOf(config));
  database.SetMaxPageCount(config.max_db_pages());
  std::shared_ptr<const auth::Authenticator> own;
  if (config.has_jwt_key()) {
    auto created = NamespaceAuthenticator(config.jwt_key());
    if (created.ok()) {
      own = std::move(created).value();
    } else {
      spdlog::warn("namespace {}: its jwt_key is not usable: {}", database.name(),
                   created.status().message());
    }
  }
  database.SetAuthenticator(std::move(own));
}

}  // namespace

Result<std::unique_ptr<NamespaceRegistry>> NamespaceRegistry::Open(
    NamespaceRegistryOptions options) {
  auto metastore = Metastore::Open(options.db_path);
  if (!metastore.ok()) return metastore.status();
  // What a crash left half done: namespaces being built, deleted ones not yet removed.
  for (const char* leftover : {".staging", ".deleted"}) {
    std::error_code ignored;
    std::filesystem::remove_all(options.db_path / "dbs" / leftover, ignored);
  }
  if (options.default_namespace) {
    // A data directory made without namespaces already holds dbs/default.
    auto inserted = (*metastore)->Insert(std::string(kDefaultNamespace), {});
    if (!inserted.ok()) return inserted.status();
  }
  return std::unique_ptr<NamespaceRegistry>(
      new NamespaceRegistry(std::move(options), std::move(metastore).value()));
}

NamespaceRegistry::~NamespaceRegistry() {
  StopAll();
  std::lock_guard lock(mutex_);
  SaveStatsLocked();
  loaded_.clear();
  for (Deleted& deleted : deleted_) deleted.database.reset();
  RemoveUnusedDeletedLocked();
}

std::filesystem::path NamespaceRegistry::DirectoryOf(const std::string& name) const {
  return options_.db_path / "dbs" / name;
}

uint64_t NamespaceRegistry::StorageBytes(const std::string& name) const {
  uint64_t bytes = 0;
  for (const char* file : {"data", "data-wal"}) {
    std::error_code error;
    uintmax_t size = std::filesystem::file_size(DirectoryOf(name) / file, error);
    if (!error) bytes += size;
  }
  return bytes;
}

Result<std::shared_ptr<Database>> NamespaceRegistry::Acquire(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto found = loaded_.find(name);
  if (found != loaded_.end()) {
    found->second.last_used = std::chrono::steady_clock::now();
    return found->second.database;
  }
  if (name == kDefaultNamespace && !options_.default_namespace) {
    return Status::NotFound("Namespace `default` doesn't exist");
  }
  auto config = metastore_->Get(name);
  if (!config.ok()) return config.status();
  if (!*config) return Status::NotFound(fmt::format("Namespace `{}` doesn't exist", name));
  RemoveUnusedDeletedLocked();
  for (const Deleted& deleted : deleted_) {
    // Its files were at this namespace's path, and its frame log still holds on to it.
    if (deleted.name == name && deleted.database) {
      return Status::Unavailable(fmt::format(
          "namespace `{}` was deleted and created again while clients still hold the deleted "
          "one (an open WebSocket, a stream); retry once they have let go",
          name));
    }
  }
  // Room first: the open databases stay within max_active where idle ones can be closed.
  UnloadIdleLocked(options_.max_active > 0 ? options_.max_active - 1 : 0);
  DatabaseOptions database_options = options_.database;
  database_options.name = name;
  database_options.directory = DirectoryOf(name);
  if ((*config)->has_durability_mode()) {
    database_options.durability = (*config)->durability_mode() == metadata::STRONG ||
                                          (*config)->durability_mode() == metadata::EXTRA
                                      ? sqlite::Durability::kStrong
                                      : sqlite::Durability::kRelaxed;
  }
  auto opened = Database::Open(std::move(database_options));
  if (!opened.ok()) return opened.status();
  std::shared_ptr<Database> database = std::move(opened).value();
  Configure(*database, **config);
  auto& stats = stats_[name];
  if (!stats) stats = NamespaceStats::Load(DirectoryOf(name) / "stats.json");
  database->SetStats(stats);
  loaded_[name] = Loaded{database, std::chrono::steady_clock::now()};
  spdlog::debug("namespace {} loaded ({} open)", name, loaded_.size());
  return database;
}

Result<std::filesystem::path> NamespaceRegistry::MakeStaging() {
  std::filesystem::path staging;
  {
    std::lock_guard lock(mutex_);
    staging = options_.db_path / "dbs" / ".staging" / fmt::format("{}", ++serial_);
  }
  std::error_code error;
  std::filesystem::remove_all(staging, error);
  std::filesystem::create_directories(staging, error);
  if (error) {
    return Status::Io(fmt::format("cannot create {}: {}", staging.string(), error.message()));
  }
  return staging;
}

Status NamespaceRegistry::Install(const std::string& name, const metadata::DatabaseConfig& config,
                                  const std::filesystem::path& staging) {
  std::error_code error;
  auto discard = [&] { std::filesystem::remove_all(staging, error); };
  std::lock_guard lock(mutex_);
  if (std::filesystem::exists(DirectoryOf(name))) {
    discard();
    return Status::InvalidArgument(fmt::format(
        "{} is in the way of namespace `{}`; move it away", DirectoryOf(name).string(), name));
  }
  auto inserted = metastore_->Insert(name, config);
  if (!inserted.ok() || !*inserted) {
    discard();
    if (!inserted.ok()) return inserted.status();
    return Status::InvalidArgument(fmt::format("Namespace `{}` already exists", name));
  }
  std::filesystem::rename(staging, DirectoryOf(name), error);
  if (error) {
    (void)metastore_->Remove(name);
    discard();
    return Status::Io(fmt::format("cannot move the new database into {}: {}",
                                  DirectoryOf(name).string(), error.message()));
  }
  return Status::Ok();
}

Status NamespaceRegistry::Create(const std::string& name, const metadata::DatabaseConfig& config,
                                 const std::string* dump) {
  if (Status valid = CheckNamespaceName(name); !valid.ok()) return valid;
  if (dump) {
    auto existing = metastore_->Get(name);
    if (!existing.ok()) return existing.status();
    if (*existing) return Status::InvalidArgument(fmt::format("Namespace `{}` already exists", name));
    auto staging = MakeStaging();
    if (!staging.ok()) return staging.status();
    if (Status loaded = LoadDump(*dump, *staging / "data"); !loaded.ok()) {
      std::error_code error;
      std::filesystem::remove_all(*staging, error);
      return loaded;
    }
    return Install(name, config, *staging);
  }
  std::lock_guard lock(mutex_);
  // A directory already there (dbs/default of a server that ran without namespaces) is adopted,
  // never removed: deleted namespaces' files are moved aside first.
  std::error_code error;
  auto inserted = metastore_->Insert(name, config);
  if (!inserted.ok()) return inserted.status();
  if (!*inserted) {
    return Status::InvalidArgument(fmt::format("Namespace `{}` already exists", name));
  }
  std::filesystem::create_directories(DirectoryOf(name), error);
  if (error) {
    (void)metastore_->Remove(name);
    return Status::Io(fmt::format("cannot create {}: {}", DirectoryOf(name).string(),
                                  error.message()));
  }
  return Status::Ok();
}

Status NamespaceRegistry::Delete(const std::string& name) {
  if (Status valid = CheckNamespaceName(name); !valid.ok()) return valid;
  std::lock_guard lock(mutex_);
  auto removed = metastore_->Remove(name);
  if (!removed.ok()) return removed.status();
  if (!*removed) return Status::NotFound(fmt::format("Namespace `{}` doesn't exist", name));
  Deleted deleted;
  deleted.name = name;
  if (auto found = loaded_.find(name); found != loaded_.end()) {
    deleted.database = std::move(found->second.database);
    loaded_.erase(found);
    // Clients that still hold it get an error from now on, never an acknowledged write.
    deleted.database->MarkDeleted();
  }
  stats_.erase(name);
  // Moved aside at once, so that the name can be created again while requests still running on
  // the deleted database finish (their open files stay valid).
  std::filesystem::path trash = options_.db_path / "dbs" / ".deleted";
  std::error_code error;
  std::filesystem::create_directories(trash, error);
  deleted.directory = trash / fmt::format("{}-{}", ++serial_, std::hash<std::string>{}(name));
  std::filesystem::rename(DirectoryOf(name), deleted.directory, error);
  if (error && std::filesystem::exists(DirectoryOf(name))) {
    spdlog::warn("namespace {} deleted, but its directory could not be moved aside: {}", name,
                 error.message());
    deleted.directory = DirectoryOf(name);
  }
  deleted_.push_back(std::move(deleted));
  RemoveUnusedDeletedLocked();
  return Status::Ok();
}

// The newest commit: a copy of the file made by the kernel while checkpoints wait (writers go
// on), then the frames the copy may lack from the log. When the file's state is not known (no
// complete checkpoint since open), one pass over the pages through SQLite (backup API).
Result<ForkOutcome> NamespaceRegistry::ForkNewest(Database& source,
                                                  const std::filesystem::path& file) {
  Database::FrozenFile frozen = source.FreezeFile();
  if (!frozen.replay_from) {
    frozen.lock.unlock();
    if (Status copied = CopyDatabase(source, file, CopyJournal::kWal); !copied.ok()) return copied;
    return ForkOutcome{};
  }
  std::optional<uint64_t> head = source.frame_source()->last_committed_frame_no();
  if (Status cloned = CloneFile(source.file(), file); !cloned.ok()) return cloned;
  frozen.lock.unlock();
  return WriteForkImage(*source.frame_source(), ForkPoint{head, std::nullopt}, file,
                        *frozen.replay_from);
}

Result<ForkOutcome> NamespaceRegistry::Fork(const std::string& from, const std::string& to,
                                            const ForkPoint& point) {
  if (Status valid = CheckNamespaceName(to); !valid.ok()) return valid;
  auto source = Acquire(from);
  if (!source.ok()) return source.status();
  replication::FrameSource* frames = (*source)->frame_source();
  if (!frames) {
    return Status::InvalidArgument(
        fmt::format("namespace `{}` keeps no frame log (--no-replication-log): it cannot be forked",
                    from));
  }
  auto config = metastore_->Get(from);
  if (!config.ok()) return config.status();
  if (!*config) return Status::NotFound(fmt::format("Namespace `{}` doesn't exist", from));
  auto existing = metastore_->Get(to);
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::InvalidArgument(fmt::format("Namespace `{}` already exists", to));

  // Built aside, and moved into place only once complete.
  auto staging = MakeStaging();
  if (!staging.ok()) return staging.status();
  Result<ForkOutcome> outcome = ForkOutcome{};
  if (!point.frame_no && !point.unix_millis) {
    outcome = ForkNewest(**source, *staging / "data");
  } else {
    // An earlier commit: the log, replayed.
    outcome = WriteForkImage(*frames, point, *staging / "data");
  }
  source->reset();
  if (!outcome.ok()) {
    std::error_code error;
    std::filesystem::remove_all(*staging, error);
    return outcome.status();
  }
  if (Status installed = Install(to, **config, *staging); !installed.ok()) return installed;
  return outcome;
}

Result<metadata::DatabaseConfig> NamespaceRegistry::Config(const std::string& name) {
  auto config = metastore_->Get(name);
  if (!config.ok()) return config.status();
  if (!*config) return Status::NotFound(fmt::format("Namespace `{}` doesn't exist", name));
  return std::move(**config);
}

Status NamespaceRegistry::SetConfig(const std::string& name,
                                    const metadata::DatabaseConfig& config) {
  std::lock_guard lock(mutex_);
  auto updated = metastore_->Update(name, config);
  if (!updated.ok()) return updated.status();
  if (!*updated) return Status::NotFound(fmt::format("Namespace `{}` doesn't exist", name));
  if (auto found = loaded_.find(name); found != loaded_.end()) {
    Configure(*found->second.database, config);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> NamespaceRegistry::Names() {
  auto names = metastore_->Names();
  if (!names.ok() || options_.default_namespace) return names;
  std::erase(*names, std::string(kDefaultNamespace));
  return names;
}

size_t NamespaceRegistry::active() const {
  std::lock_guard lock(mutex_);
  return loaded_.size();
}

void NamespaceRegistry::UnloadIdleLocked(size_t keep) {
  if (loaded_.size() <= keep) return;
  std::vector<std::map<std::string, Loaded>::iterator> idle;
  for (auto it = loaded_.begin(); it != loaded_.end(); ++it) {
    // Only this registry holds it: no request or stream is using it.
    if (it->second.database.use_count() == 1) idle.push_back(it);
  }
  std::sort(idle.begin(), idle.end(),
            [](const auto& a, const auto& b) { return a->second.last_used < b->second.last_used; });
  for (auto it : idle) {
    if (loaded_.size() <= keep) break;
    spdlog::debug("namespace {} unloaded", it->first);
    loaded_.erase(it);
  }
}

void NamespaceRegistry::RemoveUnusedDeletedLocked() {
  std::erase_if(deleted_, [](Deleted& deleted) {
    if (deleted.database && deleted.database.use_count() > 1) return false;
    deleted.database.reset();
    std::error_code error;
    std::filesystem::remove_all(deleted.directory, error);
    if (error) spdlog::warn("cannot remove {}: {}", deleted.directory.string(), error.message());
    return true;
  });
}

void NamespaceRegistry::SaveStatsLocked() {
  for (auto& [name, stats] : stats_) {
    if (Status saved = stats->Save(); !saved.ok()) {
      spdlog::warn("namespace {}: {}", name, saved.message());
    }
  }
}

Result<std::string> NamespaceRegistry::StatsJson(const std::string& name) {
  auto database = Acquire(name);
  if (!database.ok()) return database.status();
  return (*database)->stats()->ToJson(StorageBytes(name), (*database)->replication_index());
}

Status NamespaceRegistry::ResetStats(const std::string& name, const std::string& list) {
  if (list != "top" && list != "slowest") {
    return Status::NotFound(fmt::format("no stats list `{}`: top or slowest", list));
  }
  auto database = Acquire(name);
  if (!database.ok()) return database.status();
  if (list == "top") {
    (*database)->stats()->ResetTop();
  } else {
    (*database)->stats()->ResetSlowest();
  }
  return Status::Ok();
}

std::vector<NamespaceSample> NamespaceRegistry::Samples() {
  std::lock_guard lock(mutex_);
  std::vector<NamespaceSample> samples;
  for (const auto& [name, stats] : stats_) {
    NamespaceSample sample;
    sample.name = name;
    sample.rows_read = stats->rows_read();
    sample.rows_written = stats->rows_written();
    sample.query_count = stats->query_count();
    sample.frames_replicated = stats->frames_replicated();
    sample.latency = stats->LatencyMetric();
    for (size_t transport = 0; transport < kRequestTransports; ++transport) {
      sample.request_latency[transport] = stats->RequestLatencyMetric(RequestTransport(transport));
    }
    sample.storage_bytes = StorageBytes(name);
    if (auto found = loaded_.find(name); found != loaded_.end()) {
      sample.loaded = true;
      Database& database = *found->second.database;
      sample.current_frame_no = double(database.replication_index());
      if (replication::FrameSource* frames = database.frame_source()) {
        std::optional<uint64_t> last = frames->last_committed_frame_no();
        sample.replication = stats->replica_positions().Lag(last ? *last + 1 : 0);
      }
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

void NamespaceRegistry::Collect() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (now - last_saved_ >= std::chrono::seconds(5)) {
    SaveStatsLocked();
    last_saved_ = now;
  }
  for (auto it = loaded_.begin(); it != loaded_.end();) {
    bool idle = it->second.database.use_count() == 1 &&
                now - it->second.last_used >= options_.idle_unload;
    // `default` of a server without namespaces stays: it is the only database.
    if (idle && !(it->first == kDefaultNamespace && loaded_.size() == 1)) {
      spdlog::debug("namespace {} unloaded after being idle", it->first);
      it = loaded_.erase(it);
    } else {
      ++it;
    }
  }
  RemoveUnusedDeletedLocked();
}

void NamespaceRegistry::StopAll() {
  std::lock_guard lock(mutex_);
  SaveStatsLocked();
  for (auto& [name, loaded] : loaded_) loaded.database->Stop();
  for (Deleted& deleted : deleted_) {
    if (deleted.database) deleted.database->Stop();
  }
}

}  // namespace edgelite::server
