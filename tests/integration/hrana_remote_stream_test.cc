// The SDK's remote stream (HranaRemoteStream over HttpClient) against the real server, as an
// application using the SDK sees it: every value type comes back as it went in, an interactive
// transaction spans calls through the baton and stays invisible to other streams until it ends, a
// transaction the server expired is reported rather than silently left, statement errors carry the
// server's code and message, a bad token is Unauthenticated, a stopped server is Unavailable
// naming the URL, and a stream follows the server's base_url (--http-self-url).
#include "client/hrana_remote_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <thread>

#include "integration/server_test.h"
#include "unit/server/auth/jwt_test_support.h"

namespace edgelite::integration {
namespace {

using client::HranaRemoteStream;
using client::StreamEnd;

hrana::Stmt Sql(std::string sql, std::vector<Value> args = {}) {
  hrana::Stmt stmt;
  stmt.sql = std::move(sql);
  stmt.args = std::move(args);
  return stmt;
}

std::string BaseUrl(uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

std::unique_ptr<HranaRemoteStream> OpenStream(client::HttpClient& http, uint16_t port,
                                              std::optional<std::string> token = std::nullopt) {
  HranaRemoteStream::Options options;
  options.base_url = BaseUrl(port);
  options.auth_token = std::move(token);
  return std::make_unique<HranaRemoteStream>(http, std::move(options));
}

// The single value of a one-row, one-column result; a test failure otherwise.
Value OnlyValue(const Result<hrana::StmtResult>& result) {
  EXPECT_TRUE(result.ok()) << result.status().message();
  if (!result.ok() || result->rows.size() != 1 || result->rows[0].size() != 1) {
    ADD_FAILURE() << "expected one row of one value";
    return Null{};
  }
  return result->rows[0][0];
}

class RemoteStreamTest : public SharedServerTest<RemoteStreamTest> {
 protected:
  // One statement on a stream of its own, which the same round trip closes.
  Result<hrana::StmtResult> Autocommit(std::string sql, std::vector<Value> args = {}) {
    return OpenStream(http_, port())
        ->Execute(Sql(std::move(sql), std::move(args)), StreamEnd::kClose);
  }

  client::HttpClient http_;
};

TEST_F(RemoteStreamTest, EveryValueTypeRoundTrips) {
  const std::vector<Value> values = {
      Value(Null{}),
      Value(int64_t{0}),
      Value(std::numeric_limits<int64_t>::min()),
      Value(std::numeric_limits<int64_t>::max()),
      Value(1.5),
      Value(-0.0),
      Value(std::numeric_limits<double>::infinity()),
      Value(-std::numeric_limits<double>::infinity()),
      Value(std::string()),
      Value(std::string("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80")),
      Value(Blob{}),
      Value(Blob{std::string("\x00\x00\x01\xFF\x00", 5)}),
  };
  ASSERT_TRUE(Autocommit("CREATE TABLE every_value(i INTEGER PRIMARY KEY, v)").ok());
  auto stream = OpenStream(http_, port());
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Bound and returned as they are, then stored and read back.
    const Value echoed = OnlyValue(stream->Execute(Sql("SELECT ?", {values[i]})));
    EXPECT_EQ(echoed, values[i]) << "value " << i;
    ASSERT_TRUE(
        stream->Execute(Sql("INSERT INTO every_value VALUES (?, ?)", {int64_t(i), values[i]}))
            .ok());
  }
  auto stored = stream->Execute(Sql("SELECT v FROM every_value ORDER BY i"), StreamEnd::kClose);
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_EQ(stored->rows.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(stored->rows[i].at(0), values[i]) << "value " << i;
  }
  EXPECT_TRUE(std::signbit(std::get<double>(stored->rows[5].at(0))));
}

TEST_F(RemoteStreamTest, AnInteractiveTransactionSpansCallsThroughTheBaton) {
  ASSERT_TRUE(Autocommit("CREATE TABLE tx(x)").ok());
  auto stream = OpenStream(http_, port());
  ASSERT_TRUE(stream->Execute(Sql("BEGIN")).ok());
  EXPECT_TRUE(stream->in_transaction());
  ASSERT_TRUE(stream->Execute(Sql("INSERT INTO tx VALUES (1)")).ok());
  EXPECT_EQ(OnlyValue(stream->Execute(Sql("SELECT count(*) FROM tx"))), Value(int64_t{1}));
  // Another stream does not see it before it commits.
  EXPECT_EQ(OnlyValue(Autocommit("SELECT count(*) FROM tx")), Value(int64_t{0}));
  auto autocommit = stream->IsAutocommit();
  ASSERT_TRUE(autocommit.ok()) << autocommit.status().message();
  EXPECT_FALSE(*autocommit);

  ASSERT_TRUE(stream->Execute(Sql("ROLLBACK")).ok());
  EXPECT_FALSE(stream->in_transaction());
  EXPECT_EQ(OnlyValue(stream->Execute(Sql("SELECT count(*) FROM tx"))), Value(int64_t{0}));
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_FALSE(stream->is_open());

  // And what commits is seen by everyone.
  ASSERT_TRUE(stream->Execute(Sql("BEGIN")).ok());
  ASSERT_TRUE(stream->Execute(Sql("INSERT INTO tx VALUES (2)")).ok());
  ASSERT_TRUE(stream->Execute(Sql("COMMIT"), StreamEnd::kClose).ok());
  EXPECT_EQ(OnlyValue(Autocommit("SELECT count(*) FROM tx")), Value(int64_t{1}));
}

TEST_F(RemoteStreamTest, StatementErrorsCarryTheServersCodeAndMessage) {
  ASSERT_TRUE(Autocommit("CREATE TABLE uniq(id INTEGER PRIMARY KEY)").ok());
  ASSERT_TRUE(Autocommit("INSERT INTO uniq VALUES (1)").ok());
  auto stream = OpenStream(http_, port());

  auto duplicate = stream->Execute(Sql("INSERT INTO uniq VALUES (1)"));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.status().kind(), ErrorKind::kSqlError);
  EXPECT_EQ(duplicate.status().message(),
            "SQLITE_CONSTRAINT: SQLite error: UNIQUE constraint failed: uniq.id");

