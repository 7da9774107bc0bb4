// ReplayLog: apply frame log records to a database file with pwrite + ftruncate.
#include "wal/replay.h"

#include <fcntl.h>
#include <fmt/format.h>

#include "wal/posix_file.h"

namespace edgelite::wal {

Result<ReplayResult> ReplayLog(const FrameLog& log, const std::filesystem::path& target,
                               std::optional<uint64_t> up_to_frame) {
  std::error_code error;
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::filesystem::path stale = target;
    stale += suffix;
    std::filesystem::remove(stale, error);
  }
  auto file = PosixFile::Open(target, O_RDWR | O_CREAT | O_TRUNC);
  if (!file.ok()) return file.status();

  ReplayResult result;
  const uint32_t page_size = log.page_size();
  // A compacted log starts with its snapshot: frames 0..end folded into one image.
  uint64_t first_record_frame = 0;
  if (auto snapshot = log.snapshot()) {
    if (up_to_frame && *up_to_frame < snapshot->end_frame_no) {
      return Status::InvalidArgument(
          fmt::format("frames up to {} were compacted into a snapshot; cannot replay to frame {}",
                      snapshot->end_frame_no, *up_to_frame));
    }
    Status status = log.ForEachSnapshotPage([&](uint32_t page_no, const uint8_t* page) {
      return file->WriteAt(page, page_size, uint64_t(page_no - 1) * page_size);
    });
    if (!status.ok()) return status;
    if (Status s = file->Truncate(uint64_t(snapshot->size_after) * page_size); !s.ok()) return s;
    result.last_frame_no = snapshot->end_frame_no;
    result.database_pages = snapshot->size_after;
    first_record_frame = snapshot->end_frame_no + 1;
  } else if (log.first_frame_no() > 0) {
    return Status::Internal(
        fmt::format("the log starts at frame {} and has no snapshot", log.first_frame_no()));
  }
  Status status = log.ForEachRecord(
      first_record_frame, [&](const RecordHeader& header, const uint8_t* pages) -> Result<bool> {
        if (up_to_frame && header.last_frame_no() > *up_to_frame) return false;
        for (uint32_t i = 0; i < header.frame_count; ++i) {
          const uint8_t* entry = pages + size_t(i) * (4 + page_size);
          uint32_t page_no = RecordEntryPageNumber(entry);
          if (Status s = file->WriteAt(entry + 4, page_size, uint64_t(page_no - 1) * page_size);
              !s.ok()) {
            return s;
          }
        }
        // A shrinking transaction (VACUUM, incremental vacuum) drops the pages beyond its size.
        if (Status s = file->Truncate(uint64_t(header.commit_pages) * page_size); !s.ok()) return s;
        result.last_frame_no = header.last_frame_no();
        result.database_pages = header.commit_pages;
        ++result.records;
        return true;
      });
  if (!status.ok()) return status;
  if (Status s = file->Sync(); !s.ok()) return s;
  return result;
}

}  // namespace edgelite::wal
