// Pulling and applying an embedded replica's frames.
#include "client/replica_sync.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <utility>

namespace edgelite::client {
namespace {

constexpr int kHandshakeAttempts = 3;
constexpr auto kSnapshotPendingRetry = std::chrono::seconds(1);
constexpr int kSnapshotPendingAttempts = 30;
constexpr auto kLiveBackoffFirst = std::chrono::milliseconds(100);
constexpr auto kLiveBackoffMax = std::chrono::seconds(5);
constexpr auto kCheckpointBusyTimeout = std::chrono::milliseconds(100);
// How often the applied position is made durable and recorded beside the file (one WAL sync).
constexpr auto kRecordInterval = std::chrono::milliseconds(100);
// A backlog at least this long streams (LogEntries): the primary keeps sending while the replica
// applies, where batches would cost a round trip each with both sides taking turns.
constexpr uint64_t kStreamBacklogFrames = 4096;
// While a backlog streams, the primary's transactions are grouped into replica transactions of
// about this many frames (a commit each, as a batch is).
constexpr uint64_t kStreamTransactionFrames = 1024;

bool HoldsData(const std::filesystem::path& path) {
  std::error_code error;
  uintmax_t size = std::filesystem::file_size(path, error);
  return !error && size > 0;
}

}  // namespace

Result<std::unique_ptr<ReplicaSync>> ReplicaSync::Open(ReplicaSyncOptions options) {
  auto position = LoadReplicaPosition(options.path);
  if (!position.ok()) return position.status();
  if (!*position && HoldsData(options.path)) {
    return Status::InvalidArgument(fmt::format(
        "{} holds a database but no replica position ({}): it is not an embedded replica, or its "
        "position was lost. Move it away (or delete it) to sync a fresh replica there",
        options.path.string(), ReplicaPositionPath(options.path).string()));
  }
  // The WAL is synced before a position is recorded (MakeDurable), not at every commit: a live
  // replica applies each commit as it lands, and a sync per commit would cap it at the disk's
  // flush rate.
  wal::FrameInjectorOptions injector_options;
  injector_options.sync_each_commit = false;
  if (!*position) {
    // Recorded before the file exists, so that a file without a position is never one of ours
    // (an application's database is refused above, whatever its size).
    *position = ReplicaPosition{};
    if (Status status = SaveReplicaPosition(options.path, **position); !status.ok()) return status;
  }
  auto injector = wal::FrameInjector::Open(options.path, injector_options);
  if (!injector.ok()) return injector.status();
  std::unique_ptr<ReplicaSync> sync(new ReplicaSync(std::move(options), std::move(injector).value(),
                                                    position->value_or(ReplicaPosition{})));
  if (!sync->options_.interval.manual()) {
    sync->background_ = std::thread([raw = sync.get()] { raw->BackgroundLoop(); });
  }
  return sync;
}

ReplicaSync::ReplicaSync(ReplicaSyncOptions options, std::unique_ptr<wal::FrameInjector> injector,
                         ReplicaPosition position)
    : options_(std::move(options)),
      injector_(std::move(injector)),
      position_(std::move(position)),
      recorded_frame_no_(position_.frame_no),
      client_(std::make_unique<ReplicationClient>(options_.primary)),
      applied_frame_no_(position_.frame_no) {}

ReplicaSync::~ReplicaSync() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
    stop_flag_ = true;
  }
  stop_signal_.notify_all();
  if (background_.joinable()) background_.join();
  std::lock_guard pull(pull_mutex_);
  if (Status status = MakeDurable(); !status.ok()) {
    spdlog::warn("replica {}: {}", options_.path.string(), status.message());
  }
}

uint64_t ReplicaSync::NextFrameNo() const {
  return position_.frame_no ? *position_.frame_no + 1 : 0;
}

std::optional<uint64_t> ReplicaSync::frame_no() const {
  std::lock_guard lock(state_mutex_);
  return applied_frame_no_;
}

