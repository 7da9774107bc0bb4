// Pooled read connections.
#include "server/read_pool.h"

#include <fmt/format.h>

#include <utility>

namespace edgelite::server {

ReadLease& ReadLease::operator=(ReadLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    connection_ = std::move(other.connection_);
    snapshot_version_ = other.snapshot_version_;
    discard_ = std::exchange(other.discard_, false);
  }
  return *this;
}

ReadLease::~ReadLease() {
  Release();
}

void ReadLease::Release() {
  if (!connection_) return;
  if (discard_) {
    discard_ = false;
    pool_->Discard(std::move(connection_));
    return;
  }
  if (!connection_->autocommit()) (void)connection_->Exec("ROLLBACK");
  pool_->Return(std::move(connection_), snapshot_version_);
}

Result<ReadLease> ReadPool::Acquire() {
  Idle taken;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      taken = std::move(idle_.back());
      idle_.pop_back();
    } else if (open_ >= max_connections_) {
      return Status::ResourceExhausted(
          fmt::format("all {} read connections are in use; retry shortly", max_connections_));
    } else {
      ++open_;  // reserved before opening, outside the lock
    }
  }
  if (!taken.connection) {
    auto connection = sqlite::Connection::Open(options_);
    if (!connection.ok()) {
      std::lock_guard lock(mutex_);
      --open_;
      return connection.status();
    }
    taken.connection = std::move(connection).value();
    if (on_open_) on_open_(*taken.connection);
  }
  if (suspended_.load(std::memory_order_acquire)) {
    taken.connection->ReleaseSnapshot();
    // Taking a snapshot checks the schema (HoldSnapshot); without one, check it here.
    if (data_version_ && data_version_() != taken.snapshot_version) {
      (void)taken.connection->CheckSchema();
    }
  } else if (data_version_) {
    // Read before the snapshot is taken: the snapshot then holds at least every commit counted.
    uint64_t version = data_version_();
    if (!taken.connection->holds_snapshot() || taken.snapshot_version != version) {
      // Without a hold (say the database is busy recovering) statements take their own snapshots.
      (void)taken.connection->HoldSnapshot();
      taken.snapshot_version = version;
    }
  }
  return ReadLease(this, std::move(taken.connection), taken.snapshot_version);
}

void ReadPool::Return(std::unique_ptr<sqlite::Connection> connection, uint64_t snapshot_version) {
  // An outdated snapshot is of no further use, and would hold back checkpoints while idle.
  if (connection->holds_snapshot() &&
      (suspended_.load(std::memory_order_acquire) || data_version_() != snapshot_version)) {
    connection->ReleaseSnapshot();
  }
  std::lock_guard lock(mutex_);
  idle_.push_back({std::move(connection), snapshot_version});
}

void ReadPool::Discard(std::unique_ptr<sqlite::Connection> connection) {
  connection.reset();  // closing rolls back whatever it had open
  std::lock_guard lock(mutex_);
  --open_;
}

void ReadPool::SuspendSnapshots() {
  suspended_.store(true, std::memory_order_release);
  std::lock_guard lock(mutex_);
  for (Idle& idle : idle_) idle.connection->ReleaseSnapshot();
}

void ReadPool::ResumeSnapshots() {
  suspended_.store(false, std::memory_order_release);
}

}  // namespace edgelite::server
