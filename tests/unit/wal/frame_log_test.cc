// The frame log is what replicas are served from: frame numbers must be gapless from 0 and survive
// reopening, a torn tail left by a crash must be cut off (never served), and a new lineage must
// replace the old one atomically with a new log_id.
#include "wal/frame_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "unit/temp_directory.h"
#include "wal/posix_file.h"

namespace edgelite::wal {
namespace {

constexpr uint32_t kPage = 4096;

// Pages whose bytes are derived from (page number, version), so content can be checked.
class TestPages : public PageSource {
 public:
  TestPages(std::vector<uint32_t> page_numbers, uint8_t version)
      : page_numbers_(std::move(page_numbers)), version_(version) {}
  Result<uint32_t> ReadPage(uint32_t index, uint8_t* page) override {
    Fill(page_numbers_[index], version_, page);
    return page_numbers_[index];
  }
  static void Fill(uint32_t page_no, uint8_t version, uint8_t* page) {
    for (uint32_t i = 0; i < kPage; ++i) page[i] = uint8_t(page_no * 31 + version * 7 + i);
  }
  static std::string Expected(uint32_t page_no, uint8_t version) {
    std::string page(kPage, '\0');
    Fill(page_no, version, reinterpret_cast<uint8_t*>(page.data()));
    return page;
  }

 private:
  std::vector<uint32_t> page_numbers_;
  uint8_t version_;
};

TransactionInfo Info(uint32_t frames, uint32_t commit, uint32_t wal_frame = 0) {
  TransactionInfo info;
  info.frame_count = frames;
  info.commit_pages = commit;
  info.wal.frame = wal_frame;
  info.wal.salt = {1, 2, 3, 4, 5, 6, 7, 8};
  return info;
}

std::unique_ptr<FrameLog> OpenLog(const std::filesystem::path& dir,
                                  uint64_t segment_bytes = 64 << 20) {
  FrameLogOptions options;
  options.directory = dir;
  options.segment_target_bytes = segment_bytes;
  auto log = FrameLog::Open(options);
  EXPECT_TRUE(log.ok()) << log.status().message();
  return log.ok() ? std::move(log).value() : nullptr;
}

std::vector<std::filesystem::path> Segments(const FrameLog& log) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry :
       std::filesystem::directory_iterator(log.directory() / log.log_id_string())) {
    out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(FrameLogTest, NewLogIsEmptyWithAStableLogId) {
  test::TempDirectory dir;
  LogId id;
  {
    auto log = OpenLog(dir.path());
    EXPECT_TRUE(log->empty());
    EXPECT_FALSE(log->last_frame_no().has_value());
    EXPECT_EQ(log->next_frame_no(), 0u);
    EXPECT_EQ(log->log_id_string().size(), 36u);
    EXPECT_EQ(ParseLogId(log->log_id_string()), log->log_id());
    id = log->log_id();
    auto batch = log->ReadFrames(0, 100);
    ASSERT_TRUE(batch.ok());
    EXPECT_TRUE(batch->frames.empty());
    EXPECT_FALSE(batch->need_snapshot);
  }
  auto reopened = OpenLog(dir.path());
  EXPECT_EQ(reopened->log_id(), id);
  EXPECT_NE(NewLogId(), NewLogId());
}

TEST(FrameLogTest, AppendsNumberFramesFromZeroAndReadsThemBack) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path());
  TestPages first({1, 2, 5}, 1);
  auto last = log->Append(Info(3, 5, 3), first);
  ASSERT_TRUE(last.ok()) << last.status().message();
  EXPECT_EQ(*last, 2u);
  TestPages second({2}, 2);
  last = log->Append(Info(1, 5, 4), second);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 3u);
  EXPECT_EQ(log->last_frame_no(), 3u);
  EXPECT_EQ(log->last_record()->wal.frame, 4u);

  auto batch = log->ReadFrames(0, 1000);
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->frames.size(), 4u);
  const uint32_t pages[] = {1, 2, 5, 2};
  const uint32_t sizes[] = {0, 0, 5, 5};
  const uint8_t versions[] = {1, 1, 1, 2};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(batch->frames[i].frame_no, i);
    EXPECT_EQ(batch->frames[i].page_no, pages[i]);
    EXPECT_EQ(batch->frames[i].size_after, sizes[i]);
    EXPECT_TRUE(batch->frames[i].page == TestPages::Expected(pages[i], versions[i]));
  }
  // Commit frames carry the commit time.
  EXPECT_GT(batch->frames[2].timestamp_ms, 0u);
  EXPECT_EQ(batch->frames[1].timestamp_ms, 0u);
  // From the middle of a transaction, from the next one, and from the end.
  batch = log->ReadFrames(1, 1000);
  ASSERT_EQ(batch->frames.size(), 3u);
  EXPECT_EQ(batch->frames[0].frame_no, 1u);
  batch = log->ReadFrames(3, 1000);
  ASSERT_EQ(batch->frames.size(), 1u);
  batch = log->ReadFrames(4, 1000);
  ASSERT_TRUE(batch.ok());
  EXPECT_TRUE(batch->frames.empty());
  EXPECT_FALSE(log->ReadFrames(5, 1000).ok());
}

