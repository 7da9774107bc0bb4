// The WAL and wal-index decoders must agree with what SQLite actually writes: these tests
// check them against WAL files and wal-index headers produced by the real library, and check that
// corrupt input is rejected the way SQLite's recovery rejects it.
#include "wal/wal_format.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "unit/temp_directory.h"
#include "wal/wal_index.h"

namespace edgelite::wal {
namespace {

std::vector<uint8_t> ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
}

TEST(WalFormatTest, ChecksumMatchesReferenceValues) {
  // walChecksumBytes over two words: s0 = x0 + 0, s1 = x1 + s0.
  uint8_t data[8] = {0, 0, 0, 1, 0, 0, 0, 2};
  WalChecksum big = ExtendWalChecksum({}, data, 8, /*big_endian=*/true);
  EXPECT_EQ(big.s0, 1u);
  EXPECT_EQ(big.s1, 3u);
  WalChecksum little = ExtendWalChecksum({}, data, 8, /*big_endian=*/false);
  EXPECT_EQ(little.s0, 0x01000000u);
  EXPECT_EQ(little.s1, 0x03000000u);
  // Chaining is the same as one pass over the concatenation.
  uint8_t twice[16];
  std::memcpy(twice, data, 8);
  std::memcpy(twice + 8, data, 8);
  EXPECT_EQ(ExtendWalChecksum(big, data, 8, true), ExtendWalChecksum({}, twice, 16, true));
}

TEST(WalFormatTest, EncodedHeaderAndFramesRoundTrip) {
  for (uint32_t magic : {kWalMagicLittleEndian, kWalMagicBigEndian}) {
    WalHeader header;
    header.magic = magic;
    header.page_size = 512;
    header.checkpoint_sequence = 7;
    header.salt = {1, 2, 3, 4, 5, 6, 7, 8};
    uint8_t bytes[kWalHeaderSize];
    header = EncodeWalHeader(header, bytes);
    auto parsed = ParseWalHeader(bytes);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->page_size, 512u);
    EXPECT_EQ(parsed->checkpoint_sequence, 7u);
    EXPECT_EQ(parsed->salt, header.salt);
    EXPECT_EQ(parsed->checksum, header.checksum);

    std::vector<uint8_t> page(512, 0xab);
    uint8_t frame[kWalFrameHeaderSize];
    WalChecksum after = EncodeWalFrame(header, header.checksum, 3, 9, page.data(), frame);
    auto validated = ValidateWalFrame(header, header.checksum, frame, page.data());
    ASSERT_TRUE(validated.has_value());
    EXPECT_EQ(*validated, after);
    WalFrameHeader decoded = ParseWalFrameHeader(frame);
    EXPECT_EQ(decoded.page_number, 3u);
    EXPECT_EQ(decoded.commit_pages, 9u);
    EXPECT_TRUE(decoded.is_commit());

    // A different page, a different salt, or page number 0 invalidate the frame.
    page[100] ^= 1;
    EXPECT_FALSE(ValidateWalFrame(header, header.checksum, frame, page.data()).has_value());
    page[100] ^= 1;
    frame[8] ^= 1;
    EXPECT_FALSE(ValidateWalFrame(header, header.checksum, frame, page.data()).has_value());
    frame[8] ^= 1;
    EncodeWalFrame(header, header.checksum, 0, 0, page.data(), frame);
    EXPECT_FALSE(ValidateWalFrame(header, header.checksum, frame, page.data()).has_value());
  }
}

TEST(WalFormatTest, RejectsBadHeaders) {
  WalHeader header;
  uint8_t bytes[kWalHeaderSize];
  EncodeWalHeader(header, bytes);
  ASSERT_TRUE(ParseWalHeader(bytes).has_value());

  uint8_t bad[kWalHeaderSize];
  std::memcpy(bad, bytes, sizeof(bad));
  bad[3] = 0x80;  // magic
  EXPECT_FALSE(ParseWalHeader(bad).has_value());
  std::memcpy(bad, bytes, sizeof(bad));
  bad[20] ^= 0xff;  // salt-2 changed: the checksum no longer matches
  EXPECT_FALSE(ParseWalHeader(bad).has_value());

  header.page_size = 1000;  // not a power of two
  EncodeWalHeader(header, bad);
  EXPECT_FALSE(ParseWalHeader(bad).has_value());
  header.page_size = 4096;
  header.version = 3007001;  // valid checksum, unknown version
  EncodeWalHeader(header, bad);
  EXPECT_FALSE(ParseWalHeader(bad).has_value());
}

TEST(WalFormatTest, LockPageAndOffsets) {
  EXPECT_EQ(LockPageNumber(4096), 262145u);
  EXPECT_EQ(LockPageNumber(65536), 16385u);
  EXPECT_EQ(WalFrameOffset(1, 4096), 32u);
  EXPECT_EQ(WalFrameOffset(3, 4096), 32u + 2 * 4120u);
}

