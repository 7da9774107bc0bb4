// Statement classification decides group commit eligibility: a misclassified BEGIN would run inside
// another request's transaction.
#include "sqlite/sql_text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace edgelite::sqlite {
namespace {

TEST(SqlTextTest, ClassifiesTransactionControlWithCommentsAndCase) {
  EXPECT_EQ(ClassifyStatement("  begin immediate"), StatementKind::kBeginImmediate);
  EXPECT_EQ(ClassifyStatement("BEGIN EXCLUSIVE TRANSACTION"), StatementKind::kBeginImmediate);
  EXPECT_EQ(ClassifyStatement("begin deferred"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement("-- note\n/* x */ BEGIN"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement("BEGIN TRANSACTION READONLY"), StatementKind::kBeginReadOnly);
  EXPECT_EQ(ClassifyStatement("begin readonly"), StatementKind::kBeginReadOnly);
  EXPECT_EQ(ClassifyStatement("END"), StatementKind::kCommit);
  EXPECT_EQ(ClassifyStatement("commit transaction"), StatementKind::kCommit);
  EXPECT_EQ(ClassifyStatement("ROLLBACK"), StatementKind::kRollback);
  EXPECT_EQ(ClassifyStatement("rollback transaction"), StatementKind::kRollback);
  EXPECT_EQ(ClassifyStatement("ROLLBACK TO sp"), StatementKind::kRollbackTo);
  EXPECT_EQ(ClassifyStatement("ROLLBACK TRANSACTION TO SAVEPOINT sp"), StatementKind::kRollbackTo);
  EXPECT_EQ(ClassifyStatement("savepoint a"), StatementKind::kSavepoint);
  EXPECT_EQ(ClassifyStatement("RELEASE a"), StatementKind::kRelease);
  EXPECT_EQ(ClassifyStatement("pragma foreign_keys=off"), StatementKind::kPragma);
  EXPECT_EQ(ClassifyStatement("VACUUM"), StatementKind::kVacuum);
  EXPECT_EQ(ClassifyStatement("replace into t values(1)"), StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("SELECT 1"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("BEGINNING"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement(""), StatementKind::kOther);
}

// Turso's BEGIN CONCURRENT (@tursodatabase/serverless's batch(…, "concurrent")) runs as BEGIN
// IMMEDIATE: classified so, and rewritten word for word so that SQLite parses it and offsets into
// the text stay where they were.
TEST(SqlTextTest, BeginConcurrentIsAnImmediateTransaction) {
  EXPECT_EQ(ClassifyStatement("BEGIN CONCURRENT"), StatementKind::kBeginImmediate);
  EXPECT_EQ(ClassifyStatement(" ;-- c\n begin /* c */ Concurrent\tTRANSACTION;"),
            StatementKind::kBeginImmediate);
  // After TRANSACTION, SQLite reads the word as the transaction's name.
  EXPECT_EQ(ClassifyStatement("BEGIN TRANSACTION CONCURRENT"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement("BEGIN CONCURRENTLY"), StatementKind::kBegin);

  EXPECT_EQ(BeginConcurrentAsImmediate("BEGIN CONCURRENT"), "BEGIN IMMEDIATE ");
  EXPECT_EQ(BeginConcurrentAsImmediate(" ;-- c\n begin /* c */ Concurrent\tTRANSACTION; SELECT 1"),
            " ;-- c\n begin /* c */ IMMEDIATE \tTRANSACTION; SELECT 1");
  for (std::string_view other : {"BEGIN", "BEGIN IMMEDIATE", "BEGIN TRANSACTION CONCURRENT",
                                 "BEGIN CONCURRENTLY", "SELECT 'BEGIN CONCURRENT'", ""}) {
    EXPECT_FALSE(BeginConcurrentAsImmediate(other).has_value()) << other;
  }
}

// A text cut from a sequence may start with empty statements; SQLite's parser skips them.
TEST(SqlTextTest, EmptyStatementsBeforeTheFirstAreSkipped) {
  EXPECT_EQ(ClassifyStatement(";BEGIN"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement(" ; -- c\n ; /* c */ INSERT INTO t VALUES (1)"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement(";;"), StatementKind::kOther);
}

TEST(SqlTextTest, BlankSqlIsOnlySpaceCommentsAndSemicolons) {
  EXPECT_TRUE(IsBlankSql(""));
  EXPECT_TRUE(IsBlankSql(" ; ;\n-- trailing comment"));
  EXPECT_TRUE(IsBlankSql("/* unterminated"));
  EXPECT_FALSE(IsBlankSql("; SELECT 1"));
}

// A WITH clause belongs to the statement after it: `WITH ... INSERT` must count changes as an
// INSERT does (changes(), affected_row_count), and the scan must not stop at a ")" that is not SQL.
TEST(SqlTextTest, WithClauseBelongsToTheStatementAfterIt) {
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("with x as (select 1) replace into t select * from x"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1) UPDATE t SET v = 1"), StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1) DELETE FROM t"), StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1) SELECT * FROM x"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                              "WHERE n < 5) DELETE FROM t WHERE id IN c"),
            StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH a(x, y) AS (SELECT 1, 2), b AS (SELECT (1 + (2)) AS z) "
                              "INSERT INTO t SELECT * FROM a, b"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED "
                              "(SELECT 2) UPDATE t SET v = 2"),
            StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("  -- lead\n WITH /* c */ x /* c */ AS /* c */ (SELECT 1) /* c */ "
                              ", y AS (SELECT 2) -- c\n DELETE FROM t"),
            StatementKind::kDelete);
}

TEST(SqlTextTest, WithClauseSkipsStringsCommentsAndQuotedNamesHoldingParentheses) {
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT ')' AS p) INSERT INTO t VALUES (1)"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT '(' AS p) INSERT INTO t VALUES (1)"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 'it''s )' AS p) DELETE FROM t"),
            StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1 /* ) */ AS p) UPDATE t SET v = 1"),
            StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1 -- )\n AS p) UPDATE t SET v = 1"),
            StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1 AS \"a)\", 2 AS [b)], 3 AS `c)`) "
                              "INSERT INTO t SELECT * FROM x"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 5-1 AS a, 6/2 AS b) DELETE FROM t"),
            StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT '--' AS a, '/*' AS b) DELETE FROM t"),
            StatementKind::kDelete);
}

