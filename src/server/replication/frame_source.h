// FrameSource: what the replication service needs from a primary's replication log, and nothing
// more. The wire side (replication_service) serves Hello, BatchLogEntries, LogEntries and Snapshot
// from it; the storage side (src/wal/, the frame log and its snapshots) implements it. Frame
// numbers are global, gapless and start at 0 for a log lineage (`log_id`); see docs/protocol.md
// §9.3–§9.7 for the invariants the wire relies on. Implementations are called from several I/O
// threads at once and must be thread-safe; they also tell subscribers of each commit, which is how
// a LogEntries stream waiting at the end of the log wakes up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "edgelite/status.h"
#include "protocol/log_frame.h"

namespace edgelite::replication {

// `from` is older than the oldest frame the log still holds: the replica needs a snapshot.
struct NeedSnapshot {};
using FrameRead = std::variant<std::vector<LogFrame>, NeedSnapshot>;

// Reads one snapshot: the newest image of every page changed in the snapshot's frame range, in
// descending frame_no order. Frames read from a snapshot carry size_after = 0.
class SnapshotCursor {
 public:
  virtual ~SnapshotCursor() = default;
  // The database size in pages at the snapshot's last frame.
  virtual uint32_t size_after() const = 0;
  // The next frame, or nullopt after the last one.
  virtual Result<std::optional<LogFrame>> Next() = 0;
};

// No snapshot covers the requested frame (yet: compaction may still be writing it).
struct SnapshotNotFound {};
using SnapshotOpen = std::variant<std::unique_ptr<SnapshotCursor>, SnapshotNotFound>;

// Keeps a commit listener subscribed while it lives (move-only).
class CommitSubscription {
 public:
  CommitSubscription() = default;
  explicit CommitSubscription(std::function<void()> unsubscribe)
      : unsubscribe_(std::move(unsubscribe)) {}
  CommitSubscription(CommitSubscription&& other) noexcept
      : unsubscribe_(std::exchange(other.unsubscribe_, nullptr)) {}
  CommitSubscription& operator=(CommitSubscription&& other) noexcept {
    if (this != &other) {
      Reset();
      unsubscribe_ = std::exchange(other.unsubscribe_, nullptr);
    }
    return *this;
  }
  ~CommitSubscription() { Reset(); }

 private:
  void Reset() {
    if (auto unsubscribe = std::exchange(unsubscribe_, nullptr)) unsubscribe();
  }

  std::function<void()> unsubscribe_;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;

  // The UUID of the log's lineage in its text form. It changes only when the log is rebuilt, and
  // replicas that see a different one start over.
  virtual std::string log_id() const = 0;

  // The frame_no of the last committed frame; nullopt while the log is empty.
  virtual std::optional<uint64_t> last_committed_frame_no() const = 0;

  // Committed frames from `from` on, in frame_no order. Reading stops at the first commit frame
  // at or after `target_frames` frames (so the result may hold more), or at the end of the log;
  // either way the result ends on a commit frame. Empty when `from` is past the last committed
  // frame. NeedSnapshot when `from` has been compacted away.
  virtual Result<FrameRead> ReadFrames(uint64_t from, size_t target_frames) = 0;

  // The snapshot whose frame range contains `from`, positioned to yield only frames with
  // frame_no >= `from`.
  virtual Result<SnapshotOpen> OpenSnapshot(uint64_t from) = 0;

  // Calls `committed` with the new last committed frame_no after every commit, until the
  // subscription is dropped. It runs on the committing thread once the frames are readable; it
  // must be quick (the commit is acknowledged after it) and may still run once while the
  // subscription is being dropped.
  virtual CommitSubscription SubscribeToCommits(
      std::function<void(uint64_t last_frame_no)> committed) = 0;
};

}  // namespace edgelite::replication
