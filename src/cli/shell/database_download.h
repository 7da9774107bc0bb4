// DownloadFromDatabase: a GET of one of a remote database's endpoints (`/dump`, `/export`) with the
// target's token, the body handed to a sink as it arrives, however long it takes (only a server
// silent for a minute fails). The shell's `.dump` and `edgelite db dump|export` use it.
#pragma once

#include <atomic>
#include <functional>
#include <string_view>

#include "cli/shell/shell_target.h"
#include "edgelite/status.h"

namespace edgelite::cli::shell {

// `sink` returns false to stop (the download then ends without an error). A non-200 answer is
// Unauthenticated (401), PermissionDenied (403), NotFound (404) or Unavailable, naming the URL.
// `cancel`, when set from another thread or a signal handler, ends the download within a second.
Status DownloadFromDatabase(const ShellTarget& target, std::string_view endpoint,
                            const std::function<bool(std::string_view)>& sink,
                            const std::atomic<bool>* cancel = nullptr);

}  // namespace edgelite::cli::shell
