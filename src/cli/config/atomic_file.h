// Writing the small files the CLI owns (its config file, signing keys) so that a reader never sees
// half of one and nobody else ever sees a secret: the bytes go to a temporary file that mkstemp
// creates with mode 0600 in the target's directory, get the final mode, are fsynced, and only
// then take the target's name.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::cli {

enum class ExistingFile {
  kReplace,  // the new file takes the name even if a file has it now
  kKeep,     // an existing file is left alone and the write fails (atomically: no check-then-act)
};

// Writes `contents` to `path` with permission bits `mode`. With ExistingFile::kKeep, a file already
// at `path` makes this fail with a message naming it; nothing is written then. The directory must
// exist.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                           mode_t mode, ExistingFile existing);

// Creates `directory` and any missing parents; the ones created here get mode 0700 (they hold
// secrets). An existing directory keeps its mode.
Status CreatePrivateDirectories(const std::filesystem::path& directory);

}  // namespace edgelite::cli
