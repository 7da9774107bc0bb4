// ReplicaPosition: what an embedded replica remembers beside its database file so that a reopen
// resumes where it stopped: the primary's log_id and the last frame applied. It is the file the
// official SDKs keep (`<path>-client_wal_index`, 32 bytes, docs/protocol.md §9.8): the log_id as
// a u128 little-endian (the UUID read as a big-endian number), the committed frame_no as a u64
// little-endian (u64::MAX for none), 8 bytes of zeros. Rewritten in place (32 bytes, which a crash
// leaves old or new). The position may lag behind what the database file shows (applying again
// from it is idempotent) but is never ahead of it: the caller records only frames it made durable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "edgelite/status.h"

namespace edgelite::client {

struct ReplicaPosition {
  std::string log_id;                // UUID text, lower-case with dashes; empty: no lineage yet
  std::optional<uint64_t> frame_no;  // last frame applied; nullopt for none

  bool operator==(const ReplicaPosition&) const = default;
};

std::filesystem::path ReplicaPositionPath(const std::filesystem::path& database_path);

// nullopt when the file does not exist; an error when it exists but is not a position file.
Result<std::optional<ReplicaPosition>> LoadReplicaPosition(
    const std::filesystem::path& database_path);
Status SaveReplicaPosition(const std::filesystem::path& database_path,
                           const ReplicaPosition& position);

}  // namespace edgelite::client