  auto syntax = stream->Execute(Sql("SELEC 1"));
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().kind(), ErrorKind::kSqlError);
  EXPECT_NE(syntax.status().message().find("syntax error"), std::string::npos)
      << syntax.status().message();

  auto missing = stream->Execute(Sql("SELECT * FROM nope"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "SQLITE_UNKNOWN: SQLite error: no such table: nope");

  // A failed statement leaves the stream usable.
  EXPECT_EQ(OnlyValue(stream->Execute(Sql("SELECT 42"), StreamEnd::kClose)), Value(int64_t{42}));
}

TEST_F(RemoteStreamTest, ABatchReportsItsStepErrorsInItsResult) {
  ASSERT_TRUE(Autocommit("CREATE TABLE batch_uniq(id INTEGER PRIMARY KEY)").ok());
  hrana::Batch batch;
  batch.steps.push_back({std::nullopt, Sql("INSERT INTO batch_uniq VALUES (1)")});
  hrana::BatchCond after_first;
  after_first.kind = hrana::BatchCond::Kind::kOk;
  after_first.step = 0;
  batch.steps.push_back({after_first, Sql("INSERT INTO batch_uniq VALUES (1)")});
  hrana::BatchCond after_second = after_first;
  after_second.step = 1;
  batch.steps.push_back({after_second, Sql("INSERT INTO batch_uniq VALUES (2)")});

  auto result = OpenStream(http_, port())->Batch(batch, StreamEnd::kClose);
  ASSERT_TRUE(result.ok()) << result.status().message();
  ASSERT_EQ(result->step_results.size(), 3u);
  ASSERT_EQ(result->step_errors.size(), 3u);
  EXPECT_TRUE(result->step_results[0]);
  EXPECT_FALSE(result->step_errors[0]);
  EXPECT_FALSE(result->step_results[1]);
  ASSERT_TRUE(result->step_errors[1]);
  EXPECT_EQ(result->step_errors[1]->code, "SQLITE_CONSTRAINT");
  EXPECT_FALSE(result->step_results[2]);  // skipped: its condition was false
  EXPECT_FALSE(result->step_errors[2]);
  EXPECT_EQ(OnlyValue(Autocommit("SELECT count(*) FROM batch_uniq")), Value(int64_t{1}));
}

TEST_F(RemoteStreamTest, ASequenceRunsSeveralStatements) {
  auto stream = OpenStream(http_, port());
  ASSERT_TRUE(stream
                  ->Sequence("CREATE TABLE seq(x); INSERT INTO seq VALUES (1); "
                             "INSERT INTO seq VALUES (2);")
                  .ok());
  EXPECT_EQ(OnlyValue(stream->Execute(Sql("SELECT sum(x) FROM seq"))), Value(int64_t{3}));
  Status failed = stream->Sequence("INSERT INTO seq VALUES (3); SELECT * FROM nope;");
  EXPECT_EQ(failed.kind(), ErrorKind::kSqlError);
  EXPECT_EQ(failed.message(), "SQLITE_UNKNOWN: SQLite error: no such table: nope");
}

TEST_F(RemoteStreamTest, ATransactionTheServerExpiredIsReportedNotLeftBehind) {
  ASSERT_TRUE(Autocommit("CREATE TABLE expiring(x)").ok());
  auto in_transaction = OpenStream(http_, port());
  ASSERT_TRUE(in_transaction->Execute(Sql("BEGIN")).ok());
  ASSERT_TRUE(in_transaction->Execute(Sql("INSERT INTO expiring VALUES (1)")).ok());
  auto idle_autocommit = OpenStream(http_, port());
  ASSERT_TRUE(idle_autocommit->Execute(Sql("SELECT 1")).ok());

  // The server's stream idle timeout is 10 s; it looks for idle streams every 500 ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(11'500));

  // Without a transaction, nothing was lost: the call just works.
  EXPECT_EQ(OnlyValue(idle_autocommit->Execute(Sql("SELECT 2"))), Value(int64_t{2}));

  auto lost = in_transaction->Execute(Sql("INSERT INTO expiring VALUES (2)"));
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find("STREAM_EXPIRED"), std::string::npos)
      << lost.status().message();
  EXPECT_NE(lost.status().message().find("the transaction open on this stream is lost"),
            std::string::npos)
      << lost.status().message();
  // COMMIT is refused rather than run on a new stream, where it would report success for nothing.
  EXPECT_FALSE(in_transaction->Execute(Sql("COMMIT")).ok());
  ASSERT_TRUE(in_transaction->Close().ok());
  EXPECT_EQ(
      OnlyValue(in_transaction->Execute(Sql("SELECT count(*) FROM expiring"), StreamEnd::kClose)),
      Value(int64_t{0}));
}

