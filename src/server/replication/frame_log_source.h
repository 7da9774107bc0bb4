// FrameLogSource: the replication service's view (FrameSource) of a primary's frame log
// (wal::FrameLog). It only translates: frame numbers, batches and snapshots mean the same on both
// sides (docs/protocol.md §9.3–§9.7).
#pragma once

#include <memory>

#include "server/replication/frame_source.h"
#include "wal/frame_log.h"

namespace edgelite::replication {

class FrameLogSource : public FrameSource {
 public:
  explicit FrameLogSource(wal::FrameLog* log) : log_(log) {}

  std::string log_id() const override { return log_->log_id_string(); }
  std::optional<uint64_t> last_committed_frame_no() const override { return log_->last_frame_no(); }
  Result<FrameRead> ReadFrames(uint64_t from, size_t target_frames) override;
  Result<SnapshotOpen> OpenSnapshot(uint64_t from) override;
  CommitSubscription SubscribeToCommits(std::function<void(uint64_t)> committed) override;

 private:
  wal::FrameLog* log_;
};

}  // namespace edgelite::replication
