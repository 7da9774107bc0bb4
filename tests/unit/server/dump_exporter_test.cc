// The dump's text: sqld's format line by line (its own snapshot tests, and what sqld 0.24.32
// writes for each kind of value and schema object), the places where edgelite writes what loads
// back unchanged instead, and that a dump loaded into an empty database gives the same content.
#include "server/dump_exporter.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "unit/temp_directory.h"

namespace edgelite::server {
namespace {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, CloseDatabase>;

DatabaseHandle Open(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  return DatabaseHandle(db);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "") << "\nin: " << sql;
  sqlite3_free(error);
}

// Every row of `sql` as text, with each value's type (quote() spells out blobs and text).
std::vector<std::string> Rows(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db) << "\nin: " << sql;
  std::vector<std::string> rows;
  while (statement && sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int i = 0; i < sqlite3_column_count(statement); ++i) {
      if (i > 0) row += "|";
      switch (sqlite3_column_type(statement, i)) {
        case SQLITE_FLOAT: {
          double value = sqlite3_column_double(statement, i);
          // The exact bits: a real must come back as the same double.
          uint64_t bits;
          std::memcpy(&bits, &value, sizeof bits);
          row += "real:" + std::to_string(bits);
          break;
        }
        case SQLITE_NULL:
          row += "null";
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, i));
          row += std::to_string(sqlite3_column_type(statement, i)) + ":" +
                 std::string(text, size_t(sqlite3_column_bytes(statement, i)));
        }
      }
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(statement);
  return rows;
}

class DumpExporterTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = Open((directory_ / "source.db").string()); }

  std::string Dump(bool preserve_row_ids = false) {
    std::string text;
    Status status =
        ExportDump(db_.get(), DumpOptions{preserve_row_ids}, [&](std::string_view piece) {
          EXPECT_LE(piece.size(), kDumpPieceBytes);
          text.append(piece);
          return true;
        });
    EXPECT_TRUE(status.ok()) << status.message();
    return text;
  }

  // `dump` loaded into a new database file, reopened (as the sqlite3 shell would, in a new
  // process) so that virtual tables written into sqlite_schema are read from there.
  DatabaseHandle Load(const std::string& dump) {
    std::string path = (directory_ / ("loaded" + std::to_string(loads_++) + ".db")).string();
    {
      DatabaseHandle loaded = Open(path);
      Exec(loaded.get(), dump);
    }
    return Open(path);
  }

  static std::string Lines(std::initializer_list<std::string_view> lines) {
    std::string text;
    for (std::string_view line : lines) text.append(line).append("\n");
    return text;
  }

  test::TempDirectory directory_;
  DatabaseHandle db_;
  int loads_ = 0;
};

// sqld's snapshot tests (libsql-server/src/connection/dump/snapshots).
TEST_F(DumpExporterTest, KeywordColumnAsSqldWritesIt) {
  Exec(db_.get(), R"(create table test ("limit"))");
  EXPECT_EQ(Dump(), Lines({"PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;",
                           R"(CREATE TABLE IF NOT EXISTS test ("limit");)", "COMMIT;"}));
}

TEST_F(DumpExporterTest, PreservedRowIdsAsSqldWritesThem) {
  Exec(db_.get(), "create table test ( id TEXT PRIMARY KEY )");
  Exec(db_.get(), "insert into test values ( 'a' ), ( 'b' ), ( 'c' )");
  Exec(db_.get(), "delete from test where id = 'a'");
  EXPECT_EQ(Dump(/*preserve_row_ids=*/true),
            Lines({"PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;",
                   "CREATE TABLE IF NOT EXISTS test ( id TEXT PRIMARY KEY );",
                   "INSERT INTO test(rowid,id) VALUES(2,'b');",
                   "INSERT INTO test(rowid,id) VALUES(3,'c');", "COMMIT;"}));
  EXPECT_EQ(Dump(/*preserve_row_ids=*/false),
            Lines({"PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;",
                   "CREATE TABLE IF NOT EXISTS test ( id TEXT PRIMARY KEY );",
                   "INSERT INTO test VALUES('b');", "INSERT INTO test VALUES('c');", "COMMIT;"}));
}

