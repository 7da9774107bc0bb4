// A client that opens a write transaction and goes quiet must not stop every other writer: once it
// has held the write lock idle past the transaction timeout (5 s, sqld's txn_timeout) while others
// wait, its transaction is rolled back, the waiting writes go through, and the idle client's next
// statements get TRANSACTION_TIMEOUT until it ends its transaction — never running on their own
// outside the transaction the client believes it is in.
#include <chrono>
#include <string>
#include <thread>

#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;

class IdleTransactionTest : public SharedServerTest<IdleTransactionTest> {
 public:
  static std::vector<std::string> ServerArgs() { return {"--io-threads", "1"}; }
};

std::string Execute(const std::string& sql) {
  return R"({"type":"execute","stmt":{"sql":")" + sql + R"("}})";
}

// Posts `requests` on the stream `baton` names (a new stream without one).
boost::json::value Pipeline(uint16_t port, const std::string& requests,
                            const std::string& baton = "") {
  std::string body = R"({"requests":[)" + requests + "]";
  if (!baton.empty()) body += R"(,"baton":")" + baton + "\"";
  body += "}";
  HttpResponse response = Post(port, "/v3/pipeline", body);
  EXPECT_EQ(response.status, 200) << response.body;
  return ParseJson(response.body);
}

std::string ErrorCode(const boost::json::value& answer, int index) {
  std::string at = "/results/" + std::to_string(index);
  if (TextAt(answer, at + "/type") != "error") return "";
  return TextAt(answer, at + "/error/code");
}

void ExpectRolledBackWhenIdle(uint16_t port, const std::string& begin, const std::string& row) {
  Pipeline(port, Execute("CREATE TABLE IF NOT EXISTS t(x TEXT)") + R"(,{"type":"close"})");
  boost::json::value holder =
      Pipeline(port, Execute(begin) + "," + Execute("INSERT INTO t VALUES ('" + row + "')"));
  ASSERT_EQ(ErrorCode(holder, 1), "") << boost::json::serialize(holder);
  std::string baton = TextAt(holder, "/baton");

  // Another client's write waits for the idle holder, then goes through.
  auto started = Clock::now();
  boost::json::value other =
      Pipeline(port, Execute("INSERT INTO t VALUES ('other-" + row + "')") + R"(,{"type":"close"})");
  auto waited = Clock::now() - started;
  EXPECT_EQ(ErrorCode(other, 0), "") << boost::json::serialize(other);
  EXPECT_LT(waited, std::chrono::seconds(9)) << "the idle transaction was not rolled back in time";

  // The holder's later statements fail until it ends the transaction; its row never landed.
  boost::json::value late = Pipeline(
      port, Execute("INSERT INTO t VALUES ('late-" + row + "')") + "," + Execute("COMMIT"), baton);
  EXPECT_EQ(ErrorCode(late, 0), "TRANSACTION_TIMEOUT") << boost::json::serialize(late);
  EXPECT_EQ(ErrorCode(late, 1), "TRANSACTION_TIMEOUT") << boost::json::serialize(late);
  boost::json::value after =
      Pipeline(port, Execute("SELECT group_concat(x) FROM t WHERE x LIKE '%" + row + "'") +
                         R"(,{"type":"close"})",
               TextAt(late, "/baton"));
  EXPECT_EQ(TextAt(after, "/results/0/response/result/rows/0/0/value"), "other-" + row)
      << "the timed-out transaction's rows, or a statement sent after it, landed";
}

TEST_F(IdleTransactionTest, AnIdleImmediateTransactionIsRolledBackForWaitingWriters) {
  ExpectRolledBackWhenIdle(port(), "BEGIN IMMEDIATE", "immediate");
}

TEST_F(IdleTransactionTest, AnIdleDeferredTransactionThatWroteIsRolledBackForWaitingWriters) {
  ExpectRolledBackWhenIdle(port(), "BEGIN", "deferred");
}

TEST_F(IdleTransactionTest, AnIdleTransactionNobodyWaitsForKeepsItsLock) {
  Pipeline(port(), Execute("CREATE TABLE IF NOT EXISTS t(x TEXT)") + R"(,{"type":"close"})");
  boost::json::value holder =
      Pipeline(port(), Execute("BEGIN IMMEDIATE") + "," + Execute("INSERT INTO t VALUES ('kept')"));
  std::string baton = TextAt(holder, "/baton");
  // Idle past the timeout (the time itself is what is tested), but nobody wanted the lock: the
  // transaction is intact. The stream's own idle expiry is 10 s.
  std::this_thread::sleep_for(std::chrono::milliseconds(6500));
  boost::json::value commit = Pipeline(port(), Execute("COMMIT") + R"(,{"type":"close"})", baton);
  EXPECT_EQ(ErrorCode(commit, 0), "") << boost::json::serialize(commit);
}

}  // namespace
}  // namespace edgelite::integration
