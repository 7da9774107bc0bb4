// The SDK's HttpClient against the real server: GET /dump streamed piece by piece with no overall
// timeout (as the SDK reads long-lived streams), stopped early without harming the server, and
// https spoken to a plain-HTTP port reported as a TLS error.
#include <gtest/gtest.h>

#include <string>

#include "client/http_client.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

class SdkHttpClientTest : public SharedServerTest<SdkHttpClientTest> {
 protected:
  void SetUp() override {
    SharedServerTest<SdkHttpClientTest>::SetUp();
    static bool filled = false;
    if (filled || HasFatalFailure()) return;
    filled = true;
    // About 4 MB of dump: more than one piece arrives.
    ExecuteAlone(port(), "CREATE TABLE big(v)");
    ExecuteAlone(port(),
                 "INSERT INTO big SELECT randomblob(2000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 "
                 "UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT i FROM n)");
  }

  client::HttpRequest DumpRequest() {
    client::HttpRequest request;
    request.method = "GET";
    request.url = "http://127.0.0.1:" + std::to_string(port()) + "/dump";
    request.timeout = std::chrono::milliseconds(0);
    request.idle_timeout = std::chrono::seconds(10);
    return request;
  }
};

TEST_F(SdkHttpClientTest, StreamsADumpInPieces) {
  client::HttpClient http;
  std::string dump;
  int pieces = 0;
  auto response = http.SendStreaming(DumpRequest(), [&](std::string_view piece) {
    dump.append(piece);
    ++pieces;
    return true;
  });
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->body.empty());
  EXPECT_GT(pieces, 1);
  EXPECT_GT(dump.size(), 4'000'000u);
  EXPECT_TRUE(dump.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"))
      << dump.substr(0, 80);
  EXPECT_NE(dump.find("CREATE TABLE IF NOT EXISTS big(v);"), std::string::npos);
  EXPECT_TRUE(dump.ends_with("COMMIT;\n"));
}

TEST_F(SdkHttpClientTest, StopsADumpEarly) {
  client::HttpClient http;
  std::size_t received = 0;
  auto response = http.SendStreaming(DumpRequest(), [&](std::string_view piece) {
    received += piece.size();
    return false;
  });
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_GT(received, 0u);
  EXPECT_LT(received, 4'000'000u);
  // The same client goes on: the whole dump on a new connection.
  std::size_t whole = 0;
  ASSERT_TRUE(http.SendStreaming(DumpRequest(),
                                 [&](std::string_view piece) {
                                   whole += piece.size();
                                   return true;
                                 })
                  .ok());
  EXPECT_GT(whole, 4'000'000u);
}

TEST_F(SdkHttpClientTest, HttpsToAPlainHttpServerIsATlsError) {
  client::HttpClient http;
  client::HttpRequest request;
  request.method = "GET";
  request.url = "https://127.0.0.1:" + std::to_string(port()) + "/health";
  auto response = http.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().kind(), ErrorKind::kUnavailable);
  EXPECT_TRUE(response.status().message().starts_with("TLS error talking to " + request.url + ": "))
      << response.status().message();
}

}  // namespace
}  // namespace edgelite::integration