void ReplicaSync::NotePrimaryFrame(uint64_t frame_no) {
  std::lock_guard lock(state_mutex_);
  if (!primary_frame_no_ || *primary_frame_no_ < frame_no) primary_frame_no_ = frame_no;
}

Result<PrimaryHello> ReplicaSync::Handshake(ReplicationClient& client) {
  Status failure;
  for (int attempt = 0; attempt < kHandshakeAttempts; ++attempt) {
    auto hello = client.Hello();
    if (!hello.ok()) {
      failure = hello.status();
      // Only a primary that cannot be reached is worth another try; a refusal is final.
      if (failure.kind() != ErrorKind::kUnavailable) return failure;
      continue;
    }
    if (position_.log_id != hello->log_id) {
      if (!position_.log_id.empty()) {
        spdlog::warn("replica {}: the primary's log changed ({} -> {}); syncing from the start",
                     options_.path.string(), position_.log_id, hello->log_id);
      }
      position_ = ReplicaPosition{hello->log_id, std::nullopt};
      if (Status status = SaveReplicaPosition(options_.path, position_); !status.ok()) {
        return status;
      }
      recorded_frame_no_.reset();
    }
    if (hello->current_frame_no) NotePrimaryFrame(*hello->current_frame_no);
    return hello;
  }
  return failure;
}

Result<uint64_t> ReplicaSync::ApplyTransactions(const std::vector<replication::LogFrame>& frames) {
  // Transactions already applied (a live stream and a Sync overlap) are skipped whole.
  size_t start = 0;
  uint64_t next = NextFrameNo();
  while (start < frames.size() && frames[start].frame_no < next) ++start;
  if (start == frames.size()) return uint64_t{0};
  if (!frames.back().is_commit()) {
    return Status::Internal(fmt::format("the primary sent frames {}..{} without their commit frame",
                                        frames[start].frame_no, frames.back().frame_no));
  }
  if (frames[start].frame_no != next || (start > 0 && !frames[start - 1].is_commit())) {
    return Status::Internal(
        fmt::format("the primary sent frame {} where the replica expected frame {}",
                    frames[start].frame_no, next));
  }
  // The whole batch becomes one replica transaction: readers go from one of the primary's states
  // to a later one, never see one in between, and the batch costs one commit.
  if (Status status = injector_->Begin(); !status.ok()) return status;
  for (size_t i = start; i < frames.size(); ++i) {
    const replication::LogFrame& frame = frames[i];
    if (frame.frame_no != next + (i - start)) {
      injector_->Abort();
      return Status::Internal(fmt::format("the primary's frames skip from {} to {}",
                                          next + (i - start) - 1, frame.frame_no));
    }
    if (Status status = injector_->AppendPage(frame.page_no, frame.page); !status.ok()) {
      return status;
    }
  }
  if (Status status = injector_->Commit(frames.back().size_after); !status.ok()) return status;
  position_.frame_no = frames.back().frame_no;
  return uint64_t(frames.size() - start);
}

Status ReplicaSync::ApplySnapshot(ReplicationClient& client, uint64_t next_frame_no,
                                  uint64_t* applied) {
  for (int attempt = 0;; ++attempt) {
    if (Status status = injector_->Begin(); !status.ok()) return status;
    std::optional<uint64_t> top_frame_no;
    uint32_t database_pages = 0;
    uint64_t frames = 0;
    Status status = client.Snapshot(next_frame_no, [&](replication::LogFrame&& frame) {
      if (!top_frame_no) top_frame_no = frame.frame_no;
      if (frame.size_after != 0) database_pages = frame.size_after;
      ++frames;
      return injector_->AppendPage(frame.page_no, frame.page);
    });
    if (status.ok() && (!top_frame_no || database_pages == 0)) {
      status = Status::Internal("the primary's snapshot ended without its commit frame");
    }
    if (!status.ok()) {
      injector_->Abort();
      // "snapshot not found": the primary is still writing it.
      bool pending = status.kind() == ErrorKind::kUnavailable &&
                     status.message().find("snapshot not found") != std::string::npos;
      if (!pending || attempt + 1 >= kSnapshotPendingAttempts) return status;
      std::this_thread::sleep_for(kSnapshotPendingRetry);
      continue;
    }
    if (Status commit = injector_->Commit(database_pages); !commit.ok()) return commit;
    position_.frame_no = *top_frame_no;
    *applied += frames;
    return Published(*top_frame_no);
  }
}

