// Admin API calls and their failures explained.
#include "cli/db/admin_client.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace edgelite::cli {
namespace json = boost::json;

AdminClient::AdminClient(const GlobalOptions& options) : options_(options) {
  while (!options_.admin_url.empty() && options_.admin_url.back() == '/') {
    options_.admin_url.pop_back();
  }
}

Result<json::object> AdminClient::Call(const std::string& method, const std::string& path,
                                       const std::string& body, const std::string& database) {
  client::HttpRequest request;
  request.method = method;
  request.url = options_.admin_url + path;
  request.body = body;
  // A fork or a dump load of a large database takes as long as it takes.
  request.timeout = std::chrono::minutes(30);
  if (!body.empty()) request.headers.emplace_back("content-type", "application/json");
  if (!options_.admin_key.empty()) {
    request.headers.emplace_back("authorization", "Basic " + options_.admin_key);
  }
  auto response = http_.Send(request);
  if (!response.ok()) {
    return Status::Unavailable(fmt::format(
        "cannot reach the admin API at {}: {}. Is `edgelite serve --enable-namespaces "
        "--admin-listen-addr ...` running there? Set its URL with --admin-url or "
        "EDGELITE_ADMIN_URL (or `edgelite config set admin-url URL`).",
        options_.admin_url, response.status().message()));
  }
  // The server's message: sqld's {"error": "..."}, else the body as it is.
  std::string message = response->body;
  boost::system::error_code error;
  json::value parsed = json::parse(response->body, error);
  if (!error && parsed.is_object()) {
    if (const json::value* text = parsed.as_object().if_contains("error"); text && text->is_string()) {
      message = std::string(text->as_string());
    }
  }
  switch (response->status) {
    case 200:
      if (response->body.empty()) return json::object{};
      if (error || !parsed.is_object()) {
        return Status::Internal(fmt::format("the admin API at {} answered {} {} with no JSON object",
                                            options_.admin_url, method, path));
      }
      return std::move(parsed.as_object());
    case 401:
      return Status::Unauthenticated(fmt::format(
          "the admin API at {} refused the admin key: give the server's --admin-auth-key with "
          "--admin-key or EDGELITE_ADMIN_KEY (or `edgelite config set admin-key KEY`)",
          options_.admin_url));
    case 404:
      if (database.empty()) {
        return Status::NotFound(fmt::format("{} has no admin route {} {}: is it an edgelite or sqld admin API?",
                                            options_.admin_url, method, path));
      }
      return Status::NotFound(fmt::format(
          "database `{}` does not exist on {} (`edgelite db list` shows those that do)", database,
          options_.admin_url));
    default:
      if (response->status >= 500) {
        return Status::Unavailable(fmt::format("the server failed: {} (HTTP {})", message,
                                               response->status));
      }
      return Status::InvalidArgument(message);
  }
}

namespace {

// sqld's "Namespace `x` already exists", said with what to do.
Status ExplainTaken(Status status, const std::string& name) {
  if (status.kind() != ErrorKind::kInvalidArgument ||
      status.message().find("already exists") == std::string::npos) {
    return status;
  }
  return Status::InvalidArgument(fmt::format(
      "a database `{}` exists already: choose another name, or remove it first with `edgelite db "
      "destroy {}`",
      name, name));
}

}  // namespace

Status AdminClient::Create(const std::string& name, const json::object& body) {
  return ExplainTaken(
      Call("POST", "/v1/namespaces/" + PathSegment(name) + "/create", json::serialize(body), {})
          .status(),
      name);
}

Status AdminClient::Fork(const std::string& from, const std::string& to,
                         std::optional<uint64_t> frame_no, std::optional<std::string> timestamp) {
  json::object body;
  if (frame_no) body["frame_no"] = *frame_no;
  if (timestamp) body["timestamp"] = *timestamp;
  return ExplainTaken(Call("POST", "/v1/namespaces/" + PathSegment(from) + "/fork/" + PathSegment(to),
                           json::serialize(body), from)
                          .status(),
                      to);
}

Status AdminClient::Delete(const std::string& name) {
  return Call("DELETE", "/v1/namespaces/" + PathSegment(name), {}, name).status();
}

Result<std::vector<std::string>> AdminClient::List() {
  auto listed = Call("GET", "/v1/namespaces", {}, {});
  if (!listed.ok()) return listed.status();
  std::vector<std::string> names;
  if (const json::value* array = listed->if_contains("namespaces"); array && array->is_array()) {
    for (const json::value& name : array->as_array()) {
      if (name.is_string()) names.emplace_back(name.as_string());
    }
  }
  return names;
}

Result<json::object> AdminClient::Config(const std::string& name) {
  return Call("GET", "/v1/namespaces/" + PathSegment(name) + "/config", {}, name);
}

Result<json::object> AdminClient::Stats(const std::string& name) {
  return Call("GET", "/v1/namespaces/" + PathSegment(name) + "/stats", {}, name);
}

}  // namespace edgelite::cli
