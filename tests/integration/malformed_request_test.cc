// Bad request bodies against the real server: malformed JSON, wrong JSON types, unknown request
// types, missing fields and invalid UTF-8, on every Hrana route (/v2/pipeline, /v3/pipeline,
// /v3/cursor, /v1/execute, /v1/batch) and the legacy POST /. Each must get a 400 whose body says
// what was wrong (text/plain on Hrana routes, {"error": ...} on the legacy route), be logged once
// on one line, and leave the server serving. Results holding bytes that are not UTF-8 must still
// come back as valid JSON.
#include <algorithm>
#include <string>
#include <vector>

#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

class MalformedRequestTest : public SharedServerTest<MalformedRequestTest> {};

constexpr const char* kRoutes[] = {"/v2/pipeline", "/v3/pipeline", "/v3/cursor",
                                   "/v1/execute",  "/v1/batch",    "/"};

struct BadBody {
  std::string target;
  std::string body;
  std::string expected;  // a part of the error message
};

// The error message of a rejected request, after checking that the rejection has the right form.
std::string RejectionMessage(const HttpResponse& response, const std::string& target) {
  EXPECT_EQ(response.status, 400) << response.body;
  if (target == "/") {
    EXPECT_EQ(response.Header("content-type"), "application/json");
    return TextAt(ParseJson(response.body), "/error");
  }
  EXPECT_EQ(response.Header("content-type"), "text/plain; charset=utf-8");
  return response.body;
}

void ExpectRejected(uint16_t port, const BadBody& bad) {
  SCOPED_TRACE("POST " + bad.target + " " + bad.body.substr(0, 120));
  HttpResponse response = Post(port, bad.target, bad.body);
  std::string message = RejectionMessage(response, bad.target);
  EXPECT_NE(message.find(bad.expected), std::string::npos)
      << "message: " << message << "\nexpected it to contain: " << bad.expected;
  // One clear line of plain text: no echoed raw bytes, no line breaks.
  EXPECT_TRUE(std::all_of(message.begin(), message.end(), [](char c) {
    return c >= 0x20 && static_cast<unsigned char>(c) < 0x80;
  })) << message;
}

// The smallest valid body for each route, with `sql` as its statement.
std::string BodyFor(const std::string& target, const std::string& sql_json) {
  std::string stmt = R"({"sql":)" + sql_json + "}";
  if (target == "/v2/pipeline" || target == "/v3/pipeline") {
    return R"({"requests":[{"type":"execute","stmt":)" + stmt + R"(},{"type":"close"}]})";
  }
  if (target == "/v3/cursor") return R"({"batch":{"steps":[{"stmt":)" + stmt + "}]}}";
  if (target == "/v1/execute") return R"({"stmt":)" + stmt + "}";
  if (target == "/v1/batch") return R"({"batch":{"steps":[{"stmt":)" + stmt + "}]}}";
  return R"({"statements":[)" + sql_json + "]}";
}

// A pipeline executing "SELECT ?" with `arg` (a JSON Hrana value) as its argument.
std::string PipelineWithArg(const std::string& arg) {
  return R"({"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":[)" + arg + "]}}]}";
}