Result<bool> ReplicaSync::StreamBacklog(ReplicationClient& client, uint64_t target,
                                        uint64_t* applied) {
  uint64_t expected = NextFrameNo();
  uint64_t pending = 0;  // frames in the replica transaction being built
  bool reached = false;
  auto end = client.LogEntries(expected, [&](replication::LogFrame&& frame) -> Status {
    if (frame.frame_no != expected) {
      return Status::Internal(fmt::format(
          "the primary sent frame {} where the replica expected frame {}", frame.frame_no, expected));
    }
    if (pending == 0) {
      if (Status status = injector_->Begin(); !status.ok()) return status;
    }
    ++expected;
    ++pending;
    if (Status status = injector_->AppendPage(frame.page_no, frame.page); !status.ok()) {
      pending = 0;  // the injector ended the transaction
      return status;
    }
    if (!frame.is_commit()) return Status::Ok();
    if (pending < kStreamTransactionFrames && frame.frame_no < target) return Status::Ok();
    uint64_t frames = pending;
    pending = 0;
    if (Status status = injector_->Commit(frame.size_after); !status.ok()) return status;
    position_.frame_no = frame.frame_no;
    *applied += frames;
    if (Status status = Published(frame.frame_no); !status.ok()) return status;
    if (frame.frame_no < target) return Status::Ok();
    // Any status ends the stream; `reached` tells this one from a failure.
    reached = true;
    return Status::Unavailable("the backlog is applied");
  });
  if (pending > 0) injector_->Abort();
  if (reached) return true;
  if (!end.ok()) return end.status();
  return false;
}

