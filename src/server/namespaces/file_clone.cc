// Cloning, else copying in the kernel, else copying through user space.
#include "server/namespaces/file_clone.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "wal/posix_file.h"

namespace edgelite::server {
namespace {

Status Failure(const std::filesystem::path& from, const std::filesystem::path& to, int error) {
  return Status::Io(fmt::format("cannot copy {} to {}: {}", from.string(), to.string(),
                                std::strerror(error)));
}

// Errors that mean "not this way here", after which the next way is tried.
bool Unsupported(int error) {
  return error == EOPNOTSUPP || error == ENOTTY || error == EXDEV || error == EINVAL ||
         error == ENOSYS || error == EBADF || error == EPERM;
}

}  // namespace

Status CloneFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  auto source = wal::PosixFile::Open(from, O_RDONLY);
  if (!source.ok()) return source.status();
  auto target = wal::PosixFile::Open(to, O_WRONLY | O_CREAT | O_EXCL);
  if (!target.ok()) return target.status();
  if (ioctl(target->fd(), FICLONE, source->fd()) == 0) return Status::Ok();
  if (!Unsupported(errno)) return Failure(from, to, errno);

  auto size = source->Size();
  if (!size.ok()) return size.status();
  uint64_t copied = 0;
  bool in_kernel = true;
  while (in_kernel && copied < *size) {
    ssize_t n = copy_file_range(source->fd(), nullptr, target->fd(), nullptr, *size - copied, 0);
    if (n > 0) {
      copied += uint64_t(n);
    } else if (n == 0) {
      break;  // the file is shorter than it was: what is there is copied
    } else if (errno == EINTR) {
      continue;
    } else if (copied == 0 && Unsupported(errno)) {
      in_kernel = false;
    } else {
      return Failure(from, to, errno);
    }
  }
  if (in_kernel) {
    // Writeback starts now, so the caller's sync, after its other work, finds less left to do.
    sync_file_range(target->fd(), 0, 0, SYNC_FILE_RANGE_WRITE);
    return Status::Ok();
  }

  std::vector<char> buffer(1 << 20);
  while (true) {
    auto read = source->ReadAt(buffer.data(), buffer.size(), copied);
    if (!read.ok()) return read.status();
    if (*read == 0) return Status::Ok();
    if (Status written = target->WriteAt(buffer.data(), *read, copied); !written.ok()) {
      return written;
    }
    copied += *read;
  }
}

}  // namespace edgelite::server
