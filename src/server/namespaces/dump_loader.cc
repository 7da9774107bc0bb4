// Reading a dump from a URL and running it.
#include "server/namespaces/dump_loader.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <boost/url/parse.hpp>
#include <fstream>
#include <sstream>
#include <system_error>

namespace edgelite::server {

Result<std::string> ReadDump(const std::string& url, const UrlFetcher& fetch) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return Status::InvalidArgument(fmt::format("`dump_url` is not a URL: {}", url));
  std::string scheme(parsed->scheme());
  if (scheme == "http" || scheme == "https") {
    if (!fetch) return Status::InvalidArgument("this server cannot fetch http(s) dumps");
    auto fetched = fetch(url);
    if (!fetched.ok()) return fetched.status();
    if (fetched->size() > kMaxDumpBytes) {
      return Status::ResourceExhausted(
          fmt::format("the dump at {} is larger than {} bytes", url, kMaxDumpBytes));
    }
    return fetched;
  }
  if (scheme != "file") {
    return Status::InvalidArgument(
        fmt::format("`dump_url` must be http(s):// or file:///absolute/path, not {}", url));
  }
  if (parsed->has_authority() && !parsed->encoded_host().empty() &&
      parsed->encoded_host() != "localhost") {
    return Status::InvalidArgument("a file:// dump_url names a local file: file:///absolute/path");
  }
  std::filesystem::path path = parsed->path();
  if (!path.is_absolute()) {
    return Status::InvalidArgument("a file:// dump_url needs an absolute path: file:///...");
  }
  std::error_code error;
  uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return Status::InvalidArgument(
        fmt::format("cannot read the dump {}: {}", path.string(), error.message()));
  }
  if (size > kMaxDumpBytes) {
    return Status::ResourceExhausted(
        fmt::format("the dump {} is larger than {} bytes", path.string(), kMaxDumpBytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return Status::InvalidArgument(fmt::format("cannot read the dump {}", path.string()));
  }
  return text.str();
}

Status LoadDump(const std::string& dump, const std::filesystem::path& file) {
  if (dump.find('\0') != std::string::npos) {
    return Status::InvalidArgument("the dump holds a NUL byte: it is not SQL text");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix");
  auto close = [&] { sqlite3_close_v2(db); };
  if (rc != SQLITE_OK) {
    Status status = Status::Io(fmt::format("cannot create {}: {}", file.string(), sqlite3_errstr(rc)));
    close();
    return status;
  }
  // A dump may not reach other files: no ATTACH, hence no VACUUM INTO either.
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  char* message = nullptr;
  // WAL first, as the server serves it. A dump's own BEGIN ... COMMIT makes it one transaction.
  rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, &message);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, dump.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Status status = Status::InvalidArgument(fmt::format(
        "the dump does not load: {}", message ? message : sqlite3_errstr(rc)));
    sqlite3_free(message);
    close();
    return status;
  }
  if (!sqlite3_get_autocommit(db)) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    close();
    return Status::InvalidArgument("the dump leaves a transaction open (no COMMIT at its end)");
  }
  rc = sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
  close();
  if (rc != SQLITE_OK) return Status::Io(fmt::format("cannot checkpoint {}", file.string()));
  return Status::Ok();
}

}  // namespace edgelite::server