Status ReplicaSync::MakeDurable() {
  if (!position_.frame_no || recorded_frame_no_ == position_.frame_no) return Status::Ok();
  if (Status status = injector_->SyncWal(); !status.ok()) return status;
  if (Status status = SaveReplicaPosition(options_.path, position_); !status.ok()) return status;
  recorded_frame_no_ = position_.frame_no;
  last_recorded_ = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status ReplicaSync::Published(uint64_t frame_no) {
  if (std::chrono::steady_clock::now() - last_recorded_ >= kRecordInterval) {
    if (Status status = MakeDurable(); !status.ok()) return status;
  }
  snapshots_->Advance();
  std::function<void(uint64_t)> listener;
  {
    std::lock_guard lock(state_mutex_);
    applied_frame_no_ = frame_no;
    if (!primary_frame_no_ || *primary_frame_no_ < frame_no) primary_frame_no_ = frame_no;
    listener = listener_;
  }
  changed_.notify_all();
  if (listener) listener(frame_no);
  MaybeCheckpoint();
  return Status::Ok();
}

void ReplicaSync::MaybeCheckpoint() {
  uint32_t frames = injector_->wal_frames();
  if (frames < options_.passive_checkpoint_frames) return;
  // Connections keep a snapshot between statements, which pins the WAL: idle ones let it go now,
  // busy ones take a fresh one at their next statement (after a full backfill, one that no longer
  // reads the WAL), and again each time the checkpoint has to wait.
  auto nudge_readers = [this] {
    snapshots_->Advance();
    snapshots_->ReleaseIdle();
  };
  nudge_readers();
  bool truncate = frames >= options_.truncate_checkpoint_frames;
  auto outcome = injector_->Checkpoint(
      truncate ? wal::CheckpointMode::kTruncate : wal::CheckpointMode::kPassive,
      kCheckpointBusyTimeout, nudge_readers);
  if (!outcome.ok()) {
    spdlog::warn("replica {}: checkpoint failed: {}", options_.path.string(),
                 outcome.status().message());
  }
}

Result<SyncResult> ReplicaSync::PullOnce(ReplicationClient& client,
                                         std::optional<uint64_t> target) {
  SyncResult result;
  // Without a target, the primary's head as of now: a sync returns once it has that, even while
  // the primary keeps committing.
  if (!target || !client.has_session()) {
    auto hello = Handshake(client);
    if (!hello.ok()) return hello.status();
    if (!target) target = hello->current_frame_no;
    if (!target) {  // the primary's log is empty
      result.frame_no = position_.frame_no;
      return result;
    }
  }
  int handshakes = 0;
  bool stream_declined = false;  // the primary ended the stream or needs a snapshot first
  while (!position_.frame_no || *position_.frame_no < *target) {
    uint64_t next = NextFrameNo();
    if (!stream_declined && *target + 1 - next >= kStreamBacklogFrames) {
      auto streamed = StreamBacklog(client, *target, &result.frames_synced);
      if (!streamed.ok()) {
        if (IsNoHello(streamed.status()) && ++handshakes < kHandshakeAttempts) {
          auto hello = Handshake(client);
          if (!hello.ok()) return hello.status();
          continue;
        }
        return streamed.status();
      }
      stream_declined = !*streamed;
      continue;
    }
    auto batch = client.BatchLogEntries(next);
    if (!batch.ok()) {
      if (IsNoHello(batch.status()) && ++handshakes < kHandshakeAttempts) {
        auto hello = Handshake(client);
        if (!hello.ok()) return hello.status();
        continue;
      }
      return batch.status();
    }
    if (std::holds_alternative<NeedSnapshot>(*batch)) {
      if (Status status = ApplySnapshot(client, next, &result.frames_synced); !status.ok()) {
        return status;
      }
      continue;
    }
    auto& frames = std::get<std::vector<replication::LogFrame>>(*batch);
    if (frames.empty()) break;
    auto applied = ApplyTransactions(frames);
    if (!applied.ok()) return applied.status();
    result.frames_synced += *applied;
    if (*applied > 0) {
      if (Status status = Published(*position_.frame_no); !status.ok()) return status;
    }
  }
  result.frame_no = position_.frame_no;
  return result;
}

void ReplicaSync::RecordFailure(const Status& status) {
  std::lock_guard lock(state_mutex_);
  last_error_ = status;
}

void ReplicaSync::RecordSuccess() {
  std::lock_guard lock(state_mutex_);
  last_error_ = Status::Ok();
  last_sync_time_ = std::chrono::system_clock::now();
}

Result<SyncResult> ReplicaSync::Sync() {
  return Pull(std::nullopt);
}

Result<SyncResult> ReplicaSync::Pull(std::optional<uint64_t> target) {
  std::lock_guard pull(pull_mutex_);
  auto result = PullOnce(*client_, target);
  if (result.ok()) {
    RecordSuccess();
  } else {
    RecordFailure(result.status());
  }
  return result;
}

Result<SyncResult> ReplicaSync::SyncUntil(uint64_t frame_no, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  SyncResult total;
  while (true) {
    {
      std::unique_lock lock(state_mutex_);
      if (applied_frame_no_ && *applied_frame_no_ >= frame_no) {
        total.frame_no = applied_frame_no_;
        return total;
      }
      // A live stream delivers it by itself, usually within a millisecond.
      if (live_ &&
          changed_.wait_until(
              lock,
              std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50)),
              [&] { return applied_frame_no_ && *applied_frame_no_ >= frame_no; })) {
        total.frame_no = applied_frame_no_;
        return total;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::optional<uint64_t> applied = this->frame_no();
      return Status::Unavailable(
          fmt::format("the replica did not reach frame {} within {} ms (it is at {})", frame_no,
                      timeout.count(), applied ? std::to_string(*applied) : "none"));
    }
    auto step = Pull(frame_no);
    if (!step.ok()) return step.status();
    total.frames_synced += step->frames_synced;
    if (step->frame_no && *step->frame_no >= frame_no) {
      total.frame_no = step->frame_no;
      return total;
    }
  }
}

