// Tests for HranaRemoteStream against a scripted server, which shows exactly what goes over the
// wire: one HTTP call per statement (with `close` or `get_autocommit` riding along), the baton and
// base_url carried from answer to request, the token, and how each kind of failure a real server
// rarely produces on demand (a forgotten baton, an expired transaction, 5xx, a body that is not
// Hrana) becomes a Status. The same class against the real server: tests/integration.
#include "client/hrana_remote_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hrana/protobuf_codec.h"
#include "unit/client/scripted_http_server.h"

namespace edgelite::client {
namespace {

using test::ScriptedHttpServer;

constexpr std::string_view kPipeline = "/v3-protobuf/pipeline";

hrana::Stmt Sql(std::string sql) {
  hrana::Stmt stmt;
  stmt.sql = std::move(sql);
  return stmt;
}

hrana::StmtResult OneValue(Value value) {
  hrana::StmtResult result;
  result.cols = {{"v", std::nullopt}};
  result.rows = {{std::move(value)}};
  return result;
}

// A 200 answer carrying `response`, as the server encodes it.
ScriptedHttpServer::Reply Answer(const hrana::PipelineResponse& response) {
  return {200, "application/x-protobuf", hrana::protobuf::EncodePipelineResponse(response), {}};
}

ScriptedHttpServer::Reply Answer(std::optional<std::string> baton,
                                 std::vector<hrana::StreamResult> results,
                                 std::optional<std::string> base_url = std::nullopt) {
  return Answer(hrana::PipelineResponse{std::move(baton), std::move(base_url), std::move(results)});
}

hrana::StreamResult Executed(Value value) {
  return hrana::StreamResponse(hrana::ExecuteResponse{OneValue(std::move(value))});
}
hrana::StreamResult Autocommit(bool is_autocommit) {
  return hrana::StreamResponse(hrana::GetAutocommitResponse{is_autocommit});
}
hrana::StreamResult Closed() {
  return hrana::StreamResponse(hrana::CloseResponse{});
}

// The pipeline the server received, decoded as the server decodes it.
hrana::PipelineRequest Received(const ScriptedHttpServer::Request& request) {
  auto decoded = hrana::protobuf::DecodePipelineRequest(request.body);
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? std::move(decoded).value() : hrana::PipelineRequest{};
}

class HranaRemoteStreamTest : public ::testing::Test {
 protected:
  HranaRemoteStream::Options OptionsFor(const ScriptedHttpServer& server) {
    HranaRemoteStream::Options options;
    options.base_url = server.url();
    options.timeout = std::chrono::seconds(10);
    return options;
  }

  ScriptedHttpServer server_;
  HttpClient http_;
};

TEST_F(HranaRemoteStreamTest, AnAutocommitStatementIsOneRoundTripThatLeavesNoStream) {
  server_.Enqueue(Answer(std::nullopt, {Executed(Value(int64_t{1})), Closed()}));
  HranaRemoteStream stream(http_, OptionsFor(server_));
  auto result = stream.Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->rows, (std::vector<std::vector<Value>>{{Value(int64_t{1})}}));
  EXPECT_FALSE(stream.is_open());
  EXPECT_FALSE(stream.in_transaction());

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, kPipeline);
  EXPECT_EQ(requests[0].Header("content-type"), "application/x-protobuf");
  EXPECT_TRUE(requests[0].Header("x-libsql-client-version").starts_with("libsql-remote-cpp-"));
  EXPECT_FALSE(requests[0].HasHeader("authorization"));
  const hrana::PipelineRequest sent = Received(requests[0]);
  EXPECT_FALSE(sent.baton);
  ASSERT_EQ(sent.requests.size(), 2u);
  EXPECT_EQ(std::get<hrana::ExecuteRequest>(sent.requests[0]).stmt.sql, "SELECT 1");
  EXPECT_TRUE(std::holds_alternative<hrana::CloseRequest>(sent.requests[1]));
}

