// The SQLite that edgelite compiles (third_party/sqlite, README "SQLite"): the pinned release, the
// SQL users write for a current SQLite, libSQL's defaults, and what edgelite itself relies on. Each
// check names the compile option or release it proves.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

namespace {

class SqliteBuildTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close(db_); }

  // The first column of the first row as text ("NULL" for NULL), or "error: ..." on failure.
  std::string Scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      return std::string("error: ") + sqlite3_errmsg(db_);
    }
    std::string out = "no row";
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "NULL";
    } else if (rc != SQLITE_DONE) {
      out = std::string("error: ") + sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return out;
  }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
  }

  sqlite3* db_ = nullptr;
};

TEST_F(SqliteBuildTest, IsThePinnedRelease) {
  EXPECT_EQ(Scalar("SELECT sqlite_version()"), "3.53.2");
  EXPECT_STREQ(sqlite3_libversion(), SQLITE_VERSION);  // the header and the library agree
}

TEST_F(SqliteBuildTest, HasTheSqlOfACurrentRelease) {
  EXPECT_EQ(Scalar(R"(SELECT json(jsonb('{"a":1}')))"), R"({"a":1})");
  EXPECT_EQ(Scalar(R"(SELECT jsonb_extract(jsonb('{"a":[1,2]}'), '$.a[1]'))"), "2");
  EXPECT_EQ(Scalar("SELECT concat('a', NULL, 'b', 1)"), "ab1");
  EXPECT_EQ(Scalar("SELECT concat_ws('-', 'a', NULL, 'b')"), "a-b");
  EXPECT_EQ(Scalar("SELECT string_agg(x, ',' ORDER BY x DESC) "
                   "FROM (SELECT 'a' AS x UNION ALL SELECT 'c' UNION ALL SELECT 'b')"),
            "c,b,a");
  EXPECT_EQ(Scalar("SELECT group_concat(column1 ORDER BY column1) FROM (VALUES (3),(1),(2))"),
            "1,2,3");
  EXPECT_EQ(Scalar("SELECT hex(unhex('48656c6c6f'))"), "48656C6C6F");
  EXPECT_EQ(Scalar("SELECT octet_length('é')"), "2");
  EXPECT_EQ(Scalar("SELECT timediff('2026-12-07', '2026-12-06')"), "+0000-00-01 00:00:00.000");
  EXPECT_EQ(Scalar("SELECT length(datetime('2026-12-07 10:00:00.123', 'subsec'))"), "23");
  EXPECT_EQ(Scalar("SELECT median(column1) FROM (VALUES (1),(2),(10))"), "2.0");  // PERCENTILE
}

TEST_F(SqliteBuildTest, HasTheExtensionsLibSqlUsersUse) {
  Exec("CREATE VIRTUAL TABLE docs USING fts5(body);"
       "INSERT INTO docs VALUES ('the quick brown fox'), ('a lazy dog'), ('quick quick fox')");
  EXPECT_EQ(Scalar("SELECT body FROM docs WHERE docs MATCH 'quick' ORDER BY bm25(docs) LIMIT 1"),
            "quick quick fox");
  Exec("CREATE VIRTUAL TABLE old_docs USING fts4(body); INSERT INTO old_docs VALUES ('x (y)')");
  EXPECT_EQ(Scalar("SELECT count(*) FROM old_docs WHERE old_docs MATCH '(x OR z) AND y'"), "1");
  Exec("CREATE VIRTUAL TABLE boxes USING rtree(id, min_x, max_x, min_y, max_y);"
       "INSERT INTO boxes VALUES (1, 0, 10, 0, 10), (2, 20, 30, 20, 30)");
  EXPECT_EQ(Scalar("SELECT id FROM boxes WHERE min_x <= 5 AND max_x >= 5"), "1");
  EXPECT_EQ(Scalar("SELECT geopoly_area(geopoly_json('[[0,0],[2,0],[2,2],[0,2],[0,0]]'))"), "4.0");
  EXPECT_EQ(Scalar("SELECT soundex('Robert')"), "R163");
  EXPECT_EQ(Scalar("SELECT pow(2, 10)"), "1024.0");
  EXPECT_NE(Scalar("SELECT count(*) FROM dbstat"), "no row");
  EXPECT_EQ(Scalar("SELECT length(data) FROM sqlite_dbpage WHERE pgno = 1"), "4096");
  Exec("ANALYZE");
  EXPECT_EQ(Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat4'"), "1");
}

TEST_F(SqliteBuildTest, BehavesAsLibSqlByDefault) {
  EXPECT_EQ(Scalar("PRAGMA foreign_keys"), "1");
  EXPECT_EQ(Scalar("PRAGMA recursive_triggers"), "0");
  Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)");
  Exec("DELETE FROM t ORDER BY x LIMIT 1");  // the parser was generated with UPDATE_DELETE_LIMIT
  EXPECT_EQ(Scalar("SELECT min(x) FROM t"), "2");
}

TEST_F(SqliteBuildTest, KeepsWhatEdgeliteReliesOn) {
  // Named parameters with every prefix, `$name` included (libSQL clients send them).
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db_, "SELECT :a + @b + $c", -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_bind_parameter_index(stmt, "$c"), 3);
  sqlite3_finalize(stmt);

  // The progress handler interrupts runaway statements.
  int calls = 0;
  sqlite3_progress_handler(
      db_, 1000, [](void* count) { return ++*static_cast<int*>(count) > 3 ? 1 : 0; }, &calls);
  EXPECT_EQ(Scalar("WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) "
                   "SELECT count(*) FROM r"),
            "error: interrupted");
  sqlite3_progress_handler(db_, 0, nullptr, nullptr);

  EXPECT_EQ(sqlite3_compileoption_used("ENABLE_SNAPSHOT"), 1);
  EXPECT_EQ(sqlite3_compileoption_used("ENABLE_PREUPDATE_HOOK"), 1);
  EXPECT_EQ(sqlite3_compileoption_used("ENABLE_SESSION"), 1);
  EXPECT_EQ(sqlite3_compileoption_used("DEFAULT_MEMSTATUS=0"), 1);
  EXPECT_EQ(sqlite3_compileoption_used("USE_URI"), 1);
}

}  // namespace
