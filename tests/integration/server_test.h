// What the integration test suites share: a fixture that runs one server per suite (and checks,
// after every test, that the server still serves; and, at the end, that it shuts down cleanly
// rather than having crashed), plus helpers to build Hrana bodies and read JSON answers.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "integration/http_client.h"
#include "integration/server_process.h"

namespace edgelite::integration {

// {"type":"execute","stmt":{"sql":<sql>}}, with `sql` JSON-escaped.
std::string ExecuteJson(std::string_view sql);
// A Hrana pipeline body: {"baton":<baton or null>,"requests":[<requests>...]}.
std::string PipelineBody(const std::vector<std::string>& requests,
                         const std::optional<std::string>& baton = std::nullopt);

// Parses `text` strictly (UTF-8 included). Invalid JSON is a test failure, and gives null.
boost::json::value ParseJson(std::string_view text);
// The value at a JSON pointer ("/results/0/type"): a string as itself, anything else serialized,
// so that assertions show what was there; "<missing /x>" when there is nothing.
std::string TextAt(const boost::json::value& json, std::string_view pointer);

// One request on a fresh connection; a transport failure is a test failure (and status 0).
HttpResponse Post(uint16_t port, std::string_view target, std::string_view body);

// One statement in a pipeline of its own; its response, and a test failure unless it succeeds.
boost::json::value ExecuteAlone(uint16_t port, const std::string& sql);

// The server is alive and not wedged: it runs, GET /health answers 200 and a query gives the
// right answer. Failures carry the server's log.
void ExpectServerServes(ServerProcess& server);

// The lines the server logged after the first `offset` bytes of its log.
std::vector<std::string> LogLinesSince(const ServerProcess& server, size_t offset);

// One server per test suite. `Derived` may declare `static std::vector<std::string> ServerArgs()`
// to pass flags.
template <typename Derived>
class SharedServerTest : public ::testing::Test {
 public:
  static std::vector<std::string> ServerArgs() { return {}; }

  static void SetUpTestSuite() {
    auto started = ServerProcess::Start(Derived::ServerArgs());
    if (started.ok()) {
      server_ = std::move(started).value();
    } else {
      start_error_ = started.status().message();
    }
  }

  static void TearDownTestSuite() {
    if (!server_) return;
    std::string ending = server_->Stop();
    // A server that was killed by a signal, or needed SIGKILL, did not survive the suite intact.
    EXPECT_EQ(ending, "exited with status 0") << "server log:\n" << server_->ReadLog();
    server_.reset();
  }

 protected:
  void SetUp() override { ASSERT_TRUE(server_) << "the server did not start: " << start_error_; }
  void TearDown() override {
    if (server_) ExpectServerServes(*server_);
  }

  static ServerProcess& server() { return *server_; }
  static uint16_t port() { return server_->port(); }

 private:
  static inline std::unique_ptr<ServerProcess> server_;
  static inline std::string start_error_;
};

}  // namespace edgelite::integration
