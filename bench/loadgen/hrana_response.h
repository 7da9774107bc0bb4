// Reading the parts of a Hrana HTTP pipeline response (POST /v2/pipeline) that decide whether a
// request succeeded. A pipeline response is {"baton":..., "base_url":..., "results":[...]}, where
// each result is {"type":"ok","response":{...}} or {"type":"error","error":{"message":...}}; an
// HTTP 200 alone does not mean the statement ran, so the generator looks inside.
#ifndef EDGELITE_BENCH_LOADGEN_HRANA_RESPONSE_H_
#define EDGELITE_BENCH_LOADGEN_HRANA_RESPONSE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace edgelite::bench {

struct ExecuteOutcome {
  bool ok = false;
  std::string error;          // Why not ok: the server's error message or what was malformed.
  bool server_error = false;  // The server answered with a Hrana error (not a malformed reply).
  std::string_view result;    // The StmtResult object ("cols", "rows", ...) when ok.
};

// Outcome of the `execute` request at position `index` of the pipeline response `body`.
ExecuteOutcome ExecuteResultAt(std::string_view body, size_t index);

// The baton of a pipeline response: a string when the stream stays open, nullopt otherwise.
std::optional<std::string> BatonOf(std::string_view body);

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_HRANA_RESPONSE_H_
