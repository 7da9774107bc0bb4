// The wal-index writer against SQLite itself: the hash tables it builds for a WAL's frames must be
// the ones SQLite's own writer built, byte for byte, across hash-table boundaries; what an
// abandoned transaction left in them must not change the result; the header it publishes must be
// SQLite's, written in the order readers rely on; a restart must reset what walRestartHdr resets.
#include "wal/wal_index_writer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "unit/temp_directory.h"

namespace edgelite::wal {
namespace {

// Plain memory standing in for the -shm.
class HeapWalIndexMemory : public WalIndexMemory {
 public:
  Result<volatile uint8_t*> Region(uint32_t index) override {
    while (regions_.size() <= index) {
      regions_.push_back(std::make_unique<std::array<uint8_t, kWalIndexRegionSize>>());
      regions_.back()->fill(0);
    }
    return regions_[index]->data();
  }
  void Barrier() override { std::atomic_thread_fence(std::memory_order_seq_cst); }

  uint8_t* bytes(uint32_t index) {
    (void)Region(index);  // allocates it
    return regions_[index]->data();
  }
  // The hash tables of regions 0..last, without the header.
  std::string HashTables(uint32_t last) {
    std::string tables;
    for (uint32_t i = 0; i <= last; ++i) {
      size_t start = i == 0 ? kWalIndexHeaderRegionBytes : 0;
      tables.append(reinterpret_cast<const char*>(bytes(i)) + start, kWalIndexRegionSize - start);
    }
    return tables;
  }

 private:
  std::vector<std::unique_ptr<std::array<uint8_t, kWalIndexRegionSize>>> regions_;
};

void AppendAll(WalIndexWriter& writer, uint32_t first, const std::vector<uint32_t>& pages,
               uint32_t last) {
  for (uint32_t frame = first; frame <= last; ++frame) {
    Status status = writer.Append(frame, pages[frame - 1]);
    ASSERT_TRUE(status.ok()) << "frame " << frame << ": " << status.message();
  }
}

// Page numbers for frames 1..count, spread like a database's (many repeats, some large).
std::vector<uint32_t> SyntheticPages(uint32_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> page(1, 3000);
  std::vector<uint32_t> pages(count);
  for (uint32_t& p : pages) p = page(rng);
  return pages;
}

void MustExec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
  sqlite3_free(message);
}

TEST(WalIndexWriterTest, BuildsTheHashTablesSqliteBuiltAcrossRegions) {
  test::TempDirectory dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "db").c_str(), &db), SQLITE_OK);
  sqlite3_wal_autocheckpoint(db, 0);
  MustExec(db,
           "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
           "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE INDEX t_v ON t(v);");
  sqlite3_file* file = nullptr;
  sqlite3_file* wal = nullptr;
  sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file);
  sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  auto barrier = [](void* f) {
    static_cast<sqlite3_file*>(f)->pMethods->xShmBarrier(static_cast<sqlite3_file*>(f));
  };
  auto region = [&](uint32_t index) {
    volatile void* mapped = nullptr;
    EXPECT_EQ(file->pMethods->xShmMap(file, int(index), int(kWalIndexRegionSize), 0, &mapped),
              SQLITE_OK);
    return static_cast<volatile uint8_t*>(mapped);
  };
  // Small commits until the WAL reaches a third hash table (frame 8159 on).
  std::optional<WalIndexHeader> sqlite_header;
  for (int i = 0; !sqlite_header || sqlite_header->max_frame < 8400; ++i) {
    MustExec(db, "INSERT INTO t(v) SELECT randomblob(300) FROM (SELECT 1 UNION ALL SELECT 2)");
    if (i % 100 == 0) MustExec(db, "DELETE FROM t WHERE id % 7 = 0");
    sqlite_header = ReadWalIndexHeader(region(0), barrier, file);
    ASSERT_TRUE(sqlite_header.has_value());
  }
  uint32_t max_frame = sqlite_header->max_frame;
  uint32_t last_region = WalIndexRegionOfFrame(max_frame);
  ASSERT_EQ(last_region, 2u);

  std::vector<uint32_t> pages(max_frame);
  for (uint32_t frame = 1; frame <= max_frame; ++frame) {
    uint8_t frame_header[kWalFrameHeaderSize];
    ASSERT_EQ(wal->pMethods->xRead(wal, frame_header, int(kWalFrameHeaderSize),
                                   sqlite3_int64(WalFrameOffset(frame, 4096))),
              SQLITE_OK);
    pages[frame - 1] = ParseWalFrameHeader(frame_header).page_number;
  }
  std::string sqlite_tables;
  for (uint32_t i = 0; i <= last_region; ++i) {
    size_t start = i == 0 ? kWalIndexHeaderRegionBytes : 0;
    volatile uint8_t* mapped = region(i);
    for (size_t b = start; b < kWalIndexRegionSize; ++b) sqlite_tables.push_back(char(mapped[b]));
  }

  HeapWalIndexMemory memory;
  WalIndexWriter writer(memory);
  AppendAll(writer, 1, pages, max_frame);
  EXPECT_TRUE(memory.HashTables(last_region) == sqlite_tables)
      << "the hash tables differ from SQLite's for " << max_frame << " frames";

  // The header: SQLite's, re-published, is byte for byte what SQLite wrote (both copies).
  ASSERT_TRUE(writer.PublishHeader(*sqlite_header).ok());
  volatile uint8_t* sqlite_region0 = region(0);
  for (size_t b = 0; b < 2 * kWalIndexHeaderSize; ++b) {
    ASSERT_EQ(memory.bytes(0)[b], sqlite_region0[b]) << "header byte " << b;
  }
  sqlite3_close(db);
}

