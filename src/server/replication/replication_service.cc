// wal_log.ReplicationLog over a FrameSource.
#include "server/replication/replication_service.h"

#include <fmt/format.h>

#include "server/replication/frame_messages.h"
#include "wal/log_format.h"

namespace edgelite::replication {
namespace {

using server::GrpcCode;
using server::GrpcStatus;

// Replicas match this text exactly (docs/protocol.md §9.5).
constexpr std::string_view kNoHello = "NO_HELLO";

// Legacy replicas are remembered by address; past this many the memory is cleared, and the ones
// still around get NO_HELLO and say Hello again.
constexpr size_t kMaxLegacyReplicas = 10'000;

std::string RandomUuid() { return wal::FormatLogId(wal::NewLogId()); }

// What sqld 0.24 sends for a namespace with the default config: edgelite has no per-namespace
// config yet, and a server replica stores whatever Hello says (an absent max_db_pages would read as
// 0 there).
metadata::DatabaseConfig DefaultDatabaseConfig() {
  metadata::DatabaseConfig config;
  config.set_max_db_pages(1'000'000'000'000'000'000 / kPageSize);  // 1000 PB
  config.set_txn_timeout_s(5);
  config.set_max_row_size(5'000'000);
  config.set_shared_schema(false);
  config.set_durability_mode(metadata::RELAXED);
  return config;
}

}  // namespace

ReplicationService::ReplicationService()
    : session_token_(RandomUuid()), generation_id_(RandomUuid()) {}

std::optional<GrpcStatus> ReplicationService::CheckFrameCall(
    const ReplicationCall& call, const wal_log::LogOffset& offset) const {
  if (offset.wal_flavor() == wal_log::LogOffset::Libsql) {
    return GrpcStatus{GrpcCode::kInvalidArgument, "libsql wal not supported"};
  }
  if (!call.frames) return GrpcStatus{GrpcCode::kInvalidArgument, "not a primary"};
  if (call.session_token) {
    if (*call.session_token != session_token_) {
      return GrpcStatus{GrpcCode::kFailedPrecondition, std::string(kNoHello)};
    }
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  if (!legacy_replicas_.contains({call.peer_address, call.namespace_name})) {
    return GrpcStatus{GrpcCode::kFailedPrecondition, std::string(kNoHello)};
  }
  return std::nullopt;
}

server::GrpcReply<wal_log::HelloResponse> ReplicationService::Hello(
    const ReplicationCall& call, const wal_log::HelloRequest& request) {
  if (!request.has_handshake_version()) {
    std::lock_guard lock(mutex_);
    if (legacy_replicas_.size() >= kMaxLegacyReplicas) legacy_replicas_.clear();
    legacy_replicas_.emplace(call.peer_address, call.namespace_name);
  }
  if (!call.frames) return GrpcStatus{GrpcCode::kInvalidArgument, "not a primary"};
  wal_log::HelloResponse response;
  response.set_generation_id(generation_id_);
  response.set_generation_start_index(0);
  response.set_log_id(call.frames->log_id());
  response.set_session_token(session_token_);
  if (auto last = call.frames->last_committed_frame_no()) {
    response.set_current_replication_index(*last);
  }
  *response.mutable_config() = DefaultDatabaseConfig();
  return response;
}

server::GrpcReply<wal_log::Frames> ReplicationService::BatchLogEntries(
    const ReplicationCall& call, const wal_log::LogOffset& offset) {
  if (auto failed = CheckFrameCall(call, offset)) return *failed;
  auto batch = ReadFrameMessages(*call.frames, offset.next_offset(), kMaxFramesPerBatch);
  if (auto* status = std::get_if<GrpcStatus>(&batch)) return *status;
  wal_log::Frames response;
  for (wal_log::Frame& frame : std::get<std::vector<wal_log::Frame>>(batch)) {
    *response.add_frames() = std::move(frame);
  }
  if (call.on_frames_sent) {
    // Gapless from the offset: the replica is sent everything before the batch's end.
    uint64_t frames = uint64_t(response.frames_size());
    call.on_frames_sent(frames, offset.next_offset() + frames);
  }
  return response;
}

server::GrpcReply<std::shared_ptr<LogEntriesStream>> ReplicationService::LogEntries(
    const ReplicationCall& call, const wal_log::LogOffset& offset) {
  if (auto failed = CheckFrameCall(call, offset)) return *failed;
  return LogEntriesStream::Open(
      *call.frames, offset.next_offset(),
      fmt::format("{} (namespace {})", call.peer_address, call.namespace_name),
      LogEntriesStream::kIdleRenewal, call.owner, call.on_frames_sent);
}

server::GrpcStream<wal_log::Frame> ReplicationService::Snapshot(const ReplicationCall& call,
                                                                const wal_log::LogOffset& offset) {
  server::GrpcStream<wal_log::Frame> stream;
  if (auto failed = CheckFrameCall(call, offset)) {
    stream.status = *failed;
    return stream;
  }
  auto opened = call.frames->OpenSnapshot(offset.next_offset());
  if (!opened.ok()) {
    stream.status = InternalStatus(opened.status());
    return stream;
  }
  if (std::holds_alternative<SnapshotNotFound>(*opened)) {
    // The replica sleeps and retries: compaction may still be writing the snapshot.
    stream.status = {GrpcCode::kUnavailable, "snapshot not found"};
    return stream;
  }
  SnapshotCursor& cursor = *std::get<std::unique_ptr<SnapshotCursor>>(*opened);
  auto emit = [&stream, &call, &offset](const LogFrame& frame) {
    auto encoded = EncodeFrameMessage(frame);
    if (!encoded.ok()) {
      stream.status = InternalStatus(encoded.status());
      return false;
    }
    stream.messages.push_back(std::move(encoded).value());
    if (call.on_frames_sent) call.on_frames_sent(1, offset.next_offset());
    return true;
  };
  // One frame is held back: only the last one, known once the cursor is exhausted, carries the
  // database size that makes the snapshot a committed transaction.
  std::optional<LogFrame> held;
  while (true) {
    auto next = cursor.Next();
    if (!next.ok()) {
      stream.status = InternalStatus(next.status());
      return stream;
    }
    if (!*next) break;
    if (held && !emit(*held)) return stream;
    held = std::move(**next);
    held->size_after = 0;
    held->commit_time_ms.reset();
  }
  if (held) {
    held->size_after = cursor.size_after();
    emit(*held);
  }
  return stream;
}

}  // namespace edgelite::replication
