// The replica's position file.
#include "client/replica_position.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "wal/log_format.h"

namespace edgelite::client {
namespace {

constexpr size_t kPositionSize = 32;
constexpr uint64_t kNoFrame = std::numeric_limits<uint64_t>::max();

Status SystemError(std::string_view what, const std::filesystem::path& path) {
  return Status::Io(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(errno)));
}

}  // namespace

std::filesystem::path ReplicaPositionPath(const std::filesystem::path& database_path) {
  return std::filesystem::path(database_path.string() + "-client_wal_index");
}

Result<std::optional<ReplicaPosition>> LoadReplicaPosition(
    const std::filesystem::path& database_path) {
  std::filesystem::path path = ReplicaPositionPath(database_path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<ReplicaPosition>();
    return SystemError("read", path);
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() != kPositionSize) {
    return Status::InvalidArgument(fmt::format(
        "{} is not a replica position file ({} bytes, expected {}); delete the replica's files "
        "to sync it again from scratch",
        path.string(), bytes.size(), kPositionSize));
  }
  wal::LogId uuid{};
  // Stored little-endian: the last byte of the UUID comes first.
  for (size_t i = 0; i < 16; ++i) uuid[15 - i] = uint8_t(bytes[i]);
  uint64_t frame_no = 0;
  for (size_t i = 0; i < 8; ++i) frame_no |= uint64_t(uint8_t(bytes[16 + i])) << (8 * i);
  ReplicaPosition position;
  if (uuid != wal::LogId{}) position.log_id = wal::FormatLogId(uuid);
  if (frame_no != kNoFrame) position.frame_no = frame_no;
  return std::optional<ReplicaPosition>(position);
}

Status SaveReplicaPosition(const std::filesystem::path& database_path,
                           const ReplicaPosition& position) {
  // No lineage yet (a replica that has not reached its primary) is the nil UUID.
  auto uuid = position.log_id.empty() ? wal::LogId{} : wal::ParseLogId(position.log_id);
  if (!uuid) {
    return Status::InvalidArgument(
        fmt::format("the primary's log id '{}' is not a UUID", position.log_id));
  }
  std::array<char, kPositionSize> bytes{};
  for (size_t i = 0; i < 16; ++i) bytes[i] = char((*uuid)[15 - i]);
  uint64_t frame_no = position.frame_no.value_or(kNoFrame);
  for (size_t i = 0; i < 8; ++i) bytes[16 + i] = char(frame_no >> (8 * i));

  std::filesystem::path path = ReplicaPositionPath(database_path);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return SystemError("open", path);
  struct stat file {};
  bool created = ::fstat(fd, &file) == 0 && file.st_size != off_t(kPositionSize);
  bool written = ::pwrite(fd, bytes.data(), bytes.size(), 0) == ssize_t(bytes.size());
  // A new file is synced once, so it never survives a crash empty. Later updates rewrite 32 bytes
  // in place, which a crash leaves old or new; they are not synced: a position that trails the
  // replica after a power loss only means frames applied again.
  bool synced = written && (!created || ::fdatasync(fd) == 0);
  ::close(fd);
  if (!synced) return SystemError("write", path);
  return Status::Ok();
}

}  // namespace edgelite::client
