// SQL that hostile or careless clients send, shared by the tests that check the server survives it:
// queries that never end on their own, and text that tokenizers and scanners trip on.
#pragma once

#include <string>
#include <vector>

namespace edgelite::integration {

// Counts for ever: it ends only when the server interrupts it.
inline const std::string kRunawayRead =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

// About a second and a half of SQLite work on an idle machine, answering 8000000: long enough to
// watch the server serve others while it runs, short enough for the suite's time budget.
inline const std::string kSlowRead =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 8000000) "
    "SELECT count(*) FROM c";

// The same count inside an INSERT into `table`: it holds the write lock while it runs, and would
// insert nothing if it ever ended.
inline std::string RunawayWrite(const std::string& table) {
  return "INSERT INTO " + table +
         " SELECT x FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
         "SELECT x FROM c) WHERE x < 0";
}

// SQL with a NUL byte in the middle, as a JSON string literal (SQLite stops reading at a NUL).
inline const std::string kSqlWithNulJson = R"("SELECT 1;\u0000 SELECT 2")";

// SQL text that is unterminated or odd, each a JSON string literal: a comment or string never
// closed, a byte-order mark, brackets inside strings, a hundred thousand semicolons.
inline std::vector<std::string> OddSqlJsonTexts() {
  return {
      R"("SELECT 1; /* never closed")",
      R"("SELECT 'never closed")",
      R"("SELECT 1 -- a comment without a newline")",
      R"("\ufeffSELECT 1")",
      R"("WITH x AS (SELECT ')' AS p) SELECT p FROM x")",
      R"("WITH x AS (SELECT 1")",
      "\"SELECT 1" + std::string(100'000, ';') + "\"",
      "\"" + std::string(100'000, ';') + "\"",
  };
}

}  // namespace edgelite::integration
