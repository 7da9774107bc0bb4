// A Workload's requests and the rule that decides whether its response counts as a success.
// point-read: a Hrana pipeline that selects one random row of `bench` and closes the stream; ok
// only if exactly one row came back. insert: a pipeline that inserts one 100-character text into
// `bench_w`; ok only if the server reports one affected row, so only inserts that landed count.
// static: GET of a fixed path (the nginx floor); ok on HTTP 200. Each thread owns one generator.
// (ws-point-read shares only the Failure kinds; its messages are in hrana_ws_codec.h.)
#ifndef EDGELITE_BENCH_LOADGEN_WORKLOAD_H_
#define EDGELITE_BENCH_LOADGEN_WORKLOAD_H_

#include <string>
#include <string_view>

#include "fast_random.h"
#include "http_request_writer.h"
#include "options.h"

namespace edgelite::bench {

enum class Failure { kNone, kConnection, kHttpStatus, kHranaError, kBadResponse };
inline constexpr int kFailureKinds = 5;

// Short machine-readable name of a failure kind, used as a JSON key in the results.
const char* FailureName(Failure failure);

struct Verdict {
  Failure failure = Failure::kNone;
  std::string message;  // Filled only on failure.
};

class WorkloadGenerator {
 public:
  WorkloadGenerator(const Options& options, uint64_t seed);

  // Replaces `out` with the bytes of the next request.
  void NextRequest(std::string* out);

  Verdict Check(int status, std::string_view body) const;

 private:
  Workload workload_;
  std::string path_;
  int64_t rows_;
  HttpRequestWriter writer_;
  FastRandom random_;
  std::string body_;  // Reused between requests to avoid an allocation each time.
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_WORKLOAD_H_
