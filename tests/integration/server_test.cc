// Helpers shared by the integration test suites.
#include "integration/server_test.h"

namespace edgelite::integration {

namespace bj = boost::json;

std::string ExecuteJson(std::string_view sql) {
  bj::object stmt;
  stmt["sql"] = sql;
  bj::object request;
  request["type"] = "execute";
  request["stmt"] = std::move(stmt);
  return bj::serialize(request);
}

std::string PipelineBody(const std::vector<std::string>& requests,
                         const std::optional<std::string>& baton) {
  std::string body = R"({"baton":)";
  body += baton ? bj::serialize(bj::value(*baton)) : "null";
  body += R"(,"requests":[)";
  for (size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) body += ',';
    body += requests[i];
  }
  body += "]}";
  return body;
}

bj::value ParseJson(std::string_view text) {
  bj::error_code error;
  bj::value value = bj::parse(bj::string_view(text.data(), text.size()), error);
  if (error) {
    ADD_FAILURE() << "not valid JSON (" << error.message() << "): " << text.substr(0, 300);
    return nullptr;
  }
  return value;
}

std::string TextAt(const bj::value& json, std::string_view pointer) {
  bj::error_code error;
  const bj::value* found =
      json.find_pointer(bj::string_view(pointer.data(), pointer.size()), error);
  if (!found) return "<missing " + std::string(pointer) + ">";
  if (found->is_string()) return std::string(found->get_string());
  return bj::serialize(*found);
}

HttpResponse Post(uint16_t port, std::string_view target, std::string_view body) {
  Result<HttpResponse> response = SendRequest(port, "POST", target, body);
  if (!response.ok()) {
    ADD_FAILURE() << "POST " << target << " failed: " << response.status().message();
    return {};
  }
  return std::move(response).value();
}

bj::value ExecuteAlone(uint16_t port, const std::string& sql) {
  HttpResponse response =
      Post(port, "/v2/pipeline", PipelineBody({ExecuteJson(sql), R"({"type":"close"})"}));
  bj::value json = ParseJson(response.body);
  EXPECT_EQ(response.status, 200) << sql << ": " << response.body;
  EXPECT_EQ(TextAt(json, "/results/0/type"), "ok") << sql << ": " << response.body;
  return json;
}

void ExpectServerServes(ServerProcess& server) {
  if (!server.IsRunning()) {
    ADD_FAILURE() << "the server is not running any more: " << server.Stop() << "\nits log:\n"
                  << server.ReadLog();
    return;
  }
  // Shorter than the default: a wedged server should fail each test quickly, not time it out.
  constexpr auto kTimeout = std::chrono::seconds(10);
  Result<HttpResponse> health = SendRequest(server.port(), "GET", "/health", {}, kTimeout);
  ASSERT_TRUE(health.ok()) << "GET /health: " << health.status().message();
  EXPECT_EQ(health->status, 200);
  Result<HttpResponse> answer =
      SendRequest(server.port(), "POST", "/v2/pipeline",
                  PipelineBody({ExecuteJson("SELECT 40 + 2"), R"({"type":"close"})"}), kTimeout);
  ASSERT_TRUE(answer.ok()) << "a query: " << answer.status().message();
  ASSERT_EQ(answer->status, 200) << answer->body;
  EXPECT_EQ(TextAt(ParseJson(answer->body), "/results/0/response/result/rows/0/0/value"), "42");
}

std::vector<std::string> LogLinesSince(const ServerProcess& server, size_t offset) {
  std::string log = server.ReadLog();
  std::vector<std::string> lines;
  size_t at = std::min(offset, log.size());
  while (at < log.size()) {
    size_t end = log.find('\n', at);
    if (end == std::string::npos) end = log.size();
    lines.push_back(log.substr(at, end - at));
    at = end + 1;
  }
  return lines;
}

}  // namespace edgelite::integration
