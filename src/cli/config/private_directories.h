// CreatePrivateDirectories: the directories the CLI keeps secrets in (its config, signing keys),
// created so that nobody else can look inside. The files in them are written with
// wal::WriteFileAtomically and mode 0600.
#pragma once

#include <filesystem>

#include "edgelite/status.h"

namespace edgelite::cli {

// Creates `directory` and any missing parents; the ones created here get mode 0700. An existing
// directory keeps its mode.
Status CreatePrivateDirectories(const std::filesystem::path& directory);

}  // namespace edgelite::cli
