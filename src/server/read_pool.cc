// Pooled read connections.
#include "server/read_pool.h"

#include <fmt/format.h>

namespace edgelite::server {

ReadLease& ReadLease::operator=(ReadLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
  }
  return *this;
}

ReadLease::~ReadLease() { Release(); }

void ReadLease::Release() {
  if (!connection_) return;
  if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
  pool_->Return(std::move(connection_));
}

Result<ReadLease> ReadPool::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return ReadLease(this, std::move(connection));
    }
    if (open_ >= max_connections_) {
      return Status::ResourceExhausted(
          fmt::format("all {} read connections are in use; retry shortly", max_connections_));
    }
    ++open_;  // reserved before opening, outside the lock
  }
  auto connection = sqlite::Connection::Open(options_);
  if (!connection.ok()) {
    std::lock_guard lock(mutex_);
    --open_;
    return connection.status();
  }
  return ReadLease(this, std::move(connection).value());
}

void ReadPool::Return(std::unique_ptr<sqlite::Connection> connection) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
}

}  // namespace edgelite::server