TEST_F(HranaRemoteStreamTest, CarriesTheBatonAndKnowsWhetherATransactionIsOpen) {
  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(false)}));
  server_.Enqueue(Answer("b2", {Executed(Null{}), Autocommit(true)}));
  server_.Enqueue(Answer(std::nullopt, {Closed()}));
  HranaRemoteStream stream(http_, OptionsFor(server_));

  ASSERT_TRUE(stream.Execute(Sql("BEGIN")).ok());
  EXPECT_TRUE(stream.is_open());
  EXPECT_TRUE(stream.in_transaction());
  ASSERT_TRUE(stream.Execute(Sql("COMMIT")).ok());
  EXPECT_TRUE(stream.is_open());
  EXPECT_FALSE(stream.in_transaction());
  ASSERT_TRUE(stream.Close().ok());
  EXPECT_FALSE(stream.is_open());

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  const hrana::PipelineRequest first = Received(requests[0]);
  EXPECT_FALSE(first.baton);
  ASSERT_EQ(first.requests.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<hrana::GetAutocommitRequest>(first.requests[1]));
  EXPECT_EQ(Received(requests[1]).baton, "b1");
  const hrana::PipelineRequest close = Received(requests[2]);
  EXPECT_EQ(close.baton, "b2");
  ASSERT_EQ(close.requests.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<hrana::CloseRequest>(close.requests[0]));
}

TEST_F(HranaRemoteStreamTest, FollowsTheServersBaseUrlForTheRestOfTheStream) {
  ScriptedHttpServer replica;
  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(false)}, replica.url() + "/db/"));
  replica.Enqueue(Answer(std::nullopt, {Executed(Null{}), Closed()}));
  server_.Enqueue(Answer(std::nullopt, {Executed(Null{}), Closed()}));
  HranaRemoteStream stream(http_, OptionsFor(server_));

  ASSERT_TRUE(stream.Execute(Sql("BEGIN")).ok());
  ASSERT_TRUE(stream.Execute(Sql("COMMIT"), StreamEnd::kClose).ok());
  // A new stream starts at the configured URL again.
  ASSERT_TRUE(stream.Execute(Sql("SELECT 1"), StreamEnd::kClose).ok());

  ASSERT_EQ(server_.requests().size(), 2u);
  ASSERT_EQ(replica.requests().size(), 1u);
  EXPECT_EQ(replica.requests()[0].target, "/db/v3-protobuf/pipeline");
  EXPECT_EQ(Received(replica.requests()[0]).baton, "b1");
  EXPECT_FALSE(Received(server_.requests()[1]).baton);
}

TEST_F(HranaRemoteStreamTest, SendsTheToken) {
  server_.Enqueue(Answer(std::nullopt, {Executed(Null{}), Closed()}));
  HranaRemoteStream::Options options = OptionsFor(server_);
  options.auth_token = "eyJ.token";
  HranaRemoteStream stream(http_, options);
  ASSERT_TRUE(stream.Execute(Sql("SELECT 1"), StreamEnd::kClose).ok());
  EXPECT_EQ(server_.requests().at(0).Header("authorization"), "Bearer eyJ.token");
}

TEST_F(HranaRemoteStreamTest, AStatementErrorCarriesTheServersCodeAndMessage) {
  server_.Enqueue(Answer(std::nullopt, {hrana::Error{"SQLite error: UNIQUE constraint failed: t.id",
                                                     "SQLITE_CONSTRAINT"},
                                        Closed()}));
  HranaRemoteStream stream(http_, OptionsFor(server_));
  auto result = stream.Execute(Sql("INSERT INTO t VALUES (1)"), StreamEnd::kClose);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kSqlError);
  EXPECT_EQ(result.status().message(),
            "SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: t.id");
}