TEST(WalIndexWriterTest, EntriesOfAnAbandonedTransactionDoNotSurvive) {
  struct Case {
    uint32_t committed;  // the published mxFrame when the abandoned transaction started
    uint32_t abandoned;  // frames it indexed before it died
    uint32_t last;       // frames the next transaction appends up to
  };
  // Within the first table; across the first boundary; starting exactly at it; across the second.
  for (Case c : {Case{100, 30, 500}, Case{4050, 40, 4500}, Case{4062, 20, 4300},
                 Case{8000, 500, 9000}, Case{100, 500, 300}}) {
    SCOPED_TRACE(::testing::Message() << "committed " << c.committed << ", abandoned "
                                      << c.abandoned << ", last " << c.last);
    std::vector<uint32_t> pages = SyntheticPages(c.last, 7);
    std::vector<uint32_t> abandoned = SyntheticPages(c.committed + c.abandoned, 99);

    HeapWalIndexMemory clean_memory;
    WalIndexWriter clean(clean_memory);
    AppendAll(clean, 1, pages, c.last);

    HeapWalIndexMemory memory;
    WalIndexWriter writer(memory);
    AppendAll(writer, 1, pages, c.committed);
    for (uint32_t frame = c.committed + 1; frame <= c.committed + c.abandoned; ++frame) {
      ASSERT_TRUE(writer.Append(frame, abandoned[frame - 1]).ok());
    }
    AppendAll(writer, c.committed + 1, pages, c.last);
    uint32_t last_region = WalIndexRegionOfFrame(c.last);
    EXPECT_TRUE(memory.HashTables(last_region) == clean_memory.HashTables(last_region));
  }
}

TEST(WalIndexWriterTest, TheFirstFrameOfATableClearsWhatAnOlderGenerationLeft) {
  std::vector<uint32_t> pages = SyntheticPages(4200, 3);
  HeapWalIndexMemory clean_memory;
  WalIndexWriter clean(clean_memory);
  AppendAll(clean, 1, pages, 4200);

  HeapWalIndexMemory memory;
  WalIndexWriter writer(memory);
  // Leftovers everywhere after the header, as a longer WAL generation leaves them.
  std::memset(memory.bytes(0) + kWalIndexHeaderRegionBytes, 0x5a,
              kWalIndexRegionSize - kWalIndexHeaderRegionBytes);
  std::memset(memory.bytes(1), 0x5a, kWalIndexRegionSize);
  AppendAll(writer, 1, pages, 4200);
  EXPECT_TRUE(memory.HashTables(1) == clean_memory.HashTables(1));
}

