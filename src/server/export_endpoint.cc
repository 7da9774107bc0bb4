// Copying the database with the backup API, then streaming the copy.
#include "server/export_endpoint.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <system_error>

#include "hrana/json_codec.h"
#include "server/body_pipe.h"
#include "server/database_copy.h"
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
    if (Status copied = CopyDatabase(*database, file, CopyJournal::kDelete); !copied.ok()) {
      spdlog::warn("{}: export: {}", database->name(), copied.message());
      body->Fail(ErrorResponse(copied.kind() == ErrorKind::kUnavailable ? 503 : 500,
                               copied.message()));
      return;
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