TEST_F(HranaRemoteStreamTest, AForgottenStreamWithoutATransactionIsReplacedSilently) {
  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(true)}));
  server_.Enqueue({400, "text/plain", "Received an invalid baton", {}});
  server_.Enqueue(Answer("c1", {Executed(Value(int64_t{2})), Autocommit(true)}));
  HranaRemoteStream stream(http_, OptionsFor(server_));
  ASSERT_TRUE(stream.Execute(Sql("SELECT 1")).ok());
  auto second = stream.Execute(Sql("SELECT 2"));
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->rows.at(0).at(0), Value(int64_t{2}));

  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(Received(requests[1]).baton, "b1");
  EXPECT_FALSE(Received(requests[2]).baton);  // the same statement, on a new stream
  EXPECT_EQ(std::get<hrana::ExecuteRequest>(Received(requests[2]).requests[0]).stmt.sql,
            "SELECT 2");
}

TEST_F(HranaRemoteStreamTest, ALostTransactionIsReportedUntilTheStreamIsClosed) {
  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(false)}));
  server_.Enqueue(
      {400,
       "application/json",
       R"({"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"})",
       {}});
  HranaRemoteStream stream(http_, OptionsFor(server_));
  ASSERT_TRUE(stream.Execute(Sql("BEGIN")).ok());

  auto lost = stream.Execute(Sql("INSERT INTO t VALUES (1)"));
  ASSERT_FALSE(lost.ok());
  const std::string expected =
      "the server at " + server_.url() +
      "/v3-protobuf/pipeline no longer has this stream (HTTP 400: STREAM_EXPIRED: The stream "
      "has expired due to inactivity); the transaction open on this stream is lost (the server "
      "rolls it back): close the stream and run the transaction again";
  EXPECT_EQ(lost.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(lost.status().message(), expected);
  EXPECT_FALSE(stream.is_open());

  // Not run outside the transaction the caller believes in: refused without asking the server.
  auto refused = stream.Execute(Sql("COMMIT"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), expected);
  EXPECT_FALSE(stream.IsAutocommit().ok());
  EXPECT_EQ(server_.requests().size(), 2u);

  ASSERT_TRUE(stream.Close().ok());
  EXPECT_EQ(server_.requests().size(), 2u);  // nothing left to close on the server
  server_.Enqueue(Answer(std::nullopt, {Executed(Null{}), Closed()}));
  EXPECT_TRUE(stream.Execute(Sql("SELECT 1"), StreamEnd::kClose).ok());
}

TEST_F(HranaRemoteStreamTest, IsAutocommitAsksOnlyAnOpenStream) {
  HranaRemoteStream stream(http_, OptionsFor(server_));
  auto fresh = stream.IsAutocommit();
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(*fresh);
  EXPECT_TRUE(server_.requests().empty());

  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(false)}));
  server_.Enqueue(Answer("b2", {Autocommit(false)}));
  server_.Enqueue(Answer(std::nullopt, {Closed()}));  // the destructor's close
  ASSERT_TRUE(stream.Execute(Sql("BEGIN")).ok());
  auto asked = stream.IsAutocommit();
  ASSERT_TRUE(asked.ok()) << asked.status().message();
  EXPECT_FALSE(*asked);
  const hrana::PipelineRequest question = Received(server_.requests().at(1));
  EXPECT_EQ(question.baton, "b1");
  ASSERT_EQ(question.requests.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<hrana::GetAutocommitRequest>(question.requests[0]));
}

TEST_F(HranaRemoteStreamTest, DestroyingAnOpenStreamClosesIt) {
  server_.Enqueue(Answer("b1", {Executed(Null{}), Autocommit(false)}));
  server_.Enqueue(Answer(std::nullopt, {Closed()}));
  {
    HranaRemoteStream stream(http_, OptionsFor(server_));
    ASSERT_TRUE(stream.Execute(Sql("BEGIN")).ok());
  }
  ASSERT_EQ(server_.requests().size(), 2u);
  const hrana::PipelineRequest close = Received(server_.requests()[1]);
  EXPECT_EQ(close.baton, "b1");
  ASSERT_EQ(close.requests.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<hrana::CloseRequest>(close.requests[0]));
}