// One INSERT line per value, as `INSERT INTO v VALUES(<value>);`.
class DumpValueTest : public DumpExporterTest {
 protected:
  std::string ValueText(const std::string& expression) {
    Exec(db_.get(), "DROP TABLE IF EXISTS v; CREATE TABLE v(x)");
    Exec(db_.get(), "INSERT INTO v VALUES(" + expression + ")");
    std::string dump = Dump();
    std::string prefix = "INSERT INTO v VALUES(";
    size_t start = dump.find(prefix);
    if (start == std::string::npos) return "<no insert in: " + dump + ">";
    start += prefix.size();
    return dump.substr(start, dump.find(");\nCOMMIT;", start) - start);
  }
};

TEST_F(DumpValueTest, IntegersAndNull) {
  EXPECT_EQ(ValueText("0"), "0");
  EXPECT_EQ(ValueText("-42"), "-42");
  EXPECT_EQ(ValueText("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(ValueText("-9223372036854775807 - 1"), "-9223372036854775808");
  EXPECT_EQ(ValueText("NULL"), "NULL");
}

TEST_F(DumpValueTest, RealsAsSqldWritesThem) {
  // Rust's formatting: the shortest digits that read back the same, never an exponent.
  EXPECT_EQ(ValueText("0.1"), "0.1");
  EXPECT_EQ(ValueText("-2.5"), "-2.5");
  EXPECT_EQ(ValueText("123456789.123"), "123456789.123");
  EXPECT_EQ(ValueText("1e-7"), "0.0000001");
  EXPECT_EQ(ValueText("1.0/3"), "0.3333333333333333");
  EXPECT_EQ(ValueText("2.5e-300"), "0." + std::string(299, '0') + "25");
}

TEST_F(DumpValueTest, RealsThatSqldWouldNotLoadBackUnchanged) {
  // sqld writes `1` (an integer once loaded into a column without REAL affinity), `inf` (no
  // such column), and `1e999` for 9218868437227405312.0 (it compares the value, not its bits).
  EXPECT_EQ(ValueText("1.0"), "1.0");
  EXPECT_EQ(ValueText("-0.0"), "-0.0");
  EXPECT_EQ(ValueText("1e300"), "1" + std::string(300, '0') + ".0");
  EXPECT_EQ(ValueText("9e999"), "1e999");
  EXPECT_EQ(ValueText("-9e999"), "-1e999");
  EXPECT_EQ(ValueText("9218868437227405312.0"), "9218868437227405000.0");
}

TEST_F(DumpValueTest, TextAsSqldWritesIt) {
  EXPECT_EQ(ValueText("'plain'"), "'plain'");
  EXPECT_EQ(ValueText("''"), "''");
  EXPECT_EQ(ValueText("'it''s'"), "'it''s'");
  EXPECT_EQ(ValueText("'é✓'"), "'é✓'");
  EXPECT_EQ(ValueText("'a' || char(10) || 'b'"), R"(replace('a\nb','\n',char(10)))");
  EXPECT_EQ(ValueText("'a' || char(13) || 'b'"), R"(replace('a\rb','\r',char(13)))");
  EXPECT_EQ(ValueText("'a' || char(10) || 'b' || char(13) || 'c'"),
            R"(replace(replace('a\nb\rc','\r',char(13)),'\n',char(10)))");
  // The token for a newline is one the text does not contain.
  EXPECT_EQ(ValueText(R"('\n' || char(10))"), R"(replace('\n\012','\012',char(10)))");
  EXPECT_EQ(ValueText(R"('\n\012' || char(10) || '''')"),
            R"(replace('\n\012(\n0)''','(\n0)',char(10)))");
}

TEST_F(DumpValueTest, TextWithNulKeepsIt) {
  // sqld writes the NUL itself, where the sqlite3 shell ends the statement.
  EXPECT_EQ(ValueText("'a' || char(0) || 'b'"), "'a'||char(0)||'b'");
  EXPECT_EQ(ValueText("char(0) || char(10)"), R"(replace(''||char(0)||'\n','\n',char(10)))");
}

TEST_F(DumpValueTest, Blobs) {
  EXPECT_EQ(ValueText("x''"), "X''");
  EXPECT_EQ(ValueText("x'00ff7A'"), "X'00ff7a'");
}

TEST_F(DumpExporterTest, IdentifiersAreQuotedWhenTheyMustBe) {
  Exec(db_.get(), R"(CREATE TABLE "select"("a b", "x""y", _ok1, "1st", café))");
  Exec(db_.get(), R"(INSERT INTO "select" VALUES(1, 2, 3, 4, 5))");
  std::string dump = Dump(/*preserve_row_ids=*/true);
  EXPECT_NE(
      dump.find(R"(INSERT INTO "select"(rowid,"a b","x""y",_ok1,"1st",café) VALUES(1,1,2,3,4,5);)"),
      std::string::npos)
      << dump;
  // sqld writes `"x"y"` here, which does not parse.
  std::string query = R"(SELECT rowid, * FROM "select")";
  EXPECT_EQ(Rows(Load(dump).get(), query), Rows(db_.get(), query));
}

TEST_F(DumpExporterTest, SchemaObjectsInSqldsOrder) {
  Exec(db_.get(),
       "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, v);"
       "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
       "CREATE TABLE g(a INTEGER, b AS (a * 2), c AS (a * 3) STORED);"
       "CREATE INDEX t_v ON t(v);"
       "CREATE VIEW tv AS SELECT v FROM t;"
       "CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN SELECT 1; END;"
       "INSERT INTO t(v) VALUES ('x'), ('y');"
       "INSERT INTO w VALUES ('k', 1);"
       "INSERT INTO g(a) VALUES (4);");
  EXPECT_EQ(Dump(),
            Lines({
                "PRAGMA foreign_keys=OFF;",
                "BEGIN TRANSACTION;",
                "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY AUTOINCREMENT, v);",
                "INSERT INTO t VALUES(1,'x');",
                "INSERT INTO t VALUES(2,'y');",
                "CREATE TABLE IF NOT EXISTS w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;",
                "INSERT INTO w VALUES('k',1);",
                // Generated columns are computed again on load.
                "CREATE TABLE IF NOT EXISTS g(a INTEGER, b AS (a * 2), c AS (a * 3) STORED);",
                "INSERT INTO g VALUES(4);",
                "DELETE FROM sqlite_sequence;",
                "INSERT INTO sqlite_sequence VALUES('t',2);",
                "CREATE INDEX t_v ON t(v);",
                "CREATE VIEW tv AS SELECT v FROM t;",
                "CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN SELECT 1; END;",
                "COMMIT;",
            }));
}

TEST_F(DumpExporterTest, VirtualTablesThroughWritableSchema) {
  Exec(db_.get(),
       "CREATE VIRTUAL TABLE docs USING fts5(body);"
       "INSERT INTO docs VALUES ('hello world');"
       "CREATE VIRTUAL TABLE docs_terms USING fts5vocab(docs, 'row');");
  std::string dump = Dump();
  EXPECT_NE(
      dump.find("PRAGMA writable_schema=ON;\n"
                "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) "
                "VALUES('table','docs','docs',0,'CREATE VIRTUAL TABLE docs USING "
                "fts5(body)');\n"
                "CREATE TABLE IF NOT EXISTS 'docs_data'(id INTEGER PRIMARY KEY, block BLOB);\n"),
      std::string::npos)
      << dump;
  // Quotes in the SQL are doubled (sqld 0.24.32 leaves them, and its dump does not load).
  EXPECT_NE(dump.find("VALUES('table','docs_terms','docs_terms',0,'CREATE VIRTUAL TABLE "
                      "docs_terms USING fts5vocab(docs, ''row'')');"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("PRAGMA writable_schema=OFF;\nCOMMIT;\n"), std::string::npos) << dump;

  DatabaseHandle loaded = Load(dump);
  EXPECT_EQ(Rows(loaded.get(), "SELECT rowid, body FROM docs WHERE docs MATCH 'hello'"),
            std::vector<std::string>{"1:1|3:hello world"});
  EXPECT_EQ(Rows(loaded.get(), "SELECT term, doc FROM docs_terms ORDER BY term"),
            (std::vector<std::string>{"3:hello|1:1", "3:world|1:1"}));
}

TEST_F(DumpExporterTest, StatisticsThroughAnalyze) {
  Exec(db_.get(),
       "CREATE TABLE s(a); CREATE INDEX s_a ON s(a); INSERT INTO s VALUES (1), (2), (2); ANALYZE");
  std::string dump = Dump();
  // `ANALYZE sqlite_schema` creates the statistics tables, which cannot be created otherwise.
  EXPECT_NE(
      dump.find("ANALYZE sqlite_schema;\nINSERT INTO sqlite_stat1 VALUES('s','s_a','3 2');\n"),
      std::string::npos)
      << dump;
  EXPECT_EQ(dump.find("CREATE TABLE IF NOT EXISTS sqlite_stat"), std::string::npos) << dump;
  const std::string query = "SELECT tbl, idx, stat FROM sqlite_stat1";
  EXPECT_EQ(Rows(Load(dump).get(), query), Rows(db_.get(), query));
}

TEST_F(DumpExporterTest, WhichTablesKeepTheirRowIds) {
  Exec(db_.get(),
       "CREATE TABLE alias(id INTEGER PRIMARY KEY, v);"            // the rowid is a column
       "CREATE TABLE descending(id INTEGER PRIMARY KEY DESC, v);"  // not the rowid
       "CREATE TABLE named(rowid, v);"                             // the rowid is _rowid_
       "CREATE TABLE hidden(rowid, _rowid_, oid);"                 // no name left for it
       "CREATE TABLE keyed(id INTEGER PRIMARY KEY, v) WITHOUT ROWID;"
       "INSERT INTO alias VALUES (5, 'a');"
       "INSERT INTO descending VALUES (7, 'd');"
       "INSERT INTO named VALUES (9, 'n');"
       "INSERT INTO hidden VALUES (1, 2, 3);"
       "INSERT INTO keyed VALUES (3, 'k');");
  std::string kept = Dump(/*preserve_row_ids=*/true);
  // sqld's rule: the alias is written twice, harmlessly.
  EXPECT_NE(kept.find("INSERT INTO alias(rowid,id,v) VALUES(5,5,'a');"), std::string::npos) << kept;
  EXPECT_NE(kept.find("INSERT INTO descending(rowid,id,v) VALUES(1,7,'d');"), std::string::npos)
      << kept;
  // sqld looks for `_row_id_` and finds no name here.
  EXPECT_NE(kept.find("INSERT INTO named(_rowid_,rowid,v) VALUES(1,9,'n');"), std::string::npos)
      << kept;
  EXPECT_NE(kept.find("INSERT INTO hidden VALUES(1,2,3);"), std::string::npos) << kept;
  EXPECT_NE(kept.find("INSERT INTO keyed VALUES(3,'k');"), std::string::npos) << kept;

  std::string plain = Dump(/*preserve_row_ids=*/false);
  EXPECT_NE(plain.find("INSERT INTO alias VALUES(5,'a');"), std::string::npos) << plain;
  // sqld keeps the rowid of an INTEGER PRIMARY KEY DESC table even when not asked.
  EXPECT_NE(plain.find("INSERT INTO descending(rowid,id,v) VALUES(1,7,'d');"), std::string::npos)
      << plain;
  EXPECT_NE(plain.find("INSERT INTO named VALUES(9,'n');"), std::string::npos) << plain;
}

TEST_F(DumpExporterTest, LoadsBackToTheSameContent) {
  Exec(db_.get(),
       "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a, b TEXT, c REAL, d BLOB);"
       "CREATE TABLE \"odd \"\"name\"(\"select\", x INTEGER PRIMARY KEY DESC) ;"
       "CREATE TABLE w(k, v, PRIMARY KEY (k, v)) WITHOUT ROWID;"
       "CREATE TABLE g(a INTEGER, b AS (a * 2));"
       "CREATE TABLE holes(v);"
       "CREATE VIRTUAL TABLE docs USING fts5(body);"
       "CREATE INDEX t_b ON t(b);"
       "CREATE VIEW tv AS SELECT a, b FROM t;"
       "CREATE TRIGGER t_log AFTER UPDATE ON t BEGIN INSERT INTO holes VALUES (new.a); END;"
       "INSERT INTO t(a, b, c, d) VALUES"
       "  (1, 'it''s', 1.0, x'00ff'),"
       "  (1.0, 'a' || char(10) || 'b' || char(13) || 'c', 1e300, x''),"
       "  (2.5, 'nul' || char(0) || 'x', 9e999, NULL),"
       "  (-0.0, '\\n' || char(10), -9e999, 'x'),"
       "  (0.1, 'é', 123456789.123, 5),"
       "  (1e-7, NULL, 9218868437227405312.0, 1),"
       "  (-9223372036854775807 - 1, '', 4.9e-324, zeroblob(200000)),"
       "  (1.0/3, 'tail', 1.7976931348623157e308, x'0a0d27');"
       "INSERT INTO \"odd \"\"name\" VALUES ('q', 7), ('r', -1);"
       "INSERT INTO w VALUES (1, 2.5), ('k', x'01');"
       "INSERT INTO g(a) VALUES (4), (NULL);"
       "INSERT INTO holes VALUES (1), (2), (3); DELETE FROM holes WHERE v = 2;"
       "INSERT INTO docs VALUES ('hello world'), ('other words');"
       "DELETE FROM t WHERE id = 3; INSERT INTO t(a) VALUES ('after a gap');");
  // Random reals: every one must come back as the same double.
  for (int i = 0; i < 200; ++i) {
    Exec(db_.get(), "INSERT INTO holes VALUES (random() / 1e" + std::to_string(i % 40) + ")");
  }
  const std::vector<std::string> queries = {
      "SELECT rowid, * FROM t ORDER BY rowid",
      "SELECT rowid, * FROM \"odd \"\"name\" ORDER BY x",
      "SELECT * FROM w ORDER BY k, v",
      "SELECT a, b FROM g ORDER BY a",
      "SELECT v FROM holes ORDER BY rowid",
      "SELECT rowid, body FROM docs WHERE docs MATCH 'world' ORDER BY rowid",
      "SELECT * FROM tv ORDER BY a, b",
      "SELECT name, seq FROM sqlite_sequence",
      "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name",
  };
  for (bool preserve_row_ids : {false, true}) {
    SCOPED_TRACE(preserve_row_ids ? "rowids preserved" : "rowids not preserved");
    DatabaseHandle loaded = Load(Dump(preserve_row_ids));
    for (const std::string& query : queries) {
      EXPECT_EQ(Rows(loaded.get(), query), Rows(db_.get(), query)) << query;
    }
    // A rowid that no column holds survives only when asked for (a row of `holes` was deleted).
    const std::string holes = "SELECT rowid, v FROM holes ORDER BY rowid";
    if (preserve_row_ids) {
      EXPECT_EQ(Rows(loaded.get(), holes), Rows(db_.get(), holes));
    } else {
      EXPECT_NE(Rows(loaded.get(), holes), Rows(db_.get(), holes));
    }
    // The trigger works on the loaded copy.
    Exec(loaded.get(), "UPDATE t SET a = 'changed' WHERE id = 1");
    EXPECT_EQ(Rows(loaded.get(), "SELECT v FROM holes WHERE v = 'changed'"),
              std::vector<std::string>{"3:changed"});
  }
}

TEST_F(DumpExporterTest, PiecesStayBoundedWithValuesLargerThanAPiece) {
  Exec(db_.get(), "CREATE TABLE big(v); INSERT INTO big VALUES (randomblob(1000000))");
  size_t pieces = 0;
  std::string text;
  Status status = ExportDump(db_.get(), DumpOptions{}, [&](std::string_view piece) {
    EXPECT_LE(piece.size(), kDumpPieceBytes);
    ++pieces;
    text.append(piece);
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_GE(pieces, 2000000 / kDumpPieceBytes);
  EXPECT_EQ(Rows(Load(text).get(), "SELECT hex(v) FROM big"),
            Rows(db_.get(), "SELECT hex(v) FROM big"));
}

TEST_F(DumpExporterTest, ReadsOneSnapshotWhileOthersCommit) {
  Exec(db_.get(),
       "PRAGMA journal_mode = WAL;"
       "CREATE TABLE early(id);"
       "CREATE TABLE filler(v);"
       "CREATE TABLE late(id);"
       "INSERT INTO early VALUES (1); INSERT INTO late VALUES (1);"
       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
       "INSERT INTO filler SELECT randomblob(100) FROM n;");
  DatabaseHandle writer = Open((directory_ / "source.db").string());
  std::string text;
  int commits = 0;
  Status status = ExportDump(db_.get(), DumpOptions{}, [&](std::string_view piece) {
    // Another connection commits while the dump is half-way through `filler`.
    if (commits < 3) {
      Exec(writer.get(), "INSERT INTO early VALUES (2); INSERT INTO late VALUES (2)");
      if (commits == 0) Exec(writer.get(), "CREATE INDEX late_id ON late(id)");
      ++commits;
    }
    text.append(piece);
    return true;
  });
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(commits, 3);  // the dump took several pieces: the commits came during it
  EXPECT_NE(text.find("INSERT INTO late VALUES(1);\n"), std::string::npos);
  EXPECT_EQ(text.find("VALUES(2);"), std::string::npos) << "the dump saw a later commit";
  EXPECT_EQ(text.find("late_id"), std::string::npos) << "the dump saw a later schema";
  // And it ended its read transaction: the writer's commits can all be checkpointed.
  EXPECT_EQ(sqlite3_txn_state(db_.get(), "main"), SQLITE_TXN_NONE);
  int log = -1, checkpointed = -2;
  EXPECT_EQ(sqlite3_wal_checkpoint_v2(writer.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log,
                                      &checkpointed),
            SQLITE_OK);
  EXPECT_EQ(log, checkpointed);
}

TEST_F(DumpExporterTest, RefusingSinkStopsTheDumpAndEndsItsTransaction) {
  Exec(db_.get(),
       "CREATE TABLE filler(v); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
       "WHERE i < 5000) INSERT INTO filler SELECT randomblob(100) FROM n");
  int pieces = 0;
  Status status = ExportDump(db_.get(), DumpOptions{}, [&](std::string_view) {
    ++pieces;
    return false;
  });
  EXPECT_EQ(status.kind(), ErrorKind::kUnavailable) << status.message();
  EXPECT_EQ(pieces, 1);
  EXPECT_TRUE(sqlite3_get_autocommit(db_.get()));
  EXPECT_EQ(sqlite3_txn_state(db_.get(), "main"), SQLITE_TXN_NONE);
}

}  // namespace
}  // namespace edgelite::server
