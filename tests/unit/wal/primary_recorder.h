// A primary for the replica tests: a plain SQLite database in WAL mode (page size 4096,
// autocheckpoint off) whose commits are read back from its WAL right after they happen, the way the
// primary's capture does (docs/wal-replication.md §5.3). Each commit becomes one
// PrimaryTransaction: the newest image of every page it wrote that is still inside the database,
// in ascending page order, and the database size after it. Fed to a FrameInjector from the
// primary's first commit on, they must rebuild the primary byte for byte.
#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "wal/wal_format.h"

namespace edgelite::wal::testing {

struct PrimaryTransaction {
  uint32_t database_pages = 0;
  std::vector<uint32_t> page_numbers;  // ascending
  std::vector<std::string> pages;      // pages[i] is the image of page_numbers[i]
};

class PrimaryRecorder {
 public:
  static constexpr uint32_t kPageSize = 4096;

  // Creates the primary at `path` (which must not exist).
  static Result<std::unique_ptr<PrimaryRecorder>> Create(const std::filesystem::path& path) {
    std::unique_ptr<PrimaryRecorder> primary(new PrimaryRecorder());
    int rc = sqlite3_open_v2(path.c_str(), &primary->db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) return Status::Io("cannot create the primary " + path.string());
    sqlite3_wal_autocheckpoint(primary->db_, 0);
    // The primary's durability does not change its page images; not syncing keeps tests fast.
    Status status = primary->Exec(
        "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF");
    if (!status.ok()) return status;
    return primary;
  }
  ~PrimaryRecorder() { sqlite3_close_v2(db_); }
  PrimaryRecorder(const PrimaryRecorder&) = delete;
  PrimaryRecorder& operator=(const PrimaryRecorder&) = delete;

  sqlite3* db() const { return db_; }

  // Runs `sql` and returns the transactions it committed, in commit order.
  Result<std::vector<PrimaryTransaction>> Run(const std::string& sql) {
    if (Status status = Exec(sql); !status.ok()) return status;
    return CollectCommitted();
  }

  // Checkpoints with `mode` ("PASSIVE", "RESTART", "TRUNCATE"), which writes no frame: the next
  // commit may start a new WAL generation, which CollectCommitted follows by its salts.
  Status Checkpoint(const std::string& mode) { return Exec("PRAGMA wal_checkpoint(" + mode + ")"); }

  // The database as of the last commit (sqlite3_serialize in a read transaction): byte-identical to
  // the file after a TRUNCATE checkpoint.
  std::string Image() const {
    sqlite3_int64 size = 0;
    unsigned char* bytes = sqlite3_serialize(db_, "main", &size, 0);
    std::string image(reinterpret_cast<const char*>(bytes), size_t(size));
    sqlite3_free(bytes);
    return image;
  }

 private:
  PrimaryRecorder() = default;

  Status Exec(const std::string& sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    std::string text = message ? message : "";
    sqlite3_free(message);
    if (rc != SQLITE_OK) return Status::Internal(sql + ": " + text);
    return Status::Ok();
  }

  // Reads the frames committed since the last call through the connection's own WAL file object.
  Result<std::vector<PrimaryTransaction>> CollectCommitted() {
    std::vector<PrimaryTransaction> committed;
    sqlite3_file* wal = nullptr;
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
    if (!wal || !wal->pMethods) return Status::Internal("the primary has no open WAL");
    sqlite3_int64 size = 0;
    wal->pMethods->xFileSize(wal, &size);
    if (uint64_t(size) < kWalHeaderSize) return committed;
    uint8_t header_bytes[kWalHeaderSize];
    wal->pMethods->xRead(wal, header_bytes, int(kWalHeaderSize), 0);
    auto header = ParseWalHeader(header_bytes);
    if (!header) return committed;
    if (header->salt != salt_) {  // a new WAL generation
      salt_ = header->salt;
      frame_ = 0;
      checksum_ = header->checksum;
    }
    WalChecksum running = checksum_;
    std::map<uint32_t, std::string> pending;
    std::vector<uint8_t> frame(kWalFrameHeaderSize + kPageSize);
    for (uint32_t next = frame_ + 1;
         WalFrameOffset(next, kPageSize) + frame.size() <= uint64_t(size); ++next) {
      wal->pMethods->xRead(wal, frame.data(), int(frame.size()),
                           sqlite3_int64(WalFrameOffset(next, kPageSize)));
      auto valid =
          ValidateWalFrame(*header, running, frame.data(), frame.data() + kWalFrameHeaderSize);
      if (!valid) break;
      running = *valid;
      WalFrameHeader parsed = ParseWalFrameHeader(frame.data());
      pending[parsed.page_number].assign(
          reinterpret_cast<const char*>(frame.data() + kWalFrameHeaderSize), kPageSize);
      if (!parsed.is_commit()) continue;
      PrimaryTransaction transaction;
      transaction.database_pages = parsed.commit_pages;
      for (auto& [page_number, page] : pending) {
        if (page_number > parsed.commit_pages) continue;  // truncated away by this commit
        transaction.page_numbers.push_back(page_number);
        transaction.pages.push_back(std::move(page));
      }
      committed.push_back(std::move(transaction));
      pending.clear();
      frame_ = next;
      checksum_ = running;
    }
    return committed;
  }

  sqlite3* db_ = nullptr;
  // Where the last collected commit ended in the primary's WAL.
  std::array<uint8_t, 8> salt_{};
  uint32_t frame_ = 0;
  WalChecksum checksum_;
};

}  // namespace edgelite::wal::testing
