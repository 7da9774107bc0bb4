// Shared fixture for the capture tests: a primary database opened through CapturedDatabase,
// connections through the capture VFS, and the check every capture test ends with — replaying
// the frame log from frame 0 gives a file byte-identical to the primary after a TRUNCATE
// checkpoint, and that file passes integrity_check.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "unit/temp_directory.h"
#include "wal/captured_database.h"
#include "wal/replay.h"

namespace edgelite::wal::testing {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CaptureFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    CloseAll();
    captured_.reset();
  }

  std::filesystem::path db_path() const { return dir_ / "data"; }

  void OpenCaptured(uint32_t page_size = 4096, uint64_t segment_bytes = 64ull << 20) {
    CapturedDatabaseOptions options;
    options.database_file = db_path();
    options.page_size = page_size;
    options.segment_target_bytes = segment_bytes;
    auto opened = CapturedDatabase::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    captured_ = std::move(opened).value();
  }

  void CloseCaptured() {
    CloseAll();
    captured_.reset();
  }

  // Writes the database file with plain SQLite, as a rollback-journal database of 100 rows
  // (t(v), 900 random bytes each), before the frame log has ever seen it.
  void WritePlainRollbackDatabase() {
    sqlite3* plain = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &plain), SQLITE_OK);
    MustExec(plain,
             "PRAGMA journal_mode=DELETE; CREATE TABLE t(v);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<100)"
             "  INSERT INTO t SELECT randomblob(900) FROM n;");
    sqlite3_close(plain);
  }

  // A connection through the capture VFS (or a plain one), closed at TearDown.
  sqlite3* Connect(bool capture = true, const std::string& uri_query = "") {
    sqlite3* db = nullptr;
    std::string name = db_path().string();
    int flags = SQLITE_OPEN_READWRITE;
    if (!uri_query.empty()) {
      name = "file:" + name + "?" + uri_query;
      flags |= SQLITE_OPEN_URI;
    }
    int rc = sqlite3_open_v2(name.c_str(), &db, flags, capture ? kCaptureVfsName : nullptr);
    EXPECT_EQ(rc, SQLITE_OK) << (db ? sqlite3_errmsg(db) : "");
    sqlite3_busy_timeout(db, 5000);
    sqlite3_wal_autocheckpoint(db, 0);
    connections_.push_back(db);
    return db;
  }

  // A plain connection that will not checkpoint (or delete the WAL) when it closes last: what a
  // crashed process leaves behind. It stays open across CloseCaptured; tests close it themselves.
  sqlite3* ConnectKeepingWal() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_wal_autocheckpoint(db, 0);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    // A first read opens the WAL and takes the database's SHARED lock, which it keeps: while it is
    // open, no other connection's close is the last one (the one that checkpoints).
    EXPECT_EQ(Exec(db, "SELECT count(*) FROM sqlite_schema"), SQLITE_OK);
    return db;
  }
  static void CloseKeepingWal(sqlite3* db) { EXPECT_EQ(sqlite3_close(db), SQLITE_OK); }

  void Close(sqlite3* db) {
    std::erase(connections_, db);
    EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
  }

  void CloseAll() {
    for (sqlite3* db : connections_) sqlite3_close_v2(db);
    connections_.clear();
  }

  static int Exec(sqlite3* db, const std::string& sql, std::string* error = nullptr) {
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (error) *error = message ? message : "";
    sqlite3_free(message);
    return rc;
  }

  static void MustExec(sqlite3* db, const std::string& sql) {
    std::string error;
    ASSERT_EQ(Exec(db, sql, &error), SQLITE_OK) << sql << ": " << error;
  }

  static std::string QueryText(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        if (i) out += "|";
        const unsigned char* text = sqlite3_column_text(statement, i);
        out += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
    }
    sqlite3_finalize(statement);
    return out;
  }

  // The primary's database file, read through SQLite's own file object (a second descriptor on
  // the file would drop this process's locks on it when closed).
  static std::string ReadDatabaseFile(sqlite3* db) {
    sqlite3_file* file = nullptr;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
    sqlite3_int64 size = 0;
    file->pMethods->xFileSize(file, &size);
    std::string bytes(size_t(size), '\0');
    if (size > 0) file->pMethods->xRead(file, bytes.data(), int(size), 0);
    return bytes;
  }

  uint64_t RecordCount() {
    uint64_t records = 0;
    Status status = captured_->log().ForEachRecord(0, [&](const RecordHeader&, const uint8_t*) {
      ++records;
      return Result<bool>(true);
    });
    EXPECT_TRUE(status.ok()) << status.message();
    return records;
  }

  // Checkpoints the primary completely through `db` and checks that the replayed log equals it.
  void ExpectReplayMatchesPrimary(sqlite3* db) {
    EXPECT_TRUE(captured_->health().ok()) << captured_->health().message();
    std::string result = QueryText(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    ASSERT_EQ(result.substr(0, 2), "0|") << "TRUNCATE checkpoint was blocked: " << result;
    std::string primary = ReadDatabaseFile(db);
    auto serialized_size = sqlite3_int64(0);
    unsigned char* image = sqlite3_serialize(db, "main", &serialized_size, 0);
    std::string serialized(reinterpret_cast<const char*>(image), size_t(serialized_size));
    sqlite3_free(image);
    EXPECT_EQ(serialized.size(), primary.size());
    EXPECT_TRUE(serialized == primary) << "serialize and the checkpointed file differ";

    std::filesystem::path replica = dir_ / "replay";
    auto replayed = ReplayLog(captured_->log(), replica);
    ASSERT_TRUE(replayed.ok()) << replayed.status().message();
    EXPECT_EQ(replayed->last_frame_no, captured_->replication_index());
    std::string copy = ReadFile(replica);
    ASSERT_EQ(copy.size(), primary.size()) << "replayed file has a different size";
    EXPECT_TRUE(copy == primary) << "replayed file differs from the checkpointed primary";

    sqlite3* check = nullptr;
    ASSERT_EQ(sqlite3_open_v2(replica.c_str(), &check, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    EXPECT_EQ(QueryText(check, "PRAGMA integrity_check"), "ok");
    sqlite3_close(check);
  }

  test::TempDirectory dir_;
  std::unique_ptr<CapturedDatabase> captured_;
  std::vector<sqlite3*> connections_;
};

}  // namespace edgelite::wal::testing
