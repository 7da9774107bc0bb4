// The wal_log.Frame messages that carry a primary's log frames to replicas (docs/protocol.md
// §9.2–§9.3): one frame encoded, and a batch read from a FrameSource and checked before it goes
// out, the unit that BatchLogEntries answers with and LogEntries streams. Failures are the statuses
// replicas branch on (§9.5).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "edgelite/status.h"
#include "protocol/log_frame.h"
#include "server/grpc_web.h"
#include "server/replication/frame_source.h"
#include "wal_log.pb.h"

namespace edgelite::replication {

// Replicas match this text exactly.
inline constexpr std::string_view kNeedSnapshot = "NEED_SNAPSHOT";

// An INTERNAL status carrying `status`'s message.
server::GrpcStatus InternalStatus(const Status& status);

// The message for one frame; the commit time travels only on commit frames.
Result<wal_log::Frame> EncodeFrameMessage(const LogFrame& frame);

// The committed frames from `from` on, as messages: whole transactions, stopping at the first
// commit frame at or after `target_frames` frames (FrameSource::ReadFrames); empty when nothing
// is committed past `from`. FAILED_PRECONDITION NEED_SNAPSHOT when `from` has been compacted away;
// INTERNAL when the log fails, or hands over frames that are out of order or end inside a
// transaction (a broken batch would corrupt every replica that applies it).
server::GrpcReply<std::vector<wal_log::Frame>> ReadFrameMessages(FrameSource& source, uint64_t from,
                                                                 size_t target_frames);

}  // namespace edgelite::replication
