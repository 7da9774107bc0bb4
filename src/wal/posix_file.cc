// POSIX file helpers: retrying reads and writes, fdatasync, directory fsync, atomic replace.
#include "wal/posix_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgelite::wal {

std::string ErrnoMessage(const std::string& what) {
  return fmt::format("{}: {}", what, std::strerror(errno));
}

PosixFile& PosixFile::operator=(PosixFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

PosixFile::~PosixFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<PosixFile> PosixFile::Open(const std::filesystem::path& path, int flags, int mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return Status::Io(ErrnoMessage("cannot open " + path.string()));
  return PosixFile(fd);
}

Result<size_t> PosixFile::ReadAt(void* out, size_t size, uint64_t offset) const {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd_, static_cast<char*>(out) + done, size - done, off_t(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io(ErrnoMessage("read failed"));
    }
    if (n == 0) break;
    done += size_t(n);
  }
  return done;
}

Status PosixFile::WriteAt(const void* data, size_t size, uint64_t offset) const {
  size_t done = 0;
  while (done < size) {
    ssize_t n =
        ::pwrite(fd_, static_cast<const char*>(data) + done, size - done, off_t(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io(ErrnoMessage("write failed"));
    }
    done += size_t(n);
  }
  return Status::Ok();
}

Status PosixFile::Truncate(uint64_t size) const {
  while (::ftruncate(fd_, off_t(size)) != 0) {
    if (errno != EINTR) return Status::Io(ErrnoMessage("truncate failed"));
  }
  return Status::Ok();
}

Status PosixFile::Sync() const {
  while (::fdatasync(fd_) != 0) {
    if (errno != EINTR) return Status::Io(ErrnoMessage("fdatasync failed"));
  }
  return Status::Ok();
}

Result<uint64_t> PosixFile::Size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::Io(ErrnoMessage("fstat failed"));
  return uint64_t(st.st_size);
}

Status SyncDirectory(const std::filesystem::path& directory) {
  auto dir = PosixFile::Open(directory, O_RDONLY | O_DIRECTORY);
  if (!dir.ok()) return dir.status();
  while (::fsync(dir->fd()) != 0) {
    if (errno != EINTR) return Status::Io(ErrnoMessage("fsync of " + directory.string()));
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, const void* data, size_t size) {
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  {
    auto file = PosixFile::Open(temporary, O_WRONLY | O_CREAT | O_TRUNC);
    if (!file.ok()) return file.status();
    if (Status s = file->WriteAt(data, size, 0); !s.ok()) return s;
    while (::fsync(file->fd()) != 0) {
      if (errno != EINTR) return Status::Io(ErrnoMessage("fsync of " + temporary.string()));
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::Io(ErrnoMessage("cannot rename " + temporary.string()));
  }
  return SyncDirectory(path.parent_path());
}

}  // namespace edgelite::wal
