// Loading an SQL dump into a new namespace (the admin API's `dump_url`): the text, as /dump or
// the sqlite3 shell's `.dump` writes it, runs on a connection of its own on the new database's
// file before the namespace is first served; its frame log then starts from the loaded file. A
// dump that fails leaves nothing: the caller removes the namespace.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "edgelite/status.h"

namespace edgelite::server {

// Fetches what an http(s):// URL serves (the server's command line provides it; the admin API
// has no HTTP client of its own).
using UrlFetcher = std::function<Result<std::string>(const std::string& url)>;

// The dump `url` names: file:///absolute/path, or http(s):// through `fetch` (may be null: then
// only file URLs work). At most kMaxDumpBytes.
Result<std::string> ReadDump(const std::string& url, const UrlFetcher& fetch);

// Runs `dump` in a new WAL database at `file` (which must not exist yet).
Status LoadDump(const std::string& dump, const std::filesystem::path& file);

inline constexpr size_t kMaxDumpBytes = 1024ull * 1024 * 1024;

}  // namespace edgelite::server
