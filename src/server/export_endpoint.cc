// Copying the database with the backup API, then streaming the copy.
#include "server/export_endpoint.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <system_error>

#include "hrana/json_codec.h"
#include "server/body_pipe.h"
#include "server/http_authorization.h"

namespace edgelite::server {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;

// The download's file name: the namespace's, in the characters every client takes.
std::string FileNameFor(const std::string& name) {
  std::string file;
  for (char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
    file += plain ? c : '_';
  }
  return file + ".sqlite";
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  return HttpResponse::Json(status, hrana::json::EncodeRequestError(message));
}

// Copies the database as of one commit into `file`, marked journal_mode=DELETE.
Status CopyDatabase(sqlite3* source, const std::filesystem::path& file) {
  sqlite3* copy = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           "unix");
  auto fail = [&](std::string what) {
    Status status = Status::Io(fmt::format("{}: {}", what, copy ? sqlite3_errmsg(copy) : "?"));
    sqlite3_close_v2(copy);
    return status;
  };
  if (rc != SQLITE_OK) return fail("cannot create the copy");
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", source, "main");
  if (!backup) return fail("cannot start the copy");
  rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return fail("cannot copy the database");
  // The source is a WAL database; the copy should open as a plain file.
  if (sqlite3_exec(copy, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail("cannot set the copy's journal mode");
  }
  sqlite3_close_v2(copy);
  return Status::Ok();
}

struct ExportJob {
  ExportJob(std::shared_ptr<BodyPipe> body, std::shared_ptr<Database> database,
            std::filesystem::path file)
      : body(std::move(body)), database(std::move(database)), file(std::move(file)) {}
  ExportJob(const ExportJob&) = delete;
  ExportJob& operator=(const ExportJob&) = delete;
  ~ExportJob() {
    body->Fail(ErrorResponse(503, "The server is shutting down"));
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
  }

  void Run() {
    {
      auto lease = database->readers().Acquire();
      if (!lease.ok()) {
        body->Fail(ErrorResponse(503, lease.status().message()));
        return;
      }
      lease->ReleaseSnapshot();  // a snapshot of its own, as of now
      Database::LongRead long_read = database->HoldLongRead();
      if (Status copied = CopyDatabase(lease->get()->handle(), file); !copied.ok()) {
        spdlog::warn("{}: export: {}", database->name(), copied.message());
        body->Fail(ErrorResponse(500, copied.message()));
        return;
      }
    }
    std::ifstream in(file, std::ios::binary);
    std::string chunk(kChunkBytes, '\0');
    while (in) {
      in.read(chunk.data(), std::streamsize(chunk.size()));
      std::streamsize got = in.gcount();
      if (got <= 0) break;
      // False: nobody reads any more (the client went, or the server is stopping).
      if (!body->Write(std::string_view(chunk.data(), size_t(got)))) return;
    }
    if (in.bad()) {
      body->Fail(ErrorResponse(500, "cannot read the copy back"));
      return;
    }
    body->Finish();
  }

  std::shared_ptr<BodyPipe> body;
  std::shared_ptr<Database> database;
  std::filesystem::path file;
};

}  // namespace

HttpResponse ServeExport(const HttpRequest& request, const std::shared_ptr<Database>& database,
                         const auth::Authenticator& authenticator,
                         const std::filesystem::path& scratch) {
  auto authorized = AuthorizeRead(request, authenticator, database->name());
  if (auto* refusal = std::get_if<HttpResponse>(&authorized)) return std::move(*refusal);
  if (request.target != "/export") {
    return ErrorResponse(400, "GET /export takes no query parameters");
  }
  static std::atomic<uint64_t> exports{0};
  std::error_code error;
  std::filesystem::create_directories(scratch, error);
  std::filesystem::path file =
      scratch / fmt::format("export-{}-{}.sqlite", ::getpid(), exports.fetch_add(1));
  WorkerPool& workers = database->dump_workers();
  auto body = std::make_shared<BodyPipe>([&workers] { return workers.stopping(); });
  auto job = std::make_shared<ExportJob>(body, database, std::move(file));
  workers.Submit([job] { job->Run(); });

  HttpResponse response = HttpResponse::Text(200, "");
  response.content_type = "application/vnd.sqlite3";
  response.headers.emplace_back("content-disposition",
                                fmt::format("attachment; filename=\"{}\"", FileNameFor(database->name())));
  response.streamed_body = std::move(body);
  return response;
}

}  // namespace edgelite::server