// Quoted CTE names are legal SQL (ORMs quote every identifier).
TEST(SqlTextTest, WithClauseAcceptsQuotedCteNames) {
  EXPECT_EQ(ClassifyStatement("WITH \"x\" AS (SELECT 1) INSERT INTO t SELECT * FROM \"x\""),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH [x] AS (SELECT 1) DELETE FROM t"), StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH `x` AS (SELECT 1) UPDATE t SET v = 1"), StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("WITH a AS (SELECT 1), \"b c\" AS (SELECT 2) DELETE FROM t"),
            StatementKind::kDelete);
}

TEST(SqlTextTest, IncompleteWithClauseIsOther) {
  EXPECT_EQ(ClassifyStatement("WITH"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT ')"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH x (SELECT 1) INSERT INTO t VALUES (1)"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITHOUT x"), StatementKind::kOther);
}

// Found by fuzz/sql_text_fuzzer.cc, which holds these scans to SQLite's own tokenizer: blanks are
// exactly what SQLite skips. It skips a UTF-8 byte order mark anywhere between tokens (so a BOM
// must not hide the first word: "\xEF\xBB\xBF" "COMMIT" commits), a vertical tab only inside a run
// of white space, and a "/*" that ends the text is a "/", not a comment.
TEST(SqlTextTest, BlanksAreWhatSqlitesTokenizerSkips) {
  EXPECT_TRUE(IsBlankSql("\xEF\xBB\xBF"));
  EXPECT_TRUE(IsBlankSql("; \xEF\xBB\xBF\xEF\xBB\xBF ;"));
  EXPECT_EQ(SkipBlanks("\xEF\xBB\xBF -- c\n SELECT 1"), "SELECT 1");
  EXPECT_FALSE(IsBlankSql("\v"));
  EXPECT_FALSE(IsBlankSql("/**/\v"));
  EXPECT_FALSE(IsBlankSql("\xEF\xBB\xBF\v"));
  EXPECT_TRUE(IsBlankSql(" \v\v"));
  EXPECT_TRUE(IsBlankSql("-- c\n\v"));
  EXPECT_FALSE(IsBlankSql("/*"));
  EXPECT_FALSE(IsBlankSql("; /*"));
  EXPECT_TRUE(IsBlankSql("/**/"));
  EXPECT_TRUE(IsBlankSql("/*/"));
}

TEST(SqlTextTest, AByteOrderMarkDoesNotHideTheFirstWord) {
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(ClassifyStatement(bom + "BEGIN"), StatementKind::kBegin);
  EXPECT_EQ(ClassifyStatement(bom + bom + "COMMIT"), StatementKind::kCommit);
  EXPECT_EQ(ClassifyStatement("; " + bom + "ROLLBACK"), StatementKind::kRollback);
  EXPECT_EQ(ClassifyStatement("BEGIN " + bom + " IMMEDIATE"), StatementKind::kBeginImmediate);
  // Inside a word the bytes are identifier characters, as in SQLite: no keyword.
  EXPECT_EQ(ClassifyStatement("BEGIN" + bom), StatementKind::kOther);
}

// Names are read as SQLite reads identifiers: quotes doubled inside a quoted name, "$" and
// non-ASCII characters in a bare one.
TEST(SqlTextTest, WithClauseReadsNamesAsSqliteDoes) {
  EXPECT_EQ(ClassifyStatement("WITH \"a\"\"b\" AS (SELECT 1) DELETE FROM t"),
            StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH `a``b` AS (SELECT 1) DELETE FROM t"), StatementKind::kDelete);
  EXPECT_EQ(ClassifyStatement("WITH a$b AS (SELECT 1) INSERT INTO t VALUES (1)"),
            StatementKind::kInsert);
  EXPECT_EQ(ClassifyStatement("WITH \xC3\xA9t\xC3\xA9 AS (SELECT 1) UPDATE t SET v = 1"),
            StatementKind::kUpdate);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT \"a\"\")\" FROM y) DELETE FROM t"),
            StatementKind::kDelete);
}

// The fuzzers' nastiest seeds.
TEST(SqlTextTest, HostileTextIsScannedToItsEnd) {
  using namespace std::string_view_literals;
  EXPECT_EQ(ClassifyStatement("\0BEGIN"sv), StatementKind::kOther);
  EXPECT_FALSE(IsBlankSql(";\0"sv));
  EXPECT_EQ(SkipBlanks(" \0 "sv), "\0 "sv);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 'never closed"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH \"never closed"), StatementKind::kOther);
  EXPECT_EQ(ClassifyStatement("WITH x AS (SELECT 1 /* never closed"), StatementKind::kOther);
  std::string semicolons(100000, ';');
  EXPECT_TRUE(IsBlankSql(semicolons));
  EXPECT_EQ(ClassifyStatement(semicolons + "BEGIN"), StatementKind::kBegin);
  std::string parentheses = "WITH x AS " + std::string(100000, '(');
  EXPECT_EQ(ClassifyStatement(parentheses), StatementKind::kOther);
}

}  // namespace
}  // namespace edgelite::sqlite
