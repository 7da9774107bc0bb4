// `.dump` for local files (in process) and remote databases (GET /dump).
#include "cli/shell/database_dump.h"

#include <sqlite3.h>

#include <memory>

#include "cli/shell/database_download.h"
#include "server/dump_exporter.h"

namespace edgelite::cli::shell {
namespace {

Status DumpLocalFile(const std::string& path, const server::DumpSink& sink) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (rc != SQLITE_OK) {
    return Status::Io("cannot open " + path +
                      " to dump it: " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  return server::ExportDump(db.get(), server::DumpOptions{}, sink);
}

}  // namespace

Status DumpDatabase(const ShellTarget& target, std::ostream& out) {
  auto write = [&out](std::string_view piece) {
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    return static_cast<bool>(out);
  };
  if (target.kind == TargetKind::kRemote) return DownloadFromDatabase(target, "/dump", write);
  return DumpLocalFile(target.path, write);
}

}  // namespace edgelite::cli::shell
