// Database: everything the server keeps for one database (namespace): its files, its writer, its
// pool of read connections and its replication index. Requests look it up by namespace name.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/read_pool.h"
#include "server/writer.h"
#include "sqlite/connection.h"

namespace edgelite::server {

struct DatabaseOptions {
  std::string name = "default";
  std::filesystem::path directory;  // holds the SQLite file `data` (sqld's layout)
  sqlite::Durability durability = sqlite::Durability::kRelaxed;
  size_t max_read_connections = 64;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(DatabaseOptions options);
  ~Database();

  const std::string& name() const { return options_.name; }
  const std::filesystem::path& file() const { return file_; }
  ReadPool& readers() { return *readers_; }
  // Read-write connections for deferred transactions, which take the write lock only once they
  // write (and then wait for the writer, or make it wait).
  ReadPool& transactions() { return *transactions_; }
  Writer& writer() { return *writer_; }
  // The number of WAL frames committed since the server started: grows with every commit.
  uint64_t replication_index() const { return replication_index_.load(std::memory_order_acquire); }

  void Stop() { writer_->Stop(); }

 private:
  explicit Database(DatabaseOptions options) : options_(std::move(options)) {}
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames_in_wal);

  DatabaseOptions options_;
  std::filesystem::path file_;
  std::atomic<uint64_t> replication_index_{0};
  int frames_in_wal_ = 0;  // writer thread only
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<ReadPool> transactions_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace edgelite::server
