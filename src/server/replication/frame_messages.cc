// Reading, checking and encoding the frames that replicas receive.
#include "server/replication/frame_messages.h"

#include <fmt/format.h>

#include <utility>
#include <variant>

#include "protocol/wire_frame.h"

namespace edgelite::replication {
namespace {

using server::GrpcCode;
using server::GrpcStatus;

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

}  // namespace

GrpcStatus InternalStatus(const Status& status) {
  return {GrpcCode::kInternal, status.message()};
}

Result<wal_log::Frame> EncodeFrameMessage(const LogFrame& frame) {
  auto data = EncodeWireFrame(frame);
  if (!data.ok()) return data.status();
  wal_log::Frame wire;
  wire.set_data(std::move(data).value());
  if (frame.is_commit() && frame.commit_time_ms) wire.set_timestamp(*frame.commit_time_ms);
  return wire;
}

server::GrpcReply<std::vector<wal_log::Frame>> ReadFrameMessages(FrameSource& source, uint64_t from,
                                                                 size_t target_frames) {
  auto read = source.ReadFrames(from, target_frames);
  if (!read.ok()) return InternalStatus(read.status());
  if (std::holds_alternative<NeedSnapshot>(*read)) {
    return GrpcStatus{GrpcCode::kFailedPrecondition, std::string(kNeedSnapshot)};
  }
  const auto& frames = std::get<std::vector<LogFrame>>(*read);
  if (Status checked = CheckBatch(from, frames); !checked.ok()) return InternalStatus(checked);
  std::vector<wal_log::Frame> messages;
  messages.reserve(frames.size());
  for (const LogFrame& frame : frames) {
    auto encoded = EncodeFrameMessage(frame);
    if (!encoded.ok()) return InternalStatus(encoded.status());
    messages.push_back(std::move(encoded).value());
  }
  return messages;
}

}  // namespace edgelite::replication
