// Request bodies are assembled from fixed prefix/suffix text around the one varying value, so
// building a request costs far less than the server's work on it.
#include "workload.h"

#include "hrana_response.h"
#include "json_scan.h"

namespace edgelite::bench {
namespace {

// The "json" delimiter is needed because the SQL text contains `)"`.
constexpr std::string_view kPointReadPrefix =
    R"json({"requests":[{"type":"execute","stmt":{"sql":"SELECT v FROM bench WHERE id = ?",)json"
    R"json("args":[{"type":"integer","value":")json";
constexpr std::string_view kInsertPrefix =
    R"json({"requests":[{"type":"execute","stmt":{"sql":"INSERT INTO bench_w(v) VALUES (?)",)json"
    R"json("args":[{"type":"text","value":")json";
constexpr std::string_view kSuffix = R"json("}]}},{"type":"close"}]})json";
constexpr size_t kInsertTextLength = 100;

}  // namespace

const char* FailureName(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kConnection:
      return "connection";
    case Failure::kHttpStatus:
      return "http_status";
    case Failure::kHranaError:
      return "hrana_error";
    case Failure::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

WorkloadGenerator::WorkloadGenerator(const Options& options, uint64_t seed)
    : workload_(options.workload),
      path_(options.path),
      rows_(options.rows),
      writer_(options.host, options.port, options.auth_token),
      random_(seed) {}

void WorkloadGenerator::NextRequest(std::string* out) {
  switch (workload_) {
    case Workload::kStatic:
      writer_.Get(path_, out);
      return;
    case Workload::kPointRead:
      body_ = kPointReadPrefix;
      body_ += std::to_string(random_.Between1And(rows_));
      break;
    case Workload::kInsert:
      body_ = kInsertPrefix;
      random_.AppendLetters(kInsertTextLength, &body_);
      break;
    case Workload::kWsPointRead:
      // Not an HTTP workload: ws_load_worker.cc builds its own messages and never calls this.
      out->clear();
      return;
  }
  body_ += kSuffix;
  writer_.Post(path_, body_, out);
}

Verdict WorkloadGenerator::Check(int status, std::string_view body) const {
  if (status != 200) {
    return {Failure::kHttpStatus,
            "HTTP " + std::to_string(status) + ": " + std::string(body.substr(0, 200))};
  }
  if (workload_ == Workload::kStatic) return {};

  const ExecuteOutcome outcome = ExecuteResultAt(body, 0);
  if (!outcome.ok) {
    return {outcome.server_error ? Failure::kHranaError : Failure::kBadResponse, outcome.error};
  }
  if (workload_ == Workload::kPointRead) {
    // Every id in 1..rows exists, so anything but one row means the table or the server is wrong.
    const auto rows = json::Member(outcome.result, "rows");
    const auto count = rows ? json::Length(*rows) : std::nullopt;
    if (!count || *count != 1) {
      return {Failure::kBadResponse, "point read did not return exactly one row: " +
                                         std::string(outcome.result.substr(0, 200))};
    }
  } else {
    const auto affected = json::Member(outcome.result, "affected_row_count");
    const auto count = affected ? json::Integer(*affected) : std::nullopt;
    if (!count || *count != 1) {
      return {Failure::kBadResponse, "insert did not report one affected row: " +
                                         std::string(outcome.result.substr(0, 200))};
    }
  }
  return {};
}

}  // namespace edgelite::bench