TEST(FrameLogTest, BatchesEndOnTransactionBoundaries) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path());
  for (int i = 0; i < 5; ++i) {
    TestPages pages({1, 2, 3}, uint8_t(i));
    ASSERT_TRUE(log->Append(Info(3, 3), pages).ok());
  }
  // max 4 frames: the first transaction (3) is below the limit, so the second is taken whole.
  auto batch = log->ReadFrames(0, 4);
  ASSERT_EQ(batch->frames.size(), 6u);
  EXPECT_EQ(batch->frames.back().size_after, 3u);
  // max 1: still one whole transaction.
  batch = log->ReadFrames(6, 1);
  ASSERT_EQ(batch->frames.size(), 3u);
  EXPECT_EQ(batch->frames.front().frame_no, 6u);
}

TEST(FrameLogTest, ReopenKeepsFramesAndContinuesNumbering) {
  test::TempDirectory dir;
  {
    auto log = OpenLog(dir.path(), /*segment_bytes=*/3 * 4100);
    for (int i = 0; i < 10; ++i) {
      TestPages pages({1, 2}, uint8_t(i));
      ASSERT_TRUE(log->Append(Info(2, 2, uint32_t(i + 1)), pages).ok());
    }
    EXPECT_GT(Segments(*log).size(), 3u);  // small segments: records spread over several files
  }
  auto log = OpenLog(dir.path(), 3 * 4100);
  EXPECT_EQ(log->last_frame_no(), 19u);
  EXPECT_EQ(log->last_record()->wal.frame, 10u);
  TestPages pages({1}, 99);
  auto last = log->Append(Info(1, 2), pages);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 20u);
  auto batch = log->ReadFrames(0, 1000);
  ASSERT_EQ(batch->frames.size(), 21u);
  for (size_t i = 0; i < 21; ++i) EXPECT_EQ(batch->frames[i].frame_no, i);
  EXPECT_TRUE(batch->frames[20].page == TestPages::Expected(1, 99));
  for (const auto& path : Segments(*log)) {
    auto first = ParseSegmentFileName(path.filename().string());
    ASSERT_TRUE(first.has_value()) << path;
  }
}

TEST(FrameLogTest, VisitsRecordsNewestFirstAcrossSegments) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path(), /*segment_bytes=*/3 * 4100);
  for (int i = 0; i < 7; ++i) {
    TestPages pages({1, uint32_t(2 + i)}, uint8_t(i));
    ASSERT_TRUE(log->Append(Info(2, uint32_t(2 + i)), pages).ok());
  }
  ASSERT_GT(Segments(*log).size(), 2u);
  std::vector<uint64_t> firsts;
  std::vector<uint8_t> entry(4 + kPage);
  Status status = log->ForEachRecordNewestFirst(
      [&](const RecordHeader& header, const FrameLog::EntryReader& read_entry) -> Result<bool> {
        firsts.push_back(header.first_frame_no);
        // Entries are read on demand: the second one is the page only this record wrote.
        uint8_t version = uint8_t(header.first_frame_no / 2);
        if (Status s = read_entry(1, entry.data()); !s.ok()) return s;
        EXPECT_EQ(RecordEntryPageNumber(entry.data()), 2u + version);
        EXPECT_TRUE(std::string(reinterpret_cast<const char*>(entry.data() + 4), kPage) ==
                    TestPages::Expected(2 + version, version))
            << header.first_frame_no;
        EXPECT_FALSE(read_entry(2, entry.data()).ok());
        return firsts.size() < 5;  // stops when asked to
      });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(firsts, (std::vector<uint64_t>{12, 10, 8, 6, 4}));
}

