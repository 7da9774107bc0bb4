// Database: one opened database, in any of the three modes of OpenOptions (local file, remote
// server, embedded replica). Connections come from it; for an embedded replica it also owns the
// sync machinery: `Sync()`, a background thread per the sync interval, the replica's status, and
// a listener that hears about new data.
//
// Thread safety: a Database may be shared by any number of threads; each Connection belongs to
// one thread at a time. Destroying the Database stops its background sync; connections must be
// destroyed first.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "edgelite/connection.h"
#include "edgelite/options.h"
#include "edgelite/status.h"

namespace edgelite {

// What one sync did.
struct SyncResult {
  uint64_t frames_synced = 0;        // frames applied by this call
  std::optional<uint64_t> frame_no;  // the replica's position after it; nullopt while empty
};

// An embedded replica's health, for an app to show or alert on.
struct ReplicaStatus {
  std::optional<uint64_t> frame_no;          // last frame applied locally
  std::optional<uint64_t> primary_frame_no;  // last frame the primary was known to have
  uint64_t frame_lag = 0;                    // primary_frame_no - frame_no, when both are known
  // When the last sync succeeded; the epoch when none has yet.
  std::chrono::system_clock::time_point last_sync_time;
  Status last_error;  // the last sync's failure; ok after a sync succeeds
  bool live = false;  // a live stream to the primary is open right now
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const OpenOptions& options);
  // Shorthand for a local file.
  static Result<std::unique_ptr<Database>> OpenLocal(const std::string& path);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Result<std::unique_ptr<Connection>> Connect();

  bool is_replica() const;

  // --- Embedded replicas only (other modes return InvalidArgument) ---

  // Pulls and applies everything the primary has committed, then returns.
  Result<SyncResult> Sync();
  // Returns once the replica has applied `frame_no`, pulling as needed; fails after `timeout`.
  Result<SyncResult> SyncUntil(uint64_t frame_no,
                               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ReplicaStatus replica_status() const;
  // Called on the sync thread after each applied batch of transactions, with the new frame_no.
  // Keep it short; it must not call back into Sync(). Replaces any earlier listener; an empty
  // function removes it.
  void SetChangeListener(std::function<void(uint64_t frame_no)> listener);
  // Blocks until the replica applies a frame after `frame_no` (or any frame, when nullopt), or
  // `timeout` passes. Returns the replica's frame_no then.
  std::optional<uint64_t> WaitForChange(std::optional<uint64_t> after_frame_no,
                                        std::chrono::milliseconds timeout);

  class Impl;

 private:
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgelite
