// Translation between the frame log and the replication service.
#include "server/replication/frame_log_source.h"

namespace edgelite::replication {
namespace {

LogFrame ToWire(wal::LogFrame frame) {
  LogFrame wire;
  wire.frame_no = frame.frame_no;
  wire.page_no = frame.page_no;
  wire.size_after = frame.size_after;
  wire.page = std::move(frame.page);
  if (frame.size_after != 0 && frame.timestamp_ms != 0) {
    wire.commit_time_ms = static_cast<int64_t>(frame.timestamp_ms);
  }
  return wire;
}

class LogSnapshotCursor : public SnapshotCursor {
 public:
  explicit LogSnapshotCursor(std::unique_ptr<wal::FrameLog::SnapshotCursor> cursor)
      : cursor_(std::move(cursor)) {}

  uint32_t size_after() const override { return cursor_->size_after(); }

  // The replication service puts the size on the last frame itself: every frame read here has 0.
  Result<std::optional<LogFrame>> Next() override {
    auto next = cursor_->Next();
    if (!next.ok()) return next.status();
    if (!*next) return std::optional<LogFrame>();
    LogFrame wire = ToWire(std::move(**next));
    wire.size_after = 0;
    wire.commit_time_ms.reset();
    return std::optional<LogFrame>(std::move(wire));
  }

 private:
  std::unique_ptr<wal::FrameLog::SnapshotCursor> cursor_;
};

}  // namespace

Result<FrameRead> FrameLogSource::ReadFrames(uint64_t from, size_t target_frames) {
  std::optional<uint64_t> last = log_->last_frame_no();
  if (!last || from > *last) return FrameRead(std::vector<LogFrame>());
  auto batch = log_->ReadFrames(from, target_frames);
  if (!batch.ok()) return batch.status();
  if (batch->need_snapshot) return FrameRead(NeedSnapshot{});
  std::vector<LogFrame> frames;
  frames.reserve(batch->frames.size());
  for (wal::LogFrame& frame : batch->frames) frames.push_back(ToWire(std::move(frame)));
  return FrameRead(std::move(frames));
}

Result<SnapshotOpen> FrameLogSource::OpenSnapshot(uint64_t from) {
  auto opened = log_->OpenSnapshot(from);
  if (!opened.ok()) return opened.status();
  if (!*opened) return SnapshotOpen(SnapshotNotFound{});
  return SnapshotOpen(std::make_unique<LogSnapshotCursor>(std::move(**opened)));
}

CommitSubscription FrameLogSource::SubscribeToCommits(std::function<void(uint64_t)> committed) {
  uint64_t id = log_->AddListener(std::move(committed));
  return CommitSubscription([log = log_, id] { log->RemoveListener(id); });
}

}  // namespace edgelite::replication