// SQLite's own WAL and wal-index: the frame chain validates to the last commit frame, and the
// wal-index header (read through the unix VFS mapping, never with a raw descriptor) agrees.
TEST(WalFormatTest, ValidatesWalWrittenBySqlite) {
  test::TempDirectory dir;
  std::string path = (dir / "db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  Exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
       "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000));"
       "BEGIN; INSERT INTO t VALUES (1); INSERT INTO t VALUES (randomblob(9000)); COMMIT;");

  std::vector<uint8_t> wal = ReadWholeFile(path + "-wal");
  ASSERT_GE(wal.size(), kWalHeaderSize);
  auto header = ParseWalHeader(wal.data());
  ASSERT_TRUE(header.has_value());
  EXPECT_EQ(header->page_size, 4096u);
  WalChecksum running = header->checksum;
  uint32_t frames = uint32_t((wal.size() - kWalHeaderSize) / (kWalFrameHeaderSize + 4096));
  uint32_t last_commit = 0;
  WalChecksum at_last_commit;
  uint32_t commit_pages = 0;
  for (uint32_t i = 1; i <= frames; ++i) {
    const uint8_t* frame = wal.data() + WalFrameOffset(i, 4096);
    auto next = ValidateWalFrame(*header, running, frame, frame + kWalFrameHeaderSize);
    ASSERT_TRUE(next.has_value()) << "frame " << i;
    running = *next;
    WalFrameHeader parsed = ParseWalFrameHeader(frame);
    if (parsed.is_commit()) {
      last_commit = i;
      at_last_commit = running;
      commit_pages = parsed.commit_pages;
    }
  }
  EXPECT_GT(last_commit, 2u);

  sqlite3_file* file = nullptr;
  ASSERT_EQ(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file), SQLITE_OK);
  void volatile* region = nullptr;
  ASSERT_EQ(file->pMethods->xShmMap(file, 0, int(kWalIndexRegionSize), 0, &region), SQLITE_OK);
  auto barrier = [](void* f) {
    auto* sf = static_cast<sqlite3_file*>(f);
    sf->pMethods->xShmBarrier(sf);
  };
  auto index = ReadWalIndexHeader(static_cast<const volatile uint8_t*>(region), barrier, file);
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->max_frame, last_commit);
  EXPECT_EQ(index->frame_checksum, at_last_commit);
  EXPECT_EQ(index->salt, header->salt);
  EXPECT_EQ(index->page_size, 4096u);
  EXPECT_EQ(index->database_pages, commit_pages);
  EXPECT_EQ(index->big_endian_checksum, header->big_endian_checksum());
  EXPECT_EQ(ReadWalIndexCheckpointInfo(static_cast<const volatile uint8_t*>(region)).backfilled,
            0u);
  sqlite3_close(db);
}

TEST(WalIndexTest, HeaderCopiesMustAgreeAndVerify) {
  WalIndexHeader header;
  header.change = 5;
  header.page_size = 65536;
  header.max_frame = 12;
  header.database_pages = 4;
  header.frame_checksum = {1, 2};
  header.salt = {9, 8, 7, 6, 5, 4, 3, 2};
  uint8_t region[136] = {};
  EncodeWalIndexHeaderCopy(header, region);
  EncodeWalIndexHeaderCopy(header, region + kWalIndexHeaderSize);
  auto no_barrier = [](void*) {};
  auto read = ReadWalIndexHeader(region, no_barrier, nullptr);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->page_size, 65536u);
  EXPECT_EQ(read->max_frame, 12u);
  EXPECT_EQ(read->database_pages, 4u);
  EXPECT_EQ(read->frame_checksum, (WalChecksum{1, 2}));
  EXPECT_EQ(read->salt, header.salt);
  EXPECT_TRUE(read->SamePosition(header));

  // A publish in progress: the copies differ.
  header.max_frame = 13;
  EncodeWalIndexHeaderCopy(header, region + kWalIndexHeaderSize);
  EXPECT_FALSE(ReadWalIndexHeader(region, no_barrier, nullptr).has_value());
  // Both copies equal but the checksum is wrong.
  EncodeWalIndexHeaderCopy(header, region);
  region[16] ^= 1;
  region[16 + kWalIndexHeaderSize] ^= 1;
  EXPECT_FALSE(ReadWalIndexHeader(region, no_barrier, nullptr).has_value());
  // isInit cleared (what SQLite's recovery path looks for).
  EncodeWalIndexHeaderCopy(header, region);
  EncodeWalIndexHeaderCopy(header, region + kWalIndexHeaderSize);
  region[12] = 0;
  region[12 + kWalIndexHeaderSize] = 0;
  EXPECT_FALSE(ReadWalIndexHeader(region, no_barrier, nullptr).has_value());
}

}  // namespace
}  // namespace edgelite::wal