TEST(FrameLogTest, TornTailIsTruncatedOnOpen) {
  test::TempDirectory dir;
  std::filesystem::path segment;
  uint64_t intact_size;
  {
    auto log = OpenLog(dir.path());
    for (int i = 0; i < 3; ++i) {
      TestPages pages({1, 2}, uint8_t(i));
      ASSERT_TRUE(log->Append(Info(2, 2), pages).ok());
    }
    segment = Segments(*log).back();
    intact_size = std::filesystem::file_size(segment);
  }
  // A crash in the middle of the fourth append: half a record at the end.
  {
    std::ofstream out(segment, std::ios::binary | std::ios::app);
    std::string garbage(5000, 'x');
    out.write(garbage.data(), std::streamsize(garbage.size()));
  }
  auto log = OpenLog(dir.path());
  EXPECT_EQ(log->last_frame_no(), 5u);
  EXPECT_EQ(std::filesystem::file_size(segment), intact_size);
  TestPages pages({2}, 7);
  auto last = log->Append(Info(1, 2), pages);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 6u);
}

TEST(FrameLogTest, RecordWithBadCrcAndEverythingAfterIsDropped) {
  test::TempDirectory dir;
  std::filesystem::path segment;
  {
    auto log = OpenLog(dir.path());
    for (int i = 0; i < 4; ++i) {
      TestPages pages({1, 2}, uint8_t(i));
      ASSERT_TRUE(log->Append(Info(2, 2), pages).ok());
    }
    segment = Segments(*log).back();
  }
  // Flip one byte inside the second record's page data.
  uint64_t record = kRecordHeaderSize + 2 * (4 + kPage) + kRecordTrailerSize;
  {
    auto file = PosixFile::Open(segment, O_RDWR);
    ASSERT_TRUE(file.ok());
    uint64_t offset = kSegmentHeaderSize + record + kRecordHeaderSize + 100;
    uint8_t byte;
    ASSERT_EQ(*file->ReadAt(&byte, 1, offset), 1u);
    byte ^= 0x40;
    ASSERT_TRUE(file->WriteAt(&byte, 1, offset).ok());
  }
  auto log = OpenLog(dir.path());
  EXPECT_EQ(log->last_frame_no(), 1u);
  EXPECT_EQ(std::filesystem::file_size(segment), kSegmentHeaderSize + record);
  auto batch = log->ReadFrames(0, 100);
  ASSERT_EQ(batch->frames.size(), 2u);
}

TEST(FrameLogTest, CorruptionInAnOlderSegmentIsAnError) {
  test::TempDirectory dir;
  std::filesystem::path first_segment;
  {
    auto log = OpenLog(dir.path(), 4100);
    for (int i = 0; i < 3; ++i) {
      TestPages pages({1}, uint8_t(i));
      ASSERT_TRUE(log->Append(Info(1, 1), pages).ok());
    }
    first_segment = Segments(*log).front();
  }
  {
    auto file = PosixFile::Open(first_segment, O_RDWR);
    uint8_t byte = 0xff;
    ASSERT_TRUE(file->WriteAt(&byte, 1, kSegmentHeaderSize + 9).ok());  // first_frame_no
  }
  FrameLogOptions options;
  options.directory = dir.path();
  auto log = FrameLog::Open(options);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("corrupt"), std::string::npos) << log.status().message();
}

TEST(FrameLogTest, RejectsPagesOutOfOrderOrBeyondCommit) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path());
  TestPages unsorted({2, 1}, 0);
  EXPECT_FALSE(log->Append(Info(2, 2), unsorted).ok());
  TestPages beyond({1, 3}, 0);
  EXPECT_FALSE(log->Append(Info(2, 2), beyond).ok());
  EXPECT_TRUE(log->empty());
  TestPages good({1}, 0);
  auto last = log->Append(Info(1, 1), good);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 0u);
  // The failed appends left nothing behind: the log reopens with exactly one record.
  log.reset();
  log = OpenLog(dir.path());
  EXPECT_EQ(log->last_frame_no(), 0u);
}

TEST(FrameLogTest, NewLineageReplacesTheLog) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path());
  for (int i = 0; i < 3; ++i) {
    TestPages pages({1, 2}, uint8_t(i));
    ASSERT_TRUE(log->Append(Info(2, 2), pages).ok());
  }
  LogId old_id = log->log_id();
  TestPages snapshot({1, 2, 3}, 50);
  TransactionInfo info = Info(3, 3, 17);
  ASSERT_TRUE(log->StartNewLineage(&info, &snapshot).ok());
  EXPECT_NE(log->log_id(), old_id);
  EXPECT_EQ(log->last_frame_no(), 2u);
  EXPECT_EQ(log->last_record()->flags & kRecordFlagBaseSnapshot, kRecordFlagBaseSnapshot);
  EXPECT_EQ(log->last_record()->wal.frame, 17u);
  EXPECT_FALSE(std::filesystem::exists(dir / FormatLogId(old_id)));
  LogId new_id = log->log_id();
  log.reset();
  log = OpenLog(dir.path());
  EXPECT_EQ(log->log_id(), new_id);
  auto batch = log->ReadFrames(0, 100);
  ASSERT_EQ(batch->frames.size(), 3u);
  EXPECT_EQ(batch->frames[2].size_after, 3u);
  EXPECT_TRUE(batch->frames[2].page == TestPages::Expected(3, 50));

  // An empty new lineage.
  ASSERT_TRUE(log->StartNewLineage(nullptr, nullptr).ok());
  EXPECT_TRUE(log->empty());
  EXPECT_NE(log->log_id(), new_id);
}

