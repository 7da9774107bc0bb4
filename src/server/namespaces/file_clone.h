// CloneFile: a copy of a file made by the kernel — a clone sharing the source's extents where the
// filesystem can (FICLONE on XFS and btrfs: milliseconds whatever the size), else an in-kernel
// copy (copy_file_range), else plain reads and writes. Branches start from a clone of the source's
// database file, which is much cheaper than reading every page through SQLite.
#pragma once

#include <filesystem>

#include "edgelite/status.h"

namespace edgelite::server {

// Copies `from` to `to`, which must not exist. The caller keeps `from` unchanged meanwhile and
// syncs `to` when it needs it durable.
Status CloneFile(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace edgelite::server
