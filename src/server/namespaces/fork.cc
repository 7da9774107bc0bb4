// Replaying a frame log into a database file.
#include "server/namespaces/fork.h"

#include <fcntl.h>
#include <fmt/format.h>

#include <variant>
#include <vector>

#include "wal/posix_file.h"

namespace edgelite::server {
namespace {

constexpr size_t kPageSize = 4096;
constexpr size_t kFramesPerRead = 256;

Status WritePage(const wal::PosixFile& file, const replication::LogFrame& frame) {
  if (frame.page_no == 0 || frame.page.size() != kPageSize) {
    return Status::Internal(fmt::format("frame {} holds no valid page", frame.frame_no));
  }
  return file.WriteAt(frame.page.data(), kPageSize, uint64_t(frame.page_no - 1) * kPageSize);
}

bool Within(const replication::LogFrame& commit, const ForkPoint& point) {
  if (point.frame_no && commit.frame_no > *point.frame_no) return false;
  if (point.unix_millis && (!commit.commit_time_ms || *commit.commit_time_ms > *point.unix_millis)) {
    return false;
  }
  return true;
}

std::string Describe(const ForkPoint& point) {
  if (point.frame_no) return fmt::format("frame {}", *point.frame_no);
  if (point.unix_millis) return fmt::format("{} ms after the Unix epoch", *point.unix_millis);
  return "the newest commit";
}

}  // namespace

Result<ForkOutcome> WriteForkImage(replication::FrameSource& source, const ForkPoint& point,
                                   const std::filesystem::path& file, uint64_t first_frame) {
  std::optional<uint64_t> head = source.last_committed_frame_no();
  if (!head) return Status::InvalidArgument("the source database has no commit to branch from");
  ForkPoint bounded = point;
  // The newest commit as of now: later commits are not part of the branch.
  if (!bounded.frame_no || *bounded.frame_no > *head) bounded.frame_no = *head;

  auto image =
      wal::PosixFile::Open(file, first_frame == 0 ? O_WRONLY | O_CREAT | O_EXCL : O_WRONLY);
  if (!image.ok()) return image.status();
  std::optional<ForkOutcome> reached;
  if (first_frame > *bounded.frame_no) {
    // The copy holds the point already, at the copy's size.
    auto size = image->Size();
    if (!size.ok()) return size.status();
    reached = ForkOutcome{*bounded.frame_no, uint32_t(*size / kPageSize)};
  }
  // A snapshot keeps no commit times: a branch as of a time needs a commit after it that is
  // known to be at or before that time.
  bool reached_by_snapshot = false;
  uint64_t next = first_frame;
  while (next <= *bounded.frame_no) {
    auto read = source.ReadFrames(next, kFramesPerRead);
    if (!read.ok()) return read.status();
    if (std::holds_alternative<replication::NeedSnapshot>(*read)) {
      auto opened = source.OpenSnapshot(next);
      if (!opened.ok()) return opened.status();
      auto* cursor = std::get_if<std::unique_ptr<replication::SnapshotCursor>>(&*opened);
      if (!cursor) return Status::Unavailable("the source's log is being compacted; retry");
      // Descending frame numbers: the first is the snapshot's last commit.
      std::optional<uint64_t> top;
      while (true) {
        auto frame = (*cursor)->Next();
        if (!frame.ok()) return frame.status();
        if (!*frame) break;
        if (!top) {
          top = (*frame)->frame_no;
          if (*top > *bounded.frame_no) {
            return Status::InvalidArgument(fmt::format(
                "{} is older than the source's log reaches (it starts with a snapshot of frame {})",
                Describe(point), *top));
          }
        }
        if (Status written = WritePage(*image, **frame); !written.ok()) return written;
      }
      if (!top) return Status::Internal("the source's snapshot is empty");
      reached = ForkOutcome{*top, (*cursor)->size_after()};
      reached_by_snapshot = true;
      next = *top + 1;
      continue;
    }
    auto& frames = std::get<std::vector<replication::LogFrame>>(*read);
    if (frames.empty()) break;
    size_t start = 0;
    bool done = false;
    for (size_t i = 0; i < frames.size() && !done; ++i) {
      if (!frames[i].is_commit()) continue;
      if (!Within(frames[i], bounded)) {
        done = true;
        break;
      }
      for (size_t k = start; k <= i; ++k) {
        if (Status written = WritePage(*image, frames[k]); !written.ok()) return written;
      }
      reached = ForkOutcome{frames[i].frame_no, frames[i].size_after};
      reached_by_snapshot = false;
      start = i + 1;
    }
    if (done) break;
    next = frames.back().frame_no + 1;
  }
  if (!reached || (point.unix_millis && reached_by_snapshot)) {
    return Status::InvalidArgument(
        fmt::format("the source's log has no commit at or before {}", Describe(point)));
  }
  if (Status sized = image->Truncate(uint64_t(reached->pages) * kPageSize); !sized.ok()) {
    return sized;
  }
  if (Status synced = image->Sync(); !synced.ok()) return synced;
  return *reached;
}

}  // namespace edgelite::server
