// SQL text that SQLite's tokenizer or the server's own scanners could trip on — a NUL byte, an
// unterminated comment or string, a byte-order mark, a hundred thousand semicolons — must be
// answered promptly on every route and leave the server serving SQL. A NUL in a `sequence` used to
// be split forever (SQLite stops reading at a NUL), spinning a core and hanging all later SQL.
#include <string>

#include "integration/hostile_sql.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

// One I/O thread: a request that spins its thread would stall every later request.
class OddSqlTextTest : public SharedServerTest<OddSqlTextTest> {
 public:
  static std::vector<std::string> ServerArgs() { return {"--io-threads", "1"}; }
};

constexpr auto kPromptly = std::chrono::seconds(5);

std::string Pipeline(const std::string& request) {
  return R"({"requests":[)" + request + R"(,{"type":"close"}]})";
}

// The answer to `body` on `target`, which must come promptly.
boost::json::value Answer(uint16_t port, const std::string& target, const std::string& body) {
  auto response = SendRequest(port, "POST", target, body, kPromptly);
  EXPECT_TRUE(response.ok()) << target << " " << body.substr(0, 80) << ": no answer in time";
  if (!response.ok()) return nullptr;
  return ParseJson(response->body);
}

void ExpectSqlStillServed(uint16_t port) {
  boost::json::value answer = Answer(
      port, "/v2/pipeline", Pipeline(R"({"type":"execute","stmt":{"sql":"SELECT 41 + 1"}})"));
  EXPECT_EQ(TextAt(answer, "/results/0/response/result/rows/0/0/value"), "42");
}

TEST_F(OddSqlTextTest, ANulByteIsAParseErrorOnEveryRequestKind) {
  const std::string& sql = kSqlWithNulJson;
  const std::string requests[] = {
      R"({"type":"sequence","sql":)" + sql + "}",
      R"({"type":"execute","stmt":{"sql":)" + sql + "}}",
      R"({"type":"batch","batch":{"steps":[{"stmt":{"sql":)" + sql + "}}]}}",
      R"({"type":"describe","sql":)" + sql + "}",
  };
  for (const std::string& request : requests) {
    SCOPED_TRACE(request);
    boost::json::value answer = Answer(port(), "/v3/pipeline", Pipeline(request));
    std::string code = TextAt(answer, "/results/0/type") == "error"
                           ? TextAt(answer, "/results/0/error/code")
                           : TextAt(answer, "/results/0/response/result/step_errors/0/code");
    EXPECT_EQ(code, "SQL_PARSE_ERROR") << boost::json::serialize(answer);
  }
  boost::json::value v1 = Answer(port(), "/v1/execute", R"({"stmt":{"sql":)" + sql + "}}");
  EXPECT_EQ(TextAt(v1, "/code"), "SQL_PARSE_ERROR");
  ExpectSqlStillServed(port());
}

TEST_F(OddSqlTextTest, UnterminatedAndOddTextIsAnsweredPromptly) {
  for (const std::string& sql : OddSqlJsonTexts()) {
    SCOPED_TRACE(sql.substr(0, 60));
    for (const char* kind : {"sequence", "execute"}) {
      std::string request =
          std::string(kind) == "sequence"
              ? R"({"type":"sequence","sql":)" + sql + "}"
              : R"({"type":"execute","stmt":{"sql":)" + sql + "}}";
      boost::json::value answer = Answer(port(), "/v3/pipeline", Pipeline(request));
      std::string type = TextAt(answer, "/results/0/type");
      EXPECT_TRUE(type == "ok" || type == "error") << boost::json::serialize(answer);
    }
  }
  ExpectSqlStillServed(port());
}

}  // namespace
}  // namespace edgelite::integration
