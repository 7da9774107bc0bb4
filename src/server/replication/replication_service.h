// ReplicationService: the server side of wal_log.ReplicationLog (docs/protocol.md §9), serving a
// primary's FrameSource to replicas. It owns the handshake state: the session token that Hello
// hands out and later calls must echo in `x-session-token` (a server restart changes it, and a
// stale one gets NO_HELLO, which sends the replica back to Hello), and for legacy replicas that
// send no token, the (peer, namespace) pairs that said Hello. Authentication and namespace lookup
// happen before a call gets here (grpc_routes). Errors use sqld's exact statuses and messages
// (§9.5): replicas branch on them. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "server/grpc_web.h"
#include "server/replication/frame_source.h"
#include "server/replication/log_entries_stream.h"
#include "wal_log.pb.h"

namespace edgelite::replication {

// sqld's MAX_FRAMES_PER_BATCH: a batch stops at the first commit frame after this many frames.
inline constexpr size_t kMaxFramesPerBatch = 1024;

// What the transport learned about a call before handing it over.
struct ReplicationCall {
  FrameSource* frames = nullptr;  // null when this server holds no log for the namespace
  std::string namespace_name;
  std::optional<std::string> session_token;  // the x-session-token metadata
  std::string peer_address;                  // tells legacy (token-less) replicas apart
  // Keeps the namespace loaded while a stream of its frames is open.
  std::shared_ptr<const void> owner;
  // Told after each answer; may be null.
  FramesSent on_frames_sent;
};

class ReplicationService {
 public:
  ReplicationService();

  server::GrpcReply<wal_log::HelloResponse> Hello(const ReplicationCall& call,
                                                  const wal_log::HelloRequest& request);
  // Embedded replicas' way to pull frames: one batch per call, empty when up to date.
  server::GrpcReply<wal_log::Frames> BatchLogEntries(const ReplicationCall& call,
                                                     const wal_log::LogOffset& offset);
  // Server replicas' way (and live sync): an endless stream, the log's frames from the offset and
  // then each commit as it lands (log_entries_stream.h). A call that fails its checks or its first
  // read gets the status alone, as on sqld.
  server::GrpcReply<std::shared_ptr<LogEntriesStream>> LogEntries(const ReplicationCall& call,
                                                                  const wal_log::LogOffset& offset);
  // The snapshot covering `offset.next_offset`, as one transaction: descending frame numbers,
  // the database size on the last frame only.
  server::GrpcStream<wal_log::Frame> Snapshot(const ReplicationCall& call,
                                              const wal_log::LogOffset& offset);

  const std::string& session_token() const { return session_token_; }

 private:
  // The checks every call after Hello passes: WAL flavor, a log to read, a valid session.
  std::optional<server::GrpcStatus> CheckFrameCall(const ReplicationCall& call,
                                                   const wal_log::LogOffset& offset) const;

  const std::string session_token_;  // UUID text, drawn at start-up
  const std::string generation_id_;  // deprecated, but clients still parse it as a UUID

  mutable std::mutex mutex_;
  std::set<std::pair<std::string, std::string>> legacy_replicas_;  // (peer, namespace)
};

}  // namespace edgelite::replication
