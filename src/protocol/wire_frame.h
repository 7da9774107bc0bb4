// The replication wire frame: how one LogFrame travels in wal_log.Frame.data. It is sqld's frame
// format (docs/protocol.md §9.3), a 24-byte little-endian header (frame_no u64, checksum u64,
// page_no u32, size_after u32) followed by the 4096-byte page, 4120 bytes in all. It is not the
// SQLite WAL frame format (big-endian, salted), which never leaves the primary.
#pragma once

#include <string>
#include <string_view>

#include "edgelite/status.h"
#include "protocol/log_frame.h"

namespace edgelite::replication {

inline constexpr size_t kWireFrameHeaderSize = 24;
inline constexpr size_t kWireFrameSize = kWireFrameHeaderSize + kPageSize;

// Fails (Internal) when the page is not kPageSize bytes: the log handed over a broken frame.
Result<std::string> EncodeWireFrame(const LogFrame& frame);

// The inverse, for replicas; the commit time does not travel in the frame and stays unset.
Result<LogFrame> DecodeWireFrame(std::string_view data);

}  // namespace edgelite::replication