ReplicaStatus ReplicaSync::status() const {
  std::lock_guard lock(state_mutex_);
  ReplicaStatus status;
  status.frame_no = applied_frame_no_;
  status.primary_frame_no = primary_frame_no_;
  if (primary_frame_no_) {
    uint64_t applied = applied_frame_no_ ? *applied_frame_no_ + 1 : 0;
    status.frame_lag = *primary_frame_no_ + 1 > applied ? *primary_frame_no_ + 1 - applied : 0;
  }
  status.last_sync_time = last_sync_time_;
  status.last_error = last_error_;
  status.live = live_;
  return status;
}

void ReplicaSync::SetChangeListener(std::function<void(uint64_t)> listener) {
  std::lock_guard lock(state_mutex_);
  listener_ = std::move(listener);
}

std::optional<uint64_t> ReplicaSync::WaitForChange(std::optional<uint64_t> after,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_mutex_);
  changed_.wait_for(lock, timeout,
                    [&] { return applied_frame_no_ && (!after || *applied_frame_no_ > *after); });
  return applied_frame_no_;
}

void ReplicaSync::BackgroundLoop() {
  ReplicationClient client(options_.primary);
  client.set_cancel_flag(&stop_flag_);
  auto backoff = kLiveBackoffFirst;
  while (true) {
    if (options_.interval.live()) {
      if (LiveLoop(client)) backoff = kLiveBackoffFirst;
    } else {
      std::lock_guard pull(pull_mutex_);
      auto result = PullOnce(client, std::nullopt);
      if (result.ok()) {
        RecordSuccess();
      } else {
        RecordFailure(result.status());
      }
    }
    std::unique_lock lock(stop_mutex_);
    auto wait = options_.interval.live() ? backoff : options_.interval.period();
    if (stop_signal_.wait_for(lock, wait, [&] { return stopping_; })) return;
    if (options_.interval.live()) {
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kLiveBackoffMax);
    }
  }
}

bool ReplicaSync::LiveLoop(ReplicationClient& client) {
  // Catch up with batches first (fast, and it handles snapshots), then stream from the tip.
  {
    std::lock_guard pull(pull_mutex_);
    auto caught_up = PullOnce(client, std::nullopt);
    if (!caught_up.ok()) {
      RecordFailure(caught_up.status());
      return false;
    }
    RecordSuccess();
  }
  {
    std::lock_guard lock(state_mutex_);
    live_ = true;
  }
  std::vector<replication::LogFrame> transaction;
  uint64_t next;
  {
    std::lock_guard pull(pull_mutex_);
    next = NextFrameNo();
  }
  auto end = client.LogEntries(next, [&](replication::LogFrame&& frame) {
    bool commit = frame.is_commit();
    transaction.push_back(std::move(frame));
    if (!commit) return Status::Ok();
    std::lock_guard pull(pull_mutex_);
    if (stop_flag_) return Status::Unavailable("the replica is closing");
    auto applied = ApplyTransactions(transaction);
    transaction.clear();
    if (!applied.ok()) return applied.status();
    if (*applied > 0) {
      if (Status status = Published(*position_.frame_no); !status.ok()) return status;
    }
    RecordSuccess();
    return Status::Ok();
  });
  {
    std::lock_guard lock(state_mutex_);
    live_ = false;
  }
  if (!end.ok() && !stop_flag_) RecordFailure(end.status());
  // A stream that ended in order (the primary restarting, a proxy's limit) is reopened at once;
  // a failing one after a growing pause.
  return end.ok() && *end == ReplicationClient::StreamEnd::kEnded;
}

}  // namespace edgelite::client
