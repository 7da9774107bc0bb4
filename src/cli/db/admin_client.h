// AdminClient: the management commands' side of the admin API (docs/protocol.md §8.2) — create,
// fork, delete, list, config, stats, checkpoint — over the SDK's HTTP client. Every failure is a
// Status whose message says what went wrong and what to do: the admin URL it tried when the server
// is unreachable, the key to check on a 401, the database on a 404, the server's own message on a
// 400.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

#include "cli/config/global_options.h"
#include "client/http_client.h"
#include "edgelite/status.h"

namespace edgelite::cli {

class AdminClient {
 public:
  // `options` must be resolved (ResolveGlobalOptions).
  explicit AdminClient(const GlobalOptions& options);

  Status Create(const std::string& name, const boost::json::object& body = {});
  // A branch `to` of `from`: as of its newest commit, or of `frame_no` or `timestamp`.
  Status Fork(const std::string& from, const std::string& to, std::optional<uint64_t> frame_no,
              std::optional<std::string> timestamp);
  Status Delete(const std::string& name);
  Result<std::vector<std::string>> List();
  Result<boost::json::object> Config(const std::string& name);
  Result<boost::json::object> Stats(const std::string& name);

 private:
  // The response's JSON object (an empty object for an empty body), or the failure explained.
  Result<boost::json::object> Call(const std::string& method, const std::string& path,
                                   const std::string& body, const std::string& database);

  GlobalOptions options_;
  client::HttpClient http_;
};

}  // namespace edgelite::cli