TEST_F(HranaRemoteStreamTest, HttpFailuresBecomeStatusesThatSayWhatToDo) {
  const std::string url = server_.url() + "/v3-protobuf/pipeline";
  const std::vector<std::pair<ScriptedHttpServer::Reply, Status>> cases = {
      {{401, "application/json", R"({"error":"Unauthorized: `The JWT is invalid`"})", {}},
       Status::Unauthenticated(
           "the server at " + url +
           " rejected the auth token (HTTP 401: Unauthorized: `The JWT is invalid`); check that "
           "the token is complete, not expired, and signed by a key the server accepts")},
      {{403,
        "application/json",
        R"({"error":"Authorization forbidden: Current session doesn't not have Write permission to namespace default"})",
        {}},
       Status::PermissionDenied(
           "the auth token does not allow this on " + url +
           " (HTTP 403: Authorization forbidden: Current session doesn't not have Write "
           "permission to namespace default)")},
      {{404, "", "", {}},
       Status::NotFound(url +
                        " was not found (HTTP 404); check the database URL: its host, path prefix "
                        "and namespace")},
      {{400, "text/plain", "SQL text 5 not found", {}},
       Status::InvalidArgument("the server at " + url +
                               " refused the request (HTTP 400: SQL text 5 not found)")},
      {{503,
        "application/json",
        R"({"error":"Too many open streams; close idle ones and retry"})",
        {}},
       Status::Unavailable("the server at " + url +
                           " is busy or unavailable (HTTP 503: Too many open streams; close idle "
                           "ones and retry); retry later")},
      {{500, "text/plain", "panic", {}},
       Status::Internal("the server at " + url + " failed (HTTP 500: panic)")},
      {{200, "text/html", "<html>hello</html>", {}},
       Status::Internal(url +
                        " answered with content type text/html instead of a Hrana protobuf body; "
                        "is the URL that of an edgelite or sqld server?")},
  };
  HranaRemoteStream::Options options = OptionsFor(server_);
  options.auth_token = "t";
  HranaRemoteStream stream(http_, options);
  for (const auto& [reply, expected] : cases) {
    server_.Enqueue(reply);
    auto result = stream.Execute(Sql("SELECT 1"), StreamEnd::kClose);
    ASSERT_FALSE(result.ok()) << reply.status;
    EXPECT_EQ(result.status().kind(), expected.kind()) << reply.status;
    EXPECT_EQ(result.status().message(), expected.message());
  }
}

TEST_F(HranaRemoteStreamTest, WithoutATokenA401AsksForOne) {
  server_.Enqueue({401,
                   "application/json",
                   R"({"error":"Unauthorized: `Expected authorization header but none given`"})",
                   {}});
  HranaRemoteStream stream(http_, OptionsFor(server_));
  auto result = stream.Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kUnauthenticated);
  EXPECT_EQ(result.status().message(),
            "the server at " + server_.url() +
                "/v3-protobuf/pipeline requires an auth token (HTTP 401: Unauthorized: `Expected "
                "authorization header but none given`); pass one as authToken");
}

TEST_F(HranaRemoteStreamTest, AnAnswerThatIsNotHranaIsAnError) {
  // One result for a pipeline of two requests.
  server_.Enqueue(Answer(std::nullopt, {Executed(Null{})}));
  HranaRemoteStream stream(http_, OptionsFor(server_));
  auto result = stream.Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kInternal);
  EXPECT_EQ(result.status().message(),
            "the server at " + server_.url() +
                "/v3-protobuf/pipeline sent a response that is not valid Hrana: invalid response "
                "body at results: 1 results for a pipeline of 2 requests; a server answers every "
                "request");
}

}  // namespace
}  // namespace edgelite::client
