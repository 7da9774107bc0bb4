// Atomic, private file writes (see atomic_file.h).
#include "cli/config/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace edgelite::cli {
namespace {

std::string ErrnoText() {
  return std::strerror(errno);
}

Status WriteAll(int fd, std::string_view contents, const std::string& name) {
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io("cannot write " + name + ": " + ErrnoText());
    }
    done += size_t(n);
  }
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return Status::Io("cannot flush " + name + " to disk: " + ErrnoText());
  }
  return Status::Ok();
}

// So that the new name survives a crash, not only the new file's contents.
void SyncDirectory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                           mode_t mode, ExistingFile existing) {
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  std::string pattern = (directory / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> temporary(pattern.begin(), pattern.end());
  temporary.push_back('\0');
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    return Status::Io("cannot create a file in " + directory.string() + ": " + ErrnoText() +
                      "; check that the directory exists and that you may write to it");
  }
  const std::string temporary_name(temporary.data());
  Status status = Status::Ok();
  if (::fchmod(fd, mode) != 0) {
    status = Status::Io("cannot set the permissions of " + temporary_name + ": " + ErrnoText());
  }
  if (status.ok()) status = WriteAll(fd, contents, temporary_name);
  ::close(fd);
  if (status.ok()) {
    if (existing == ExistingFile::kReplace) {
      if (::rename(temporary_name.c_str(), path.c_str()) != 0) {
        status = Status::Io("cannot rename " + temporary_name + " to " + path.string() + ": " +
                            ErrnoText());
      }
    } else if (::link(temporary_name.c_str(), path.c_str()) != 0) {
      // link() never replaces its target, so a file created by someone else since the caller
      // last looked is not lost.
      status = errno == EEXIST ? Status::InvalidArgument(path.string() + " already exists")
                               : Status::Io("cannot create " + path.string() + ": " + ErrnoText());
    }
  }
  // After link() the file has two names and the temporary one goes; after a failure it is junk.
  if (existing == ExistingFile::kKeep || !status.ok()) ::unlink(temporary_name.c_str());
  if (status.ok()) SyncDirectory(directory);
  return status;
}

Status CreatePrivateDirectories(const std::filesystem::path& directory) {
  std::filesystem::path absolute = std::filesystem::absolute(directory);
  std::filesystem::path partial;
  for (const std::filesystem::path& part : absolute) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return Status::Io("cannot create the directory " + partial.string() + ": " + ErrnoText());
  }
  std::error_code error;
  if (!std::filesystem::is_directory(absolute, error)) {
    return Status::Io(absolute.string() + " exists but is not a directory");
  }
  return Status::Ok();
}

}  // namespace edgelite::cli
