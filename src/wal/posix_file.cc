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

Status WriteFileAtomically(const std::filesystem::path& path, const void* data, size_t size,
                           AtomicWriteOptions options) {
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  std::string temporary = path.string() + ".tmp-XXXXXX";
  int fd = ::mkstemp(temporary.data());  // mode 0600 until fchmod
  if (fd < 0) {
    return Status::Io(ErrnoMessage("cannot create a file in " + directory.string()) +
                      "; check that the directory exists and that you may write to it");
  }
  Status status = Status::Ok();
  {
    PosixFile file(fd);
    if (::fchmod(fd, mode_t(options.mode)) != 0) {
      status = Status::Io(ErrnoMessage("cannot set the permissions of " + temporary));
    }
    if (status.ok()) status = file.WriteAt(data, size, 0);
    while (status.ok() && ::fsync(fd) != 0) {
      if (errno != EINTR) status = Status::Io(ErrnoMessage("fsync of " + temporary));
    }
  }
  if (status.ok() && options.replace && ::rename(temporary.c_str(), path.c_str()) != 0) {
    status = Status::Io(ErrnoMessage("cannot rename " + temporary + " to " + path.string()));
  } else if (status.ok() && !options.replace && ::link(temporary.c_str(), path.c_str()) != 0) {
    status = errno == EEXIST ? Status::InvalidArgument(path.string() + " already exists")
                             : Status::Io(ErrnoMessage("cannot create " + path.string()));
  }
  // After link() the file has two names and the temporary one goes; after a failure it is junk.
  if (!options.replace || !status.ok()) ::unlink(temporary.c_str());
  if (!status.ok()) return status;
  return SyncDirectory(directory);
}

}  // namespace edgelite::wal
