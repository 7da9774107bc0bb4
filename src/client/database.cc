// Database: the three modes behind one public class.
#include "edgelite/database.h"

#include <fmt/format.h>

#include <cctype>

#include "client/database_url.h"
#include "client/local_connection.h"
#include "client/remote_connection.h"
#include "client/replica_connection.h"
#include "client/replica_sync.h"

namespace edgelite {

// What each mode does; the replica's calls fail in the other modes.
class Database::Impl {
 public:
  virtual ~Impl() = default;
  virtual Result<std::unique_ptr<ConnectionBackend>> Connect() = 0;
  virtual client::ReplicaSync* replica() { return nullptr; }
};

namespace {

Status NotAReplica() {
  return Status::InvalidArgument(
      "this database is not an embedded replica: open it with both `path` and `sync_url` to sync");
}

class LocalDatabase : public Database::Impl {
 public:
  explicit LocalDatabase(std::string path) : path_(std::move(path)) {}
  Result<std::unique_ptr<ConnectionBackend>> Connect() override {
    client::LocalOpenOptions options;
    options.path = path_;
    auto connection = client::LocalConnection::Open(options);
    if (!connection.ok()) return connection.status();
    return std::unique_ptr<ConnectionBackend>(std::move(connection).value());
  }

 private:
  std::string path_;
};

class RemoteDatabase : public Database::Impl {
 public:
  explicit RemoteDatabase(client::HranaRemoteStream::Options options)
      : options_(std::move(options)) {}
  Result<std::unique_ptr<ConnectionBackend>> Connect() override {
    return std::unique_ptr<ConnectionBackend>(new client::RemoteConnection(options_));
  }

 private:
  client::HranaRemoteStream::Options options_;
};

class ReplicaDatabase : public Database::Impl {
 public:
  ReplicaDatabase(std::unique_ptr<client::ReplicaSync> sync, bool read_your_writes)
      : sync_(std::move(sync)), read_your_writes_(read_your_writes) {}
  Result<std::unique_ptr<ConnectionBackend>> Connect() override {
    auto connection = client::ReplicaConnection::Open(*sync_, read_your_writes_);
    if (!connection.ok()) return connection.status();
    return std::unique_ptr<ConnectionBackend>(std::move(connection).value());
  }
  client::ReplicaSync* replica() override { return sync_.get(); }

 private:
  std::unique_ptr<client::ReplicaSync> sync_;
  bool read_your_writes_;
};

// The namespace the official embedded replicas name in x-namespace-bin: the first label of a DNS
// host name. An address names none, and edgelite then serves its default database.
std::string NamespaceOfHost(const std::string& host) {
  bool address =
      host.find(':') != std::string::npos || std::all_of(host.begin(), host.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
      });
  if (address || host.find('.') == std::string::npos) return "default";
  return host.substr(0, host.find('.'));
}

}  // namespace

Result<std::unique_ptr<Database>> Database::Open(const OpenOptions& options) {
  std::unique_ptr<Impl> impl;
  if (!options.sync_url.empty()) {
    if (options.path.empty()) {
      return Status::InvalidArgument(
          "an embedded replica needs `path`, the local file to keep in sync with `sync_url`");
    }
    auto url = client::ParseDatabaseUrl(options.sync_url);
    if (!url.ok()) return url.status();
    client::ReplicaSyncOptions sync;
    sync.path = options.path;
    sync.primary.base_url = url->base_url;
    sync.primary.auth_token =
        options.auth_token.empty() ? url->auth_token.value_or("") : options.auth_token;
    sync.primary.namespace_name = NamespaceOfHost(url->host);
    sync.primary.request_timeout = options.request_timeout;
    sync.interval = options.sync_interval;
    auto replica = client::ReplicaSync::Open(std::move(sync));
    if (!replica.ok()) return replica.status();
    impl = std::make_unique<ReplicaDatabase>(std::move(replica).value(), options.read_your_writes);
  } else if (!options.url.empty()) {
    auto url = client::ParseDatabaseUrl(options.url);
    if (!url.ok()) return url.status();
    client::HranaRemoteStream::Options remote;
    remote.base_url = url->base_url;
    if (!options.auth_token.empty()) {
      remote.auth_token = options.auth_token;
    } else {
      remote.auth_token = url->auth_token;
    }
    remote.timeout = options.request_timeout;
    impl = std::make_unique<RemoteDatabase>(std::move(remote));
  } else if (!options.path.empty()) {
    impl = std::make_unique<LocalDatabase>(options.path);
  } else {
    return Status::InvalidArgument(
        "nothing to open: set `path` (a local file), `url` (a remote database) or `path` and "
        "`sync_url` (an embedded replica)");
  }
  return std::unique_ptr<Database>(new Database(std::move(impl)));
}

Result<std::unique_ptr<Database>> Database::OpenLocal(const std::string& path) {
  OpenOptions options;
  options.path = path;
  return Open(options);
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

Result<std::unique_ptr<Connection>> Database::Connect() {
  auto backend = impl_->Connect();
  if (!backend.ok()) return backend.status();
  return std::make_unique<Connection>(std::move(backend).value());
}

bool Database::is_replica() const {
  return impl_->replica() != nullptr;
}

Result<SyncResult> Database::Sync() {
  if (!impl_->replica()) return NotAReplica();
  return impl_->replica()->Sync();
}

Result<SyncResult> Database::SyncUntil(uint64_t frame_no, std::chrono::milliseconds timeout) {
  if (!impl_->replica()) return NotAReplica();
  return impl_->replica()->SyncUntil(frame_no, timeout);
}

ReplicaStatus Database::replica_status() const {
  if (!impl_->replica()) {
    ReplicaStatus status;
    status.last_error = NotAReplica();
    return status;
  }
  return impl_->replica()->status();
}

void Database::SetChangeListener(std::function<void(uint64_t)> listener) {
  if (impl_->replica()) impl_->replica()->SetChangeListener(std::move(listener));
}

std::optional<uint64_t> Database::WaitForChange(std::optional<uint64_t> after_frame_no,
                                                std::chrono::milliseconds timeout) {
  if (!impl_->replica()) return std::nullopt;
  return impl_->replica()->WaitForChange(after_frame_no, timeout);
}

}  // namespace edgelite
