// An in-memory FrameSource for the replication tests: a log of committed transactions whose
// oldest frames can be "compacted" into snapshots, commit notifications for the streams that
// follow it, and switches that make it misbehave the ways a broken log could, so that the
// service's own checks can be seen to work. Single-threaded, like the tests that drive it.
#pragma once

#include <functional>
#include <map>
#include <utility>

#include "server/replication/frame_source.h"

namespace edgelite::replication::test {

// A page whose bytes say which frame wrote it.
inline std::string PageFor(uint64_t frame_no) {
  return std::string(kPageSize, char('a' + frame_no % 26));
}

class FakeFrameSource : public FrameSource {
 public:
  std::string log_id() const override { return "7a1f6ad0-2c5c-4a3f-9f0a-3d7b1e9c0b11"; }

  std::optional<uint64_t> last_committed_frame_no() const override {
    if (frames_.empty()) return std::nullopt;
    return frames_.back().frame_no;
  }

  // Appends one transaction writing `pages` pages (page numbers 1..pages), and tells the
  // subscribers.
  void Commit(uint32_t pages, std::optional<int64_t> commit_time_ms = std::nullopt) {
    for (uint32_t i = 1; i <= pages; ++i) {
      LogFrame frame;
      frame.frame_no = next_frame_no_++;
      frame.checksum = frame.frame_no * 31;
      frame.page_no = i;
      frame.page = PageFor(frame.frame_no);
      if (i == pages) {
        frame.size_after = pages;
        frame.commit_time_ms = commit_time_ms;
      }
      frames_.push_back(std::move(frame));
    }
    // A copy: a subscriber may unsubscribe as it is told.
    auto subscribers = subscribers_;
    for (const auto& [id, committed] : subscribers) committed(next_frame_no_ - 1);
  }

  // Frames before `first` are gone from the log; readers of them need a snapshot.
  void CompactBefore(uint64_t first) {
    while (!frames_.empty() && frames_.front().frame_no < first) frames_.erase(frames_.begin());
    first_frame_no_ = first;
  }

  // A snapshot covering [start, end]: `frames` in descending frame_no order.
  void AddSnapshot(uint64_t start, uint64_t end, uint32_t size_after,
                   std::vector<LogFrame> frames) {
    snapshots_[{start, end}] = {size_after, std::move(frames)};
  }

  Result<FrameRead> ReadFrames(uint64_t from, size_t target_frames) override {
    ++reads_;
    if (fail_reads_) return Status::Io("disk on fire");
    if (from < first_frame_no_) return FrameRead(NeedSnapshot{});
    std::vector<LogFrame> out;
    for (const LogFrame& frame : frames_) {
      if (frame.frame_no < from) continue;
      out.push_back(frame);
      if (out.size() >= target_frames && frame.is_commit()) break;
    }
    if (drop_commit_marker_ && !out.empty()) out.back().size_after = 0;
    if (skip_a_frame_ && out.size() > 1) out.erase(out.begin() + 1);
    if (auto hook = std::exchange(after_next_read_, nullptr)) hook();
    return FrameRead(std::move(out));
  }

  Result<SnapshotOpen> OpenSnapshot(uint64_t from) override {
    for (const auto& [range, snapshot] : snapshots_) {
      if (range.first <= from && from <= range.second) {
        std::vector<LogFrame> wanted;
        for (const LogFrame& frame : snapshot.second) {
          if (frame.frame_no >= from) wanted.push_back(frame);
        }
        return SnapshotOpen(
            std::make_unique<Cursor>(snapshot.first, std::move(wanted), fail_snapshot_after_));
      }
    }
    return SnapshotOpen(SnapshotNotFound{});
  }

  CommitSubscription SubscribeToCommits(std::function<void(uint64_t)> committed) override {
    uint64_t id = next_subscriber_id_++;
    subscribers_[id] = std::move(committed);
    return CommitSubscription([this, id] { subscribers_.erase(id); });
  }
  size_t subscribers() const { return subscribers_.size(); }

  size_t reads_ = 0;
  // Runs once, when the next read has taken its frames (a commit landing just after a reader
  // looked).
  std::function<void()> after_next_read_;
  bool fail_reads_ = false;
  bool drop_commit_marker_ = false;
  bool skip_a_frame_ = false;
  std::optional<size_t> fail_snapshot_after_;  // frames before the cursor fails

 private:
  class Cursor : public SnapshotCursor {
   public:
    Cursor(uint32_t size_after, std::vector<LogFrame> frames, std::optional<size_t> fail_after)
        : size_after_(size_after), frames_(std::move(frames)), fail_after_(fail_after) {}
    uint32_t size_after() const override { return size_after_; }
    Result<std::optional<LogFrame>> Next() override {
      if (fail_after_ && next_ == *fail_after_) return Status::Io("snapshot file truncated");
      if (next_ == frames_.size()) return std::optional<LogFrame>();
      return std::optional<LogFrame>(frames_[next_++]);
    }

   private:
    uint32_t size_after_;
    std::vector<LogFrame> frames_;
    std::optional<size_t> fail_after_;
    size_t next_ = 0;
  };

  std::vector<LogFrame> frames_;
  std::map<uint64_t, std::function<void(uint64_t)>> subscribers_;
  uint64_t next_subscriber_id_ = 1;
  uint64_t next_frame_no_ = 0;
  uint64_t first_frame_no_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, std::pair<uint32_t, std::vector<LogFrame>>> snapshots_;
};

// Snapshot frames as the log would store them: one per page, newest first, size_after 0.
inline std::vector<LogFrame> SnapshotFrames(
    std::initializer_list<std::pair<uint64_t, uint32_t>> frame_and_page) {
  std::vector<LogFrame> frames;
  for (auto [frame_no, page_no] : frame_and_page) {
    LogFrame frame;
    frame.frame_no = frame_no;
    frame.page_no = page_no;
    frame.page = PageFor(frame_no);
    frames.push_back(std::move(frame));
  }
  return frames;
}

}  // namespace edgelite::replication::test
