// Namespace names: what a client may call a database. A name becomes a directory under
// `<db-path>/dbs/`, so anything that could leave that directory or confuse a file system is
// refused (separators, a leading `.`, NUL and control characters, invalid UTF-8); sqld otherwise
// accepts any non-empty UTF-8, and so does this, up to kMaxNamespaceNameBytes.
#pragma once

#include <cstddef>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::server {

inline constexpr std::string_view kDefaultNamespace = "default";
inline constexpr size_t kMaxNamespaceNameBytes = 128;

// Ok, or InvalidArgument saying what is wrong with `name`.
Status CheckNamespaceName(std::string_view name);

}  // namespace edgelite::server