TEST_F(MalformedRequestTest, MalformedJsonIsRejectedOnEveryRoute) {
  for (std::string target : kRoutes) {
    ExpectRejected(port(), {target, "", "request body is empty"});
    ExpectRejected(port(), {target, "not json at all", "invalid JSON in request body at byte 0"});
    ExpectRejected(port(), {target, R"({"requests":[{"type":"close"})", "incomplete JSON"});
    ExpectRejected(port(), {target, R"({"a":1,})", "invalid JSON in request body at byte 7"});
    ExpectRejected(port(), {target, "{} {}", "unexpected data after the JSON value"});
    ExpectRejected(port(), {target, "[]", "expected a JSON object, got an array"});
    ExpectRejected(port(), {target, "null", "expected a JSON object, got null"});
    // Deep nesting is refused before anything recursive can run out of stack.
    ExpectRejected(port(), {target, std::string(100'000, '['), "nested more than"});
    ExpectRejected(port(), {target, R"({"x":1e999})", "too large for a 64-bit float"});
  }
}

TEST_F(MalformedRequestTest, WrongJsonTypesNameTheField) {
  const std::vector<BadBody> cases = {
      {"/v2/pipeline", R"({"requests":"SELECT 1"})",
       R"(at requests: expected an array, got the string "SELECT 1")"},
      {"/v2/pipeline", R"({"baton":7,"requests":[]})",
       "at baton: expected a string, got the number 7"},
      {"/v3/pipeline", R"({"requests":[{"type":"execute","stmt":{"sql":42}}]})",
       "at requests[0].stmt.sql: expected a string, got the number 42"},
      {"/v3/pipeline", PipelineWithArg(R"({"type":"integer","value":1})"),
       "at requests[0].stmt.args[0].value: expected a decimal string"},
      {"/v2/pipeline",
       R"({"requests":[{"type":"execute","stmt":{"sql":"SELECT 1","want_rows":"yes"}}]})",
       "at requests[0].stmt.want_rows: expected true or false"},
      {"/v2/pipeline", PipelineWithArg(R"({"type":"blob","base64":"!!"})"),
       "expected standard base64"},
      {"/v3/cursor", R"({"batch":{"steps":{}}})",
       "at batch.steps: expected an array, got an object"},
      {"/v3/cursor",
       R"({"batch":{"steps":[{"stmt":{"sql":"SELECT 1"},"condition":{"type":"ok","step":-1}}]}})",
       "at batch.steps[0].condition.step: expected an integer from 0"},
      {"/v1/execute", R"({"stmt":"SELECT 1"})", "at stmt: expected a JSON object, got the string"},
      {"/v1/batch", R"({"batch":[]})", "at batch: expected a JSON object, got an array"},
      {"/", R"({"statements":"SELECT 1"})", "at statements: expected an array"},
      {"/", R"({"statements":[{"q":"SELECT ?","params":"x"}]})",
       "at statements[0].params: expected an array or an object"},
      {"/", R"({"statements":[{"q":"SELECT 1","extra":1}]})", "unknown field"},
  };
  for (const BadBody& bad : cases) ExpectRejected(port(), bad);
}

TEST_F(MalformedRequestTest, UnknownTypesAreNamed) {
  const std::vector<BadBody> cases = {
      {"/v2/pipeline", R"({"requests":[{"type":"open_sesame"}]})",
       R"(at requests[0].type: unknown request type "open_sesame")"},
      {"/v3/pipeline", R"({"requests":[{"type":"execute","stmt":{"sql":"SELECT 1"}},{"type":7}]})",
       "at requests[1].type: expected a string, got the number 7"},
      // A condition Hrana 1 does not have (hrana/protocol_version.h).
      {"/v1/batch",
       R"({"batch":{"steps":[{"condition":{"type":"is_autocommit"},"stmt":{"sql":"SELECT 1"}}]}})",
       "needs Hrana 2"},
      {"/v3/pipeline", PipelineWithArg(R"({"type":"bool","value":true})"),
       R"(unknown value type "bool")"},
      {"/v3/cursor",
       R"({"batch":{"steps":[{"stmt":{"sql":"SELECT 1"},"condition":{"type":"maybe"}}]}})",
       R"(unknown condition type "maybe")"},
      {"/v1/execute", R"({"stmt":{"sql":"SELECT ?","args":[{"type":"date","value":"2024"}]}})",
       R"(unknown value type "date")"},
  };
  for (const BadBody& bad : cases) ExpectRejected(port(), bad);
}

TEST_F(MalformedRequestTest, MissingFieldsAreNamed) {
  const std::vector<BadBody> cases = {
      {"/v2/pipeline", "{}", R"(missing required field "requests")"},
      {"/v3/pipeline", R"({"requests":[{}]})", R"(at requests[0]: missing required field "type")"},
      {"/v3/pipeline", R"({"requests":[{"type":"execute"}]})", R"(missing required field "stmt")"},
      {"/v2/pipeline", R"({"requests":[{"type":"execute","stmt":{}}]})",
       R"(missing required field "sql")"},
      {"/v3/cursor", "{}", R"(missing required field "batch")"},
      {"/v1/execute", "{}", R"(missing required field "stmt")"},
      {"/v1/batch", R"({"batch":{}})", R"(missing required field "steps")"},
      {"/", "{}", R"(missing required field "statements")"},
      {"/", R"({"statements":[{"params":[]}]})", R"(missing required field "q")"},
  };
  for (const BadBody& bad : cases) ExpectRejected(port(), bad);
}

TEST_F(MalformedRequestTest, InvalidUtf8IsRejectedOnEveryRoute) {
  // Raw bytes that are not UTF-8 inside a JSON string: a lone 0xFF, a truncated sequence, an
  // overlong '/', an encoded surrogate and a code point above U+10FFFF.
  for (std::string bad : {"\xFF", "\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    for (std::string target : kRoutes) {
      ExpectRejected(port(),
                     {target, BodyFor(target, "\"SELECT '" + bad + "'\""), "invalid UTF-8"});
    }
  }
  ExpectRejected(port(), {"/v2/pipeline", "{\"requ\xFF\xFEsts\":[]}", "invalid UTF-8 (byte 0xFF)"});
  // An escaped lone surrogate cannot become UTF-8 either.
  ExpectRejected(port(), {"/v3/pipeline", BodyFor("/v3/pipeline", R"("SELECT '\ud800'")"),
                          "invalid JSON in request body"});
}

TEST_F(MalformedRequestTest, TextThatIsNotUtf8ComesBackAsValidJson) {
  // SQLite hands back whatever bytes a TEXT value holds; the response must still be JSON that a
  // strict parser accepts, with each bad sequence replaced by U+FFFD and blobs untouched.
  const std::string sql =
      R"("SELECT CAST(x'ff' AS TEXT) AS t, CAST(x'61c3' AS TEXT) AS u, x'ff' AS b")";
  const std::string kReplacement = "\xEF\xBF\xBD";

  boost::json::value pipeline =
      ParseJson(Post(port(), "/v2/pipeline", BodyFor("/v2/pipeline", sql)).body);
  EXPECT_EQ(TextAt(pipeline, "/results/0/response/result/rows/0/0/value"), kReplacement);
  EXPECT_EQ(TextAt(pipeline, "/results/0/response/result/rows/0/1/value"), "a" + kReplacement);
  EXPECT_EQ(TextAt(pipeline, "/results/0/response/result/rows/0/2/base64"), "/w");

  boost::json::value v1 = ParseJson(Post(port(), "/v1/execute", BodyFor("/v1/execute", sql)).body);
  EXPECT_EQ(TextAt(v1, "/result/rows/0/0/value"), kReplacement);

  boost::json::value legacy = ParseJson(Post(port(), "/", BodyFor("/", sql)).body);
  EXPECT_EQ(TextAt(legacy, "/0/results/rows/0/0"), kReplacement);

  HttpResponse cursor = Post(port(), "/v3/cursor", BodyFor("/v3/cursor", sql));
  ASSERT_EQ(cursor.status, 200) << cursor.body;
  bool saw_row = false;
  for (size_t at = 0; at < cursor.body.size();) {
    size_t end = cursor.body.find('\n', at);
    boost::json::value entry = ParseJson(cursor.body.substr(at, end - at));
    if (TextAt(entry, "/type") == "row") {
      saw_row = true;
      EXPECT_EQ(TextAt(entry, "/row/0/value"), kReplacement);
    }
    at = end == std::string::npos ? cursor.body.size() : end + 1;
  }
  EXPECT_TRUE(saw_row) << cursor.body;

  // An error message that quotes such bytes back (SQLite's JSON path error) is repaired too.
  const std::string failing = R"sql("SELECT json_extract('{}', CAST(x'24ff' AS TEXT))")sql";
  boost::json::value error =
      ParseJson(Post(port(), "/v2/pipeline", BodyFor("/v2/pipeline", failing)).body);
  EXPECT_EQ(TextAt(error, "/results/0/type"), "error");
  EXPECT_NE(TextAt(error, "/results/0/error/message").find(kReplacement), std::string::npos);
  HttpResponse v1_error = Post(port(), "/v1/execute", BodyFor("/v1/execute", failing));
  EXPECT_NE(TextAt(ParseJson(v1_error.body), "/message").find(kReplacement), std::string::npos);
}

TEST_F(MalformedRequestTest, RejectedRequestIsLoggedOnce) {
  size_t offset = server().ReadLog().size();
  HttpResponse response = Post(port(), "/v2/pipeline", R"({"requests":[{"type":"close"})");
  ASSERT_EQ(response.status, 400);
  // Anything logged late (on connection close, say) would land before this check answers.
  ExpectServerServes(server());
  std::vector<std::string> lines = LogLinesSince(server(), offset);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_NE(lines[0].find("POST /v2/pipeline -> 400"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(response.body), std::string::npos) << lines[0];
}

TEST_F(MalformedRequestTest, EchoedInputCannotForgeLogLines) {
  // The unknown type is echoed in the 400 body and in the log line: a newline or a terminal
  // escape in it must arrive escaped, not split the line or recolour the operator's terminal.
  size_t offset = server().ReadLog().size();
  HttpResponse response =
      Post(port(), "/v3/pipeline", R"({"requests":[{"type":"x\n[error] forged\u001b[2J"}]})");
  ASSERT_EQ(response.status, 400);
  EXPECT_NE(response.body.find(R"("x\n[error] forged\u001b[2J")"), std::string::npos)
      << response.body;
  ExpectServerServes(server());
  std::vector<std::string> lines = LogLinesSince(server(), offset);
  ASSERT_EQ(lines.size(), 1u) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0].find('\x1b'), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace edgelite::integration
