// Creating directories with mode 0700.
#include "cli/config/private_directories.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace edgelite::cli {

Status CreatePrivateDirectories(const std::filesystem::path& directory) {
  std::filesystem::path absolute = std::filesystem::absolute(directory);
  std::filesystem::path partial;
  for (const std::filesystem::path& part : absolute) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return Status::Io("cannot create the directory " + partial.string() + ": " +
                      std::strerror(errno));
  }
  std::error_code error;
  if (!std::filesystem::is_directory(absolute, error)) {
    return Status::Io(absolute.string() + " exists but is not a directory");
  }
  return Status::Ok();
}

}  // namespace edgelite::cli
