// Small POSIX file helpers for the files the storage engine owns outright (frame log segments,
// meta files, replay targets). Never use them on a database, `-wal` or `-shm` file that a SQLite
// connection in this process has open: closing any descriptor of such a file drops every POSIX
// lock the process holds on it (docs/wal-replication.md §3.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "edgelite/status.h"

namespace edgelite::wal {

// An owned file descriptor, closed on destruction.
class PosixFile {
 public:
  PosixFile() = default;
  explicit PosixFile(int fd) : fd_(fd) {}
  PosixFile(PosixFile&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  PosixFile& operator=(PosixFile&& other) noexcept;
  ~PosixFile();
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  static Result<PosixFile> Open(const std::filesystem::path& path, int flags, int mode = 0644);

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }

  // Reads exactly `size` bytes unless the file ends first; returns the number read.
  Result<size_t> ReadAt(void* out, size_t size, uint64_t offset) const;
  Status WriteAt(const void* data, size_t size, uint64_t offset) const;
  Status Truncate(uint64_t size) const;
  Status Sync() const;  // fdatasync
  Result<uint64_t> Size() const;

 private:
  int fd_ = -1;
};

// fsyncs a directory so that entries created, renamed or removed in it are durable.
Status SyncDirectory(const std::filesystem::path& directory);

struct AtomicWriteOptions {
  int mode = 0644;  // the file's permission bits, set before any byte is written (secrets: 0600)
  // False: a file already at the path makes the write fail (InvalidArgument "<path> already
  // exists") and nothing changes; link(), not a check then a rename, so no race loses a file.
  bool replace = true;
};

// Writes `data` to `path` atomically: a temporary file of its own (`<path>.tmp-XXXXXX`, beside the
// target; a crash may leave one), fsync, rename (or link), fsync of the directory. A reader never
// sees half a file.
Status WriteFileAtomically(const std::filesystem::path& path, const void* data, size_t size,
                           AtomicWriteOptions options = {});

// "what failed: strerror(errno)" for the current errno.
std::string ErrnoMessage(const std::string& what);

}  // namespace edgelite::wal
