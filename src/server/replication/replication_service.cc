// wal_log.ReplicationLog over a FrameSource.
#include "server/replication/replication_service.h"

#include <fmt/format.h>

#include <array>
#include <random>

#include "protocol/wire_frame.h"

namespace edgelite::replication {
namespace {

using server::GrpcCode;
using server::GrpcStatus;

// Replicas match these texts exactly (docs/protocol.md §9.5).
constexpr std::string_view kNeedSnapshot = "NEED_SNAPSHOT";
constexpr std::string_view kNoHello = "NO_HELLO";

// Legacy replicas are remembered by address; past this many the memory is cleared, and the ones
// still around get NO_HELLO and say Hello again.
constexpr size_t kMaxLegacyReplicas = 10'000;

std::string RandomUuid() {
  std::random_device random;
  std::array<uint8_t, 16> bytes;
  for (size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t word = random();
    for (size_t j = 0; j < 4; ++j) bytes[i + j] = uint8_t(word >> (8 * j));
  }
  bytes[6] = uint8_t((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = uint8_t((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::string text;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += fmt::format("{:02x}", bytes[i]);
  }
  return text;
}

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

GrpcStatus Internal(const Status& status) {
  return {GrpcCode::kInternal, status.message()};
}

Result<wal_log::Frame> ToWire(const LogFrame& frame) {
  auto data = EncodeWireFrame(frame);
  if (!data.ok()) return data.status();
  wal_log::Frame wire;
  wire.set_data(std::move(data).value());
  if (frame.is_commit() && frame.commit_time_ms) wire.set_timestamp(*frame.commit_time_ms);
  return wire;
}

// A broken batch would corrupt every replica that applies it; refuse it here instead.
Status CheckBatch(uint64_t from, const std::vector<LogFrame>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].frame_no != from + i) {
      return Status::Internal(fmt::format(
          "the replication log returned frame {} at position {} of a read from frame {}",
          frames[i].frame_no, i, from));
    }
  }
  if (!frames.empty() && !frames.back().is_commit()) {
    return Status::Internal(
        fmt::format("the replication log returned a batch ending inside a transaction, at frame {}",
                    frames.back().frame_no));
  }
  return Status::Ok();
}

// One batch from `from`, encoded for the wire.
server::GrpcReply<std::vector<wal_log::Frame>> ReadBatch(FrameSource& source, uint64_t from) {
  auto read = source.ReadFrames(from, kMaxFramesPerBatch);
  if (!read.ok()) return Internal(read.status());
  if (std::holds_alternative<NeedSnapshot>(*read)) {
    return GrpcStatus{GrpcCode::kFailedPrecondition, std::string(kNeedSnapshot)};
  }
  const auto& frames = std::get<std::vector<LogFrame>>(*read);
  if (Status checked = CheckBatch(from, frames); !checked.ok()) return Internal(checked);
  std::vector<wal_log::Frame> wire;
  wire.reserve(frames.size());
  for (const LogFrame& frame : frames) {
    auto encoded = ToWire(frame);
    if (!encoded.ok()) return Internal(encoded.status());
    wire.push_back(std::move(encoded).value());
  }
  return wire;
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
  auto batch = ReadBatch(*call.frames, offset.next_offset());
  if (auto* status = std::get_if<GrpcStatus>(&batch)) return *status;
  wal_log::Frames response;
  for (wal_log::Frame& frame : std::get<std::vector<wal_log::Frame>>(batch)) {
    *response.add_frames() = std::move(frame);
  }
  return response;
}

server::GrpcStream<wal_log::Frame> ReplicationService::LogEntries(
    const ReplicationCall& call, const wal_log::LogOffset& offset) {
  if (auto failed = CheckFrameCall(call, offset)) return {{}, *failed};
  auto batch = ReadBatch(*call.frames, offset.next_offset());
  if (auto* status = std::get_if<GrpcStatus>(&batch)) return {{}, *status};
  return {std::move(std::get<std::vector<wal_log::Frame>>(batch)), GrpcStatus{}};
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
    stream.status = Internal(opened.status());
    return stream;
  }
  if (std::holds_alternative<SnapshotNotFound>(*opened)) {
    // The replica sleeps and retries: compaction may still be writing the snapshot.
    stream.status = {GrpcCode::kUnavailable, "snapshot not found"};
    return stream;
  }
  SnapshotCursor& cursor = *std::get<std::unique_ptr<SnapshotCursor>>(*opened);
  auto emit = [&stream](const LogFrame& frame) {
    auto encoded = ToWire(frame);
    if (!encoded.ok()) {
      stream.status = Internal(encoded.status());
      return false;
    }
    stream.messages.push_back(std::move(encoded).value());
    return true;
  };
  // One frame is held back: only the last one, known once the cursor is exhausted, carries the
  // database size that makes the snapshot a committed transaction.
  std::optional<LogFrame> held;
  while (true) {
    auto next = cursor.Next();
    if (!next.ok()) {
      stream.status = Internal(next.status());
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