TEST(RemoteStreamServerDown, IsUnavailableNamingTheUrl) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status().message();
  const uint16_t port = (*server)->port();
  (*server)->Stop();
  client::HttpClient http;
  auto result = OpenStream(http, port)->Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(result.status().message(),
            "cannot reach " + BaseUrl(port) +
                "/v3-protobuf/pipeline: Connection refused; is the server running, and is the URL "
                "right?");
}

// A server whose --http-self-url points where nothing listens: a stream that follows base_url
// fails on its second call there, and a new stream starts at the configured URL again.
// Ctrl-C in a client (Connection::Interrupt): a statement that would run for ever is abandoned
// from another thread within the HTTP client's cancel latency, the server goes on serving, and a
// transaction open on the stream is reported lost rather than silently continued in autocommit.
TEST_F(RemoteStreamTest, AnInterruptedStatementIsAbandonedAndATransactionReportedLost) {
  client::HttpClient http;
  auto stream = OpenStream(http, port());
  constexpr std::string_view kEndless =
      "WITH RECURSIVE c(x) AS (VALUES (1) UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c";
  auto interrupt_soon = [&] {
    return std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      stream->Interrupt();
    });
  };
  auto started = std::chrono::steady_clock::now();
  std::thread interrupter = interrupt_soon();
  auto endless = stream->Execute(Sql(std::string(kEndless)), StreamEnd::kClose);
  interrupter.join();
  ASSERT_FALSE(endless.ok());
  EXPECT_NE(endless.status().message().find("SQLITE_INTERRUPT"), std::string::npos)
      << endless.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  // The same stream object, and the server, go on.
  EXPECT_EQ(std::get<int64_t>(OnlyValue(stream->Execute(Sql("SELECT 42"), StreamEnd::kClose))), 42);

  ASSERT_TRUE(stream->Execute(Sql("BEGIN")).ok());
  interrupter = interrupt_soon();
  auto in_transaction = stream->Execute(Sql(std::string(kEndless)));
  interrupter.join();
  ASSERT_FALSE(in_transaction.ok());
  auto after = stream->Execute(Sql("SELECT 1"));
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.status().message().find("transaction"), std::string::npos)
      << after.status().message();
  EXPECT_TRUE(stream->Close().ok());
  EXPECT_EQ(std::get<int64_t>(OnlyValue(stream->Execute(Sql("SELECT 7"), StreamEnd::kClose))), 7);
}

