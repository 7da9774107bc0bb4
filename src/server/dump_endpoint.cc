// Checking the request, then running the dump on a dump worker into a streamed body.
#include "server/dump_endpoint.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/url/parse.hpp>
#include <memory>
#include <string>
#include <variant>

#include "hrana/json_codec.h"
#include "server/body_pipe.h"
#include "server/dump_exporter.h"
#include "server/http_authorization.h"

namespace edgelite::server {
namespace {

// sqld's wording: its query parser's, after `Failed to deserialize query string: `.
HttpResponse BadQuery(std::string_view problem) {
  return HttpResponse::Text(400, fmt::format("Failed to deserialize query string: {}", problem));
}

std::variant<DumpOptions, HttpResponse> ParseQuery(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return BadQuery(url.error().message());
  DumpOptions options;
  bool seen = false;
  for (const boost::urls::param& param : url->params()) {
    if (param.key.empty() && !param.has_value) continue;  // `?&`
    if (param.key != "preserve_row_ids") {
      return BadQuery(fmt::format("unknown field `{}`, expected `preserve_row_ids`", param.key));
    }
    if (seen) return BadQuery("duplicate field `preserve_row_ids`");
    seen = true;
    if (param.value != "true" && param.value != "false") {
      return BadQuery("provided string was not `true` or `false`");
    }
    options.preserve_row_ids = param.value == "true";
  }
  return options;
}

HttpResponse ErrorResponse(int status, std::string_view message) {
  return HttpResponse::Json(status, hrana::json::EncodeRequestError(message));
}

// One dump on a dump worker. A job dropped unrun (the server is stopping) still ends its body.
struct DumpJob {
  DumpJob(std::shared_ptr<BodyPipe> body, std::shared_ptr<Database> database, DumpOptions options)
      : body(std::move(body)), database(std::move(database)), options(options) {}
  DumpJob(const DumpJob&) = delete;
  DumpJob& operator=(const DumpJob&) = delete;
  ~DumpJob() { body->Fail(ErrorResponse(503, "The server is shutting down")); }

  void Run() {
    auto lease = database->readers().Acquire();
    if (!lease.ok()) {
      body->Fail(ErrorResponse(503, lease.status().message()));
      return;
    }
    // The dump's transaction takes its own snapshot, rather than reading the one the pooled
    // connection may hold from an earlier request.
    lease->ReleaseSnapshot();
    Database::LongRead long_read = database->HoldLongRead();
    Status status = ExportDump(lease->get()->handle(), options,
                               [this](std::string_view piece) { return body->Write(piece); });
    if (status.ok()) {
      body->Finish();
    } else if (status.kind() == ErrorKind::kUnavailable) {
      // Nobody reads any more (the client went, or the server is stopping).
      body->Fail(ErrorResponse(503, "The server is shutting down"));
    } else {
      spdlog::warn("{}: {}", database->name(), status.message());
      body->Fail(ErrorResponse(500, status.message()));
    }
  }

  std::shared_ptr<BodyPipe> body;
  std::shared_ptr<Database> database;
  DumpOptions options;
};

}  // namespace

HttpResponse ServeDump(const HttpRequest& request, const std::shared_ptr<Database>& database,
                       const auth::Authenticator& authenticator) {
  auto authorized = AuthorizeRead(request, authenticator, database->name());
  if (auto* refusal = std::get_if<HttpResponse>(&authorized)) return std::move(*refusal);
  auto options = ParseQuery(request.target);
  if (auto* refusal = std::get_if<HttpResponse>(&options)) return std::move(*refusal);

  WorkerPool& workers = database->dump_workers();
  auto body = std::make_shared<BodyPipe>([&workers] { return workers.stopping(); });
  auto job = std::make_shared<DumpJob>(body, database, std::get<DumpOptions>(options));
  workers.Submit([job] { job->Run(); });

  HttpResponse response = HttpResponse::Text(200, "");
  response.streamed_body = std::move(body);
  return response;
}

}  // namespace edgelite::server