TEST(FrameLogTest, StaleLineageFromAnInterruptedSwitchIsRemoved) {
  test::TempDirectory dir;
  LogId id;
  {
    auto log = OpenLog(dir.path());
    id = log->log_id();
  }
  std::filesystem::path stale = dir / FormatLogId(NewLogId());
  std::filesystem::create_directories(stale);
  std::ofstream(stale / SegmentFileName(0)) << "partial";
  auto log = OpenLog(dir.path());
  EXPECT_EQ(log->log_id(), id);
  EXPECT_FALSE(std::filesystem::exists(stale));
}

TEST(FrameLogTest, WaitersAndListenersSeeNewFrames) {
  test::TempDirectory dir;
  auto log = OpenLog(dir.path());
  std::atomic<uint64_t> heard{0};
  uint64_t id = log->AddListener([&](uint64_t last) { heard = last + 1; });
  EXPECT_FALSE(log->WaitForFrame(0, std::chrono::milliseconds(10)));
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    TestPages pages({1, 2}, 0);
    ASSERT_TRUE(log->Append(Info(2, 2), pages).ok());
  });
  EXPECT_TRUE(log->WaitForFrame(1, std::chrono::seconds(10)));
  writer.join();
  EXPECT_EQ(heard.load(), 2u);
  log->RemoveListener(id);
  TestPages pages({1}, 1);
  ASSERT_TRUE(log->Append(Info(1, 2), pages).ok());
  EXPECT_EQ(heard.load(), 2u);
  log->Close();
  EXPECT_FALSE(log->WaitForFrame(100, std::chrono::seconds(10)));  // returns at once
}

}  // namespace
}  // namespace edgelite::wal

namespace edgelite::wal {
namespace {

// Compaction: older segments fold into one snapshot holding the newest version of each page;
// readers below it are told to fetch the snapshot, which streams newest frames first.
class FrameLogCompactionTest : public ::testing::Test {
 protected:
  // Ten transactions over pages 1..4, one segment each (tiny segments); the 7th shrinks to 2 pages.
  void Fill(FrameLog& log) {
    for (int i = 0; i < 10; ++i) {
      std::vector<uint32_t> pages;
      uint32_t commit = i == 6 ? 2 : 4;
      if (i == 6) {
        pages = {2};
      } else if (i % 2 == 0 || i == 9) {
        pages = {1, 3};
      } else {
        pages = {2, 4};
      }
      TestPages source(pages, uint8_t(i));
      ASSERT_TRUE(log.Append(Info(uint32_t(pages.size()), commit), source).ok());
    }
  }
  test::TempDirectory dir_;
};

TEST_F(FrameLogCompactionTest, FoldsOlderSegmentsIntoASnapshot) {
  auto log = OpenLog(dir_.path(), /*segment_bytes=*/4096);
  Fill(*log);
  // Frames: t0 {1,3} 0-1, t1 {2,4} 2-3, t2 {1,3} 4-5, t3 {2,4} 6-7, t4 {1,3} 8-9, t5 {2,4} 10-11,
  // t6 {2} (shrink to 2 pages) 12, t7 {2,4} 13-14, t8 {1,3} 15-16, t9 {1,3} 17-18 (active segment).
  auto compacted = log->Compact();
  ASSERT_TRUE(compacted.ok()) << compacted.status().message();
  EXPECT_TRUE(*compacted);
  auto snapshot = log->snapshot();
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(snapshot->end_frame_no, 16u);
  EXPECT_EQ(snapshot->size_after, 4u);
  EXPECT_EQ(snapshot->page_count, 4u);
  EXPECT_EQ(log->first_frame_no(), 17u);
  EXPECT_EQ(log->last_frame_no(), 18u);

  auto below = log->ReadFrames(3, 100);
  ASSERT_TRUE(below.ok());
  EXPECT_TRUE(below->need_snapshot);
  auto rest = log->ReadFrames(17, 100);
  ASSERT_EQ(rest->frames.size(), 2u);

  // Whole snapshot: newest frame first, one frame per page, size on the last.
  std::vector<LogFrame> frames;
  ASSERT_TRUE(log->ForEachSnapshotFrame(0,
                                        [&](const LogFrame& f) {
                                          frames.push_back(f);
                                          return Result<bool>(true);
                                        })
                  .ok());
  ASSERT_EQ(frames.size(), 4u);
  const uint64_t frame_nos[] = {16, 15, 14, 13};
  const uint32_t page_nos[] = {3, 1, 4, 2};
  const uint8_t versions[] = {8, 8, 7, 7};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(frames[i].frame_no, frame_nos[i]);
    EXPECT_EQ(frames[i].page_no, page_nos[i]);
    EXPECT_TRUE(frames[i].page == TestPages::Expected(page_nos[i], versions[i])) << i;
    EXPECT_EQ(frames[i].size_after, i == 3 ? 4u : 0u);
  }
  // From frame 15 on: only the pages changed since.
  frames.clear();
  ASSERT_TRUE(log->ForEachSnapshotFrame(15,
                                        [&](const LogFrame& f) {
                                          frames.push_back(f);
                                          return Result<bool>(true);
                                        })
                  .ok());
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames.back().size_after, 4u);

