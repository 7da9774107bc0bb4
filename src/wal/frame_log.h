// FrameLog: the durable, append-only log of committed transactions that a primary serves to its
// replicas. Each append is one transaction (one record, log_format.h), fsynced before Append
// returns; frame numbers are global, gapless and start at 0 in every lineage (log_id). Readers get
// frames from any frame_no on, a whole transaction at a time, while appends continue; waiters are
// woken when new frames are committed.
//
// Invariants relied on by readers and by capture:
// - The in-memory index only lists records that are fully written and fsynced, so a reader never
//   sees a torn record and next_frame_no() is the first frame_no not yet durable.
// - On open, the last segment is truncated at its first record whose CRC does not verify (a torn
//   tail from a crash during an append); earlier segments must be intact.
// - A lineage never changes its page size.
// - Records never span segments; only the last (active) segment is appended to. Compaction folds
//   the other, immutable segments into one snapshot file (frames 0..end) and only then deletes
//   them, so the log is always "snapshot (optional) + contiguous segments from its end + 1".
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgelite/status.h"
#include "wal/log_format.h"

namespace edgelite::wal {

// One frame as replicas receive it (protocol.md §9.3): a page image with its global frame number,
// and on the last frame of a transaction the database size in pages after it.
struct LogFrame {
  uint64_t frame_no = 0;
  uint32_t page_no = 0;
  uint32_t size_after = 0;    // non-zero only on the last frame of a transaction
  uint64_t timestamp_ms = 0;  // the commit's Unix time in ms, on the last frame of a transaction
  std::string page;
};

struct FrameBatch {
  // True when `from` is older than the oldest frame the log still holds: the reader must install a
  // snapshot (sqld's FAILED_PRECONDITION "NEED_SNAPSHOT").
  bool need_snapshot = false;
  std::vector<LogFrame> frames;  // whole transactions; empty when the reader is up to date
};

// Supplies the pages of the transaction being appended, in the order they are stored: ascending
// page numbers, each at most commit_pages, never the lock page.
class PageSource {
 public:
  virtual ~PageSource() = default;
  // Copies the `index`-th page into `page` (page_size bytes) and returns its page number.
  virtual Result<uint32_t> ReadPage(uint32_t index, uint8_t* page) = 0;
};

// What a caller knows about a transaction before its pages are written.
struct TransactionInfo {
  uint32_t frame_count = 0;
  uint32_t commit_pages = 0;
  WalPosition wal;  // the primary's WAL position after this transaction
  uint16_t flags = 0;
};

// The compaction snapshot: frames 0..end_frame_no folded into one database image.
struct SnapshotInfo {
  uint64_t end_frame_no = 0;
  uint32_t page_count = 0;  // pages stored (every page of the database but the lock page)
  uint32_t size_after = 0;  // database size in pages as of end_frame_no
};

struct FrameLogOptions {
  std::filesystem::path directory;
  uint32_t page_size = 4096;  // for a new log; an existing log keeps its own
  // A new segment starts once the current one is at least this big (records never span segments).
  uint64_t segment_target_bytes = 64ull << 20;
  // fsync each append (and have capture sync the WAL first). Off under relaxed durability, where a
  // power failure may lose the last commits anyway: a process crash loses nothing either way (the
  // page cache survives it), and a log found ahead of the database after a power failure starts a
  // new lineage (startup reconciliation).
  bool sync_appends = true;
};

class FrameLog {
  struct Snapshot;
  struct SnapshotEntry {
    uint64_t frame_no;
    uint32_t page_no;
    uint64_t offset;  // of the page bytes in the snapshot file
  };

 public:
  // Opens the log in `options.directory`, creating it (with a fresh log_id) when it does not exist.
  static Result<std::unique_ptr<FrameLog>> Open(FrameLogOptions options);
  ~FrameLog();
  FrameLog(const FrameLog&) = delete;
  FrameLog& operator=(const FrameLog&) = delete;

  const std::filesystem::path& directory() const { return options_.directory; }
  LogId log_id() const;
  std::string log_id_string() const { return FormatLogId(log_id()); }
  uint32_t page_size() const;
  bool syncs_appends() const { return options_.sync_appends; }

  // The frame_no the next appended frame gets (= number of frames ever appended in this lineage).
  uint64_t next_frame_no() const;
  // The replication index: frame_no of the last frame of the last committed transaction; nullopt
  // while the log is empty.
  std::optional<uint64_t> last_frame_no() const;
  // The oldest frame_no still readable as frames (0 until compaction removes older segments).
  uint64_t first_frame_no() const;
  // Header of the newest record (the capture position survives restarts through it).
  std::optional<RecordHeader> last_record() const;
  bool empty() const { return !last_frame_no().has_value(); }

  // Appends one transaction and fsyncs it. Returns the frame_no of its last frame. On failure the
  // log is unchanged (a partial record is cut off again) and the error says why.
  Result<uint64_t> Append(const TransactionInfo& info, PageSource& pages);

  // Replaces the log by a new lineage (new log_id, frames from 0) whose first record is `snapshot`
  // (a full database image, flagged kRecordFlagBaseSnapshot), or empty when `pages` is null.
  // Crash-safe: until the meta file is switched, the old lineage stays the current one.
  Status StartNewLineage(const TransactionInfo* snapshot, PageSource* pages);

  // Frames from `from` on: whole transactions (the first possibly starting mid-record when `from`
  // is not a transaction start), at least one transaction when any is available, and no further
  // transaction once `max_frames` frames are collected.
  Result<FrameBatch> ReadFrames(uint64_t from, size_t max_frames) const;

