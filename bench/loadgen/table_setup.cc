// The setup conversation. Each request is checked result by result, and a failure names the step,
// so a server that mishandles batons or transactions is reported as such rather than producing a
// half-filled table that would make the read benchmark meaningless.
#include "table_setup.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blocking_http_client.h"
#include "fast_random.h"
#include "hrana_response.h"
#include "http_request_writer.h"
#include "json_scan.h"

namespace edgelite::bench {
namespace {

constexpr size_t kTextLength = 100;
// Generous: one batch of a thousand rows is milliseconds of work, but a loaded 2-core machine can
// stall; a hung server should still fail in bounded time.
constexpr double kRequestTimeoutSeconds = 60;

std::string Execute(std::string_view sql_json_escaped, std::string_view args_json = {}) {
  std::string out = R"({"type":"execute","stmt":{"sql":")";
  out += sql_json_escaped;
  out += '"';
  if (!args_json.empty()) {
    out += R"(,"args":[)";
    out += args_json;
    out += ']';
  }
  out += "}}";
  return out;
}

std::string Pipeline(const std::optional<std::string>& baton,
                     const std::vector<std::string>& requests) {
  std::string out = "{";
  if (baton) {
    out += R"("baton":")";
    out += json::Escape(*baton);
    out += R"(",)";
  }
  out += R"("requests":[)";
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) out += ',';
    out += requests[i];
  }
  out += "]}";
  return out;
}

class SetupSession {
 public:
  SetupSession(const Options& options, const Endpoint& endpoint)
      : options_(options),
        client_(endpoint, kRequestTimeoutSeconds),
        writer_(options.host, options.port, options.auth_token) {}

  // Sends `body`, checks that the first `executes` results are ok, updates the baton and returns
  // the response body; nullopt (after printing why) on any failure.
  std::optional<std::string> Send(const char* step, const std::string& body, size_t executes) {
    writer_.Post(options_.path, body, &request_);
    HttpResponse response;
    std::string error;
    if (!client_.RoundTrip(request_, &response, &error)) {
      std::fprintf(stderr, "setup: %s: %s\n", step, error.c_str());
      return std::nullopt;
    }
    if (response.status != 200) {
      std::fprintf(stderr, "setup: %s: HTTP %d: %.300s\n", step, response.status,
                   response.body.c_str());
      return std::nullopt;
    }
    for (size_t i = 0; i < executes; ++i) {
      const ExecuteOutcome outcome = ExecuteResultAt(response.body, i);
      if (!outcome.ok) {
        std::fprintf(stderr, "setup: %s: statement %zu failed: %s\n", step, i,
                     outcome.error.c_str());
        return std::nullopt;
      }
    }
    baton_ = BatonOf(response.body);
    return std::move(response.body);
  }

  const std::optional<std::string>& baton() const { return baton_; }

 private:
  const Options& options_;
  BlockingHttpClient client_;
  HttpRequestWriter writer_;
  std::string request_;
  std::optional<std::string> baton_;
};

}  // namespace

int RunSetup(const Options& options, const Endpoint& endpoint) {
  const auto started = std::chrono::steady_clock::now();
  SetupSession session(options, endpoint);

  if (!session.Send(
          "create tables and BEGIN",
          Pipeline(std::nullopt, {Execute("CREATE TABLE bench(id INTEGER PRIMARY KEY, v TEXT)"),
                                  Execute("CREATE TABLE bench_w(id INTEGER PRIMARY KEY, v TEXT)"),
                                  Execute("BEGIN")}),
          3)) {
    return 1;
  }
  if (!session.baton()) {
    std::fprintf(stderr,
                 "setup: the server returned no baton after BEGIN, so the stream (and its "
                 "transaction) cannot be continued in the next request\n");
    return 1;
  }

  FastRandom random(options.seed);
  std::string sql;
  std::string args;
  for (int64_t first = 1; first <= options.rows; first += options.batch_rows) {
    const int64_t last = std::min<int64_t>(first + options.batch_rows - 1, options.rows);
    sql = "INSERT INTO bench(id, v) VALUES ";
    args.clear();
    for (int64_t id = first; id <= last; ++id) {
      sql += id == first ? "(?, ?)" : ", (?, ?)";
      if (id != first) args += ',';
      args += R"({"type":"integer","value":")";
      args += std::to_string(id);
      args += R"("},{"type":"text","value":")";
      random.AppendLetters(kTextLength, &args);
      args += R"("})";
    }
    const auto body =
        session.Send("insert rows", Pipeline(session.baton(), {Execute(sql, args)}), 1);
    if (!body) return 1;
    const auto affected = json::Member(ExecuteResultAt(*body, 0).result, "affected_row_count");
    const auto count = affected ? json::Integer(*affected) : std::nullopt;
    if (!count || *count != last - first + 1) {
      std::fprintf(stderr, "setup: insert of ids %lld..%lld reported %s affected rows\n",
                   static_cast<long long>(first), static_cast<long long>(last),
                   affected ? std::string(*affected).c_str() : "no");
      return 1;
    }
    if (!session.baton()) {
      std::fprintf(stderr, "setup: the server dropped the stream baton in mid-transaction\n");
      return 1;
    }
  }

  if (!session.Send("COMMIT", Pipeline(session.baton(), {Execute("COMMIT"), R"({"type":"close"})"}),
                    1)) {
    return 1;
  }

  const auto verify = session.Send(
      "verify row count",
      Pipeline(std::nullopt, {Execute("SELECT count(*) FROM bench"), R"({"type":"close"})"}), 1);
  if (!verify) return 1;
  const auto rows = json::Member(ExecuteResultAt(*verify, 0).result, "rows");
  const auto row = rows ? json::Element(*rows, 0) : std::nullopt;
  const auto cell = row ? json::Element(*row, 0) : std::nullopt;
  const auto value = cell ? json::Member(*cell, "value") : std::nullopt;
  const auto count = value ? json::Integer(*value) : std::nullopt;
  if (!count || *count != options.rows) {
    std::fprintf(stderr, "setup: expected %lld rows in bench after COMMIT, found %s\n",
                 static_cast<long long>(options.rows),
                 value ? std::string(*value).c_str() : "none");
    return 1;
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"setup\":\"ok\",\"rows\":%lld,\"seconds\":%.3f}\n",
              static_cast<long long>(options.rows), seconds);
  return 0;
}

}  // namespace edgelite::bench