  // The cursor form of the same stream, and no snapshot for frames past its end.
  auto cursor = log->OpenSnapshot(0);
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->has_value());
  EXPECT_EQ((**cursor)->remaining(), 4u);
  EXPECT_EQ((**cursor)->end_frame_no(), 16u);
  EXPECT_EQ((**cursor)->size_after(), 4u);
  auto first = (**cursor)->Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->frame_no, 16u);
  auto past = log->OpenSnapshot(17);
  ASSERT_TRUE(past.ok());
  EXPECT_FALSE(past->has_value());

  // Compacting again folds nothing new (only the active segment is left)...
  EXPECT_FALSE(*log->Compact());
  // ...until more segments fill up; the new snapshot replaces the old one.
  TestPages more({1}, 20);
  ASSERT_TRUE(log->Append(Info(1, 4), more).ok());
  ASSERT_TRUE(log->Append(Info(1, 4), more).ok());
  EXPECT_TRUE(*log->Compact());
  EXPECT_EQ(log->snapshot()->end_frame_no, 19u);
  int snapshot_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / log->log_id_string())) {
    if (entry.path().extension() == ".snap") ++snapshot_files;
  }
  EXPECT_EQ(snapshot_files, 1);
}

TEST_F(FrameLogCompactionTest, ShrinkDropsPagesFromTheSnapshot) {
  auto log = OpenLog(dir_.path(), 4096);
  for (int i = 0; i < 3; ++i) {
    TestPages pages({1, 2, 3, 4}, uint8_t(i));
    ASSERT_TRUE(log->Append(Info(4, 4), pages).ok());
  }
  TestPages shrink({1}, 9);
  ASSERT_TRUE(log->Append(Info(1, 2), shrink).ok());
  TestPages last({1}, 10);
  ASSERT_TRUE(log->Append(Info(1, 2), last).ok());
  ASSERT_TRUE(*log->Compact());
  EXPECT_EQ(log->snapshot()->size_after, 2u);
  EXPECT_EQ(log->snapshot()->page_count, 2u);
}

TEST_F(FrameLogCompactionTest, SurvivesReopenAndInterruptedCompactions) {
  std::filesystem::path lineage;
  std::filesystem::path first_segment;
  {
    auto log = OpenLog(dir_.path(), 4096);
    Fill(*log);
    lineage = dir_ / log->log_id_string();
    first_segment = lineage / SegmentFileName(0);
    std::filesystem::copy_file(first_segment, dir_ / "saved.seg");
    ASSERT_TRUE(*log->Compact());
  }
  // As if the compaction had died before deleting a folded segment, and another mid-write.
  std::filesystem::copy_file(dir_ / "saved.seg", first_segment);
  std::ofstream(lineage / (SnapshotFileName(99) + ".tmp")) << "partial";
  auto log = OpenLog(dir_.path(), 4096);
  EXPECT_FALSE(std::filesystem::exists(first_segment));
  EXPECT_FALSE(std::filesystem::exists(lineage / (SnapshotFileName(99) + ".tmp")));
  EXPECT_EQ(log->snapshot()->end_frame_no, 16u);
  EXPECT_EQ(log->first_frame_no(), 17u);
  EXPECT_EQ(log->last_frame_no(), 18u);
  TestPages pages({1}, 1);
  auto last = log->Append(Info(1, 4), pages);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, 19u);
}

}  // namespace
}  // namespace edgelite::wal