class RemoteStreamBaseUrlTest : public SharedServerTest<RemoteStreamBaseUrlTest> {
 public:
  static std::vector<std::string> ServerArgs() {
    return {"--http-self-url", "http://127.0.0.1:1/elsewhere"};
  }
};

TEST_F(RemoteStreamBaseUrlTest, AStreamFollowsTheServersBaseUrl) {
  client::HttpClient http;
  auto stream = OpenStream(http, port());
  ASSERT_TRUE(stream->Execute(Sql("SELECT 1")).ok());
  auto followed = stream->Execute(Sql("SELECT 2"));
  ASSERT_FALSE(followed.ok());
  EXPECT_EQ(followed.status().kind(), ErrorKind::kUnavailable);
  EXPECT_TRUE(followed.status().message().starts_with(
      "cannot reach http://127.0.0.1:1/elsewhere/v3-protobuf/pipeline: "))
      << followed.status().message();
  EXPECT_EQ(OnlyValue(stream->Execute(Sql("SELECT 3"), StreamEnd::kClose)), Value(int64_t{3}));
}

// A server that takes JWTs signed by one Ed25519 key. (Not a SharedServerTest: its check after
// each test queries without a token.)
TEST(RemoteStreamAuth, OnlyAValidTokenIsAccepted) {
  const auth::test::KeyPair key = auth::test::GenerateKeyPair();
  const std::filesystem::path key_file = std::filesystem::temp_directory_path() /
                                         ("edgelite-remote-auth-" + std::to_string(::getpid()));
  std::ofstream(key_file) << auth::test::RawKeyText(key.public_key);
  auto server = ServerProcess::Start({"--auth-jwt-key-file", key_file.string()});
  std::filesystem::remove(key_file);
  ASSERT_TRUE(server.ok()) << server.status().message();
  const uint16_t port = (*server)->port();
  const std::string url = BaseUrl(port) + "/v3-protobuf/pipeline";
  client::HttpClient http;

  const std::string valid = auth::test::SignToken(key, R"({"a":"rw"})");
  EXPECT_EQ(OnlyValue(OpenStream(http, port, valid)->Execute(Sql("SELECT 7"), StreamEnd::kClose)),
            Value(int64_t{7}));

  const std::string foreign = auth::test::SignToken(auth::test::GenerateKeyPair(), R"({"a":"rw"})");
  auto wrong = OpenStream(http, port, foreign)->Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().kind(), ErrorKind::kUnauthenticated);
  EXPECT_TRUE(wrong.status().message().starts_with(
      "the server at " + url + " rejected the auth token (HTTP 401: Unauthorized: `"))
      << wrong.status().message();

  auto missing = OpenStream(http, port)->Execute(Sql("SELECT 1"), StreamEnd::kClose);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUnauthenticated);
  EXPECT_TRUE(missing.status().message().starts_with("the server at " + url +
                                                     " requires an auth token (HTTP 401: "))
      << missing.status().message();
  EXPECT_TRUE(missing.status().message().ends_with("; pass one as authToken"))
      << missing.status().message();
  EXPECT_EQ((*server)->Stop(), "exited with status 0");
}

}  // namespace
}  // namespace edgelite::integration