  // Calls `visit` for every record from the one holding `from` on, with its header and its pages
  // part (frame_count x (u32 page_no LE + page)), until it returns false or an error (returned).
  using RecordVisitor = std::function<Result<bool>(const RecordHeader&, const uint8_t* pages)>;
  Status ForEachRecord(uint64_t from, const RecordVisitor& visit) const;
  // Calls `visit` for the newest record, then the one before it, back to the oldest one still held
  // as a record (not folded into the compaction snapshot), until it returns false or an error
  // (returned). Only the headers are read up front: `read_entry(i, entry)` reads the record's i-th
  // entry (u32 page_no LE + page) on demand, without the record's CRC (opening the log verified
  // the newest segment's), so that start-up checks can look at a few pages of a huge record.
  using EntryReader = std::function<Status(uint32_t index, uint8_t* entry)>;
  using RecordHeaderVisitor =
      std::function<Result<bool>(const RecordHeader&, const EntryReader& read_entry)>;
  Status ForEachRecordNewestFirst(const RecordHeaderVisitor& visit) const;

  // --- compaction (sqld's log compaction into snapshots, protocol.md §9.6) ---
  // Folds every segment except the active one into the snapshot (the newest version of each page),
  // then deletes those segments: frames below the snapshot's end + 1 are then only available as a
  // snapshot, and ReadFrames answers need_snapshot for them. Runs alongside appends and reads.
  // Returns whether anything was compacted.
  Result<bool> Compact();
  std::optional<SnapshotInfo> snapshot() const;
  // Streams the snapshot's pages whose newest frame is >= `from`, newest frame first (sqld's
  // Snapshot stream): every frame has size_after 0 except the last, which carries the snapshot's
  // size. A replica at frame `from` applies them as one transaction and continues at
  // end_frame_no() + 1. The cursor keeps the snapshot readable even if a compaction replaces it.
  class SnapshotCursor {
   public:
    uint64_t end_frame_no() const;
    uint32_t size_after() const;
    size_t remaining() const { return entries_.size() - next_; }
    // The next frame, nullopt after the last.
    Result<std::optional<LogFrame>> Next();

   private:
    friend class FrameLog;
    std::shared_ptr<const Snapshot> snapshot_;
    std::vector<SnapshotEntry> entries_;  // descending frame_no
    size_t next_ = 0;
  };
  // nullopt when no snapshot covers `from` (there is none, or `from` is past its end).
  Result<std::optional<std::unique_ptr<SnapshotCursor>>> OpenSnapshot(uint64_t from) const;
  using FrameVisitor = std::function<Result<bool>(const LogFrame&)>;
  Status ForEachSnapshotFrame(uint64_t from, const FrameVisitor& visit) const;
  // Every page of the snapshot in page order (restores and replay start from it).
  Status ForEachSnapshotPage(
      const std::function<Status(uint32_t page_no, const uint8_t* page)>& visit) const;

  // Blocks until frame `frame_no` is committed, the timeout passes or the log closes. True when the
  // frame is there.
  bool WaitForFrame(uint64_t frame_no, std::chrono::milliseconds timeout) const;

  // Listeners are called after every append with the new last frame_no, on the appending thread,
  // outside the log's locks; they must be quick (post to an event loop).
  uint64_t AddListener(std::function<void(uint64_t last_frame_no)> listener);
  void RemoveListener(uint64_t id);

  // Wakes every waiter; later waits return at once.
  void Close();

 private:
  struct RecordRef {
    uint64_t first_frame_no;
    uint32_t frame_count;
    uint64_t offset;  // of the record header in its segment
  };
  struct Segment;

  explicit FrameLog(FrameLogOptions options) : options_(std::move(options)) {}
  Status Load();
  Status LoadSegment(const std::shared_ptr<Segment>& segment, bool is_last);
  Status LoadSnapshot(const std::filesystem::path& lineage);
  // Reads the snapshot's entry table (verifying its CRC) and calls `visit` for each entry.
  static Status ScanSnapshot(const Snapshot& snapshot,
                             const std::function<void(const SnapshotEntry&)>& visit);
  Result<std::shared_ptr<Segment>> CreateSegment(const std::filesystem::path& lineage_dir,
                                                 const LogMeta& meta, uint64_t first_frame_no);
  Result<RecordHeader> WriteRecord(Segment& segment, uint64_t first_frame_no,
                                   const TransactionInfo& info, PageSource& pages);
  std::filesystem::path LineageDirectory(const LogId& id) const;
  void Notify(uint64_t last_frame_no);

  FrameLogOptions options_;
  std::mutex append_mutex_;  // serializes writers (Append, StartNewLineage); taken before mutex_
  // WriteRecord's buffer, under append_mutex_: kept, so that a commit neither allocates nor zeroes
  // a megabyte (fresh pages each time, once the allocator maps blocks that large on its own).
  std::vector<uint8_t> record_buffer_;
  std::mutex compaction_mutex_;  // one compaction at a time; taken before mutex_

  mutable std::mutex mutex_;  // guards everything below
  mutable std::condition_variable committed_;
  LogMeta meta_;
  std::vector<std::shared_ptr<Segment>> segments_;  // ascending first_frame_no; last is active
  std::shared_ptr<Snapshot> snapshot_;  // when set, segments_ start at its end_frame_no + 1
  // Changed under mutex_; read without it by the per-request replication index.
  std::atomic<uint64_t> next_frame_no_{0};
  std::optional<RecordHeader> last_record_;
  bool closed_ = false;
  uint64_t next_listener_id_ = 1;
  std::map<uint64_t, std::shared_ptr<std::function<void(uint64_t)>>> listeners_;
};

}  // namespace edgelite::wal