TEST(WalIndexWriterTest, RefusesAHashTableWithNoFreeSlot) {
  HeapWalIndexMemory memory;
  WalIndexWriter writer(memory);
  ASSERT_TRUE(writer.Append(1, 10).ok());
  uint16_t* slots = reinterpret_cast<uint16_t*>(memory.bytes(0) + kHashTableSlotsOffset);
  std::fill(slots, slots + kHashTableSlots, uint16_t(1));
  Status status = writer.Append(2, 11);
  EXPECT_EQ(status.kind(), ErrorKind::kInternal);
  EXPECT_NE(status.message().find("corrupt"), std::string::npos) << status.message();
}

WalIndexHeader SampleHeader() {
  WalIndexHeader header;
  header.change = 41;
  header.page_size = 4096;
  header.max_frame = 500;
  header.database_pages = 77;
  header.frame_checksum = {123, 456};
  header.salt = {0, 0, 0, 9, 1, 2, 3, 4};
  return header;
}

TEST(WalIndexWriterTest, PublishesCopyOneBeforeCopyZero) {
  HeapWalIndexMemory memory;
  WalIndexWriter writer(memory);
  WalIndexHeader before = SampleHeader();
  ASSERT_TRUE(writer.PublishHeader(before).ok());
  WalIndexHeader after = before;
  after.change += 1;
  after.max_frame = 510;
  after.database_pages = 80;
  bool checked = false;
  Status status = writer.PublishHeader(after, [&] {
    // Half published: a reader sees two different copies and retries (or recovers).
    auto torn = writer.ReadHeader();
    ASSERT_TRUE(torn.ok());
    EXPECT_FALSE(torn->has_value());
    auto copy0 = DecodeWalIndexHeaderCopy(memory.bytes(0));
    auto copy1 = DecodeWalIndexHeaderCopy(memory.bytes(0) + kWalIndexHeaderSize);
    ASSERT_TRUE(copy0 && copy1);
    EXPECT_EQ(copy0->max_frame, 500u);
    EXPECT_EQ(copy1->max_frame, 510u);
    checked = true;
  });
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(checked);
  auto read = writer.ReadHeader();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->max_frame, 510u);
  EXPECT_EQ((*read)->database_pages, 80u);
  EXPECT_EQ((*read)->change, 42u);
}

TEST(WalIndexWriterTest, RestartRewindsTheWalAndResetsTheReadMarks) {
  HeapWalIndexMemory memory;
  WalIndexWriter writer(memory);
  WalIndexHeader current = SampleHeader();
  ASSERT_TRUE(writer.PublishHeader(current).ok());
  uint8_t* region = memory.bytes(0);
  auto store = [&](size_t offset, uint32_t value) { std::memcpy(region + offset, &value, 4); };
  store(96, 500);       // nBackfill
  store(100 + 4, 500);  // aReadMark[1]
  store(100 + 8, 300);  // aReadMark[2]
  store(100 + 12, 0xFFFFFFFF);
  store(100 + 16, 200);
  store(128, 500);  // nBackfillAttempted

  auto restarted = writer.Restart(current, 0xdeadbeef);
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ(restarted->max_frame, 0u);
  EXPECT_EQ(restarted->change, current.change);  // as walRestartHdr: the salts mark the change
  EXPECT_EQ(LoadBigEndian32(restarted->salt.data()), 10u);
  uint32_t salt2 = 0;
  std::memcpy(&salt2, restarted->salt.data() + 4, 4);
  EXPECT_EQ(salt2, 0xdeadbeefu);
  EXPECT_EQ(restarted->database_pages, current.database_pages);

  auto read = writer.ReadHeader();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->max_frame, 0u);
  EXPECT_EQ((*read)->salt, restarted->salt);
  auto info = writer.ReadCheckpointInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->backfilled, 0u);
  EXPECT_EQ(info->read_marks,
            (std::array<uint32_t, 5>{0, 0, kReadMarkUnused, kReadMarkUnused, kReadMarkUnused}));
  uint32_t attempted = 1;
  std::memcpy(&attempted, region + 128, 4);
  EXPECT_EQ(attempted, 0u);
}

}  // namespace
}  // namespace edgelite::wal
