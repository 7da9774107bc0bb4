// ReplicaSync: an embedded replica's sync machinery. It pulls committed frames from the primary
// (Hello, then BatchLogEntries for a short backlog, the LogEntries stream for a long one (the
// primary sends ahead while the replica applies), Snapshot when the log no longer has the frames;
// or the live LogEntries stream), applies them to the local file through the FrameInjector in
// whole transactions, records the position beside the file at most every 100 ms, checkpoints the replica so its WAL stays bounded, and tells the
// reading connections (ReplicaSnapshots) and the application's listener that new data arrived.
//
// Invariants: frames are applied in frame_no order without gaps; a frame at or below the applied
// position is skipped (a live stream and an explicit Sync may both deliver it); the recorded
// position never leads what the file shows. A different log_id from the primary means a new
// lineage: the replica starts over from frame 0 (pages are absolute images, and every state of
// the new lineage is rebuilt on top of the old file, so readers only ever see one lineage's
// consistent states). Thread-safe: Sync, SyncUntil and the background thread serialize on the
// apply lock; status reads never wait for the network.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "client/local_connection.h"
#include "client/replica_position.h"
#include "client/replication_client.h"
#include "edgelite/database.h"
#include "wal/frame_injector.h"

namespace edgelite::client {

struct ReplicaSyncOptions {
  std::filesystem::path path;
  ReplicationClientOptions primary;
  SyncInterval interval = SyncInterval::Manual();
  // The WAL is checkpointed PASSIVE past this many frames, TRUNCATE past the second bound.
  uint32_t passive_checkpoint_frames = 1000;
  uint32_t truncate_checkpoint_frames = 10000;
};

class ReplicaSync {
 public:
  static Result<std::unique_ptr<ReplicaSync>> Open(ReplicaSyncOptions options);
  ~ReplicaSync();

  Result<SyncResult> Sync();
  Result<SyncResult> SyncUntil(uint64_t frame_no, std::chrono::milliseconds timeout);
  ReplicaStatus status() const;
  void SetChangeListener(std::function<void(uint64_t)> listener);
  std::optional<uint64_t> WaitForChange(std::optional<uint64_t> after,
                                        std::chrono::milliseconds timeout);

  std::optional<uint64_t> frame_no() const;
  const std::shared_ptr<ReplicaSnapshots>& snapshots() const { return snapshots_; }
  const std::filesystem::path& path() const { return options_.path; }
  const ReplicationClientOptions& primary() const { return options_.primary; }
  // Notes a frame the primary reported (after a write), for the lag figure.
  void NotePrimaryFrame(uint64_t frame_no);

 private:
  ReplicaSync(ReplicaSyncOptions options, std::unique_ptr<wal::FrameInjector> injector,
              ReplicaPosition position);

  // Pulls on `client` up to `target`, or up to the primary's head as Hello reports it now.
  // Callers hold pull_mutex_.
  Result<SyncResult> PullOnce(ReplicationClient& client, std::optional<uint64_t> target);
  // PullOnce on the client of Sync and SyncUntil, recording the outcome in the status.
  Result<SyncResult> Pull(std::optional<uint64_t> target);
  // Handshake; a new lineage resets the position. Callers hold pull_mutex_.
  Result<PrimaryHello> Handshake(ReplicationClient& client);
  // Applies whole transactions (a batch ending on a commit frame); returns frames applied.
  Result<uint64_t> ApplyTransactions(const std::vector<replication::LogFrame>& frames);
  Status ApplySnapshot(ReplicationClient& client, uint64_t next_frame_no, uint64_t* applied);
  // Applies the LogEntries stream up to `target`, adding the frames applied to `*applied`. False
  // when the primary ended the stream first or needs a snapshot: batches take over from there.
  Result<bool> StreamBacklog(ReplicationClient& client, uint64_t target, uint64_t* applied);
  // After frames were applied: readers, listener, waiters, checkpoint; and, at most every
  // kRecordInterval, MakeDurable.
  Status Published(uint64_t frame_no);
  // Syncs the WAL, then records the applied position: the record never leads what survives a
  // power loss.
  Status MakeDurable();
  void MaybeCheckpoint();
  void RecordFailure(const Status& status);
  void RecordSuccess();
  void BackgroundLoop();
  // One live session: catch up, then apply the LogEntries stream until it ends. True when it
  // ended in order (reconnect at once).
  bool LiveLoop(ReplicationClient& client);
  uint64_t NextFrameNo() const;

  ReplicaSyncOptions options_;
  std::shared_ptr<ReplicaSnapshots> snapshots_ = std::make_shared<ReplicaSnapshots>();

  std::mutex pull_mutex_;  // one pull or live apply at a time: the injector and position
  std::unique_ptr<wal::FrameInjector> injector_;
  ReplicaPosition position_;                   // the applied position (in memory)
  std::optional<uint64_t> recorded_frame_no_;  // what the position file says
  std::chrono::steady_clock::time_point last_recorded_;
  std::unique_ptr<ReplicationClient> client_;  // for Sync and SyncUntil

  mutable std::mutex state_mutex_;  // what status() and waiters read
  std::condition_variable changed_;
  std::optional<uint64_t> applied_frame_no_;
  std::optional<uint64_t> primary_frame_no_;
  std::chrono::system_clock::time_point last_sync_time_;
  Status last_error_;
  bool live_ = false;
  std::function<void(uint64_t)> listener_;

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::atomic<bool> stop_flag_{false};
  std::thread background_;
};

}  // namespace edgelite::client
