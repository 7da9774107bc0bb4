// What the authorizer reports while a statement prepares (StatementFacts), what it refuses, and the
// rule that keeps one client's state off connections that other clients share: there, statements
// that would leave TEMP objects, attached databases or settings prepare as no-ops. Also the
// session functions (last_insert_rowid(), changes(), total_changes()) a SessionScope answers for
// one client on a shared connection, and RefreshSchema.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "sqlite/connection.h"
#include "unit/temp_directory.h"

namespace edgelite::sqlite {
namespace {

class StatementFactsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    shared_ = Open(/*takes_client_state=*/false);
    own_ = Open(/*takes_client_state=*/true);
    ASSERT_TRUE(shared_ && own_);
    ASSERT_TRUE(shared_
                    ->Exec("CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                           "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id));"
                           "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
                    .ok());
  }

  std::unique_ptr<Connection> Open(bool takes_client_state) {
    ConnectionOptions options;
    options.path = (directory_ / "data").string();
    options.create = true;
    options.takes_client_state = takes_client_state;
    auto connection = Connection::Open(options);
    EXPECT_TRUE(connection.ok()) << connection.status().message();
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  // The facts of the first statement of `sql`; `error` receives SQLite's message on failure.
  static StatementFacts Facts(Connection& connection, std::string_view sql,
                              std::string* error = nullptr) {
    SqliteError failure;
    auto prepared = connection.Prepare(sql, &failure, /*use_cache=*/false);
    if (!prepared.ok()) {
      if (error) *error = failure.message;
      ADD_FAILURE() << sql << ": " << failure.message;
      return {};
    }
    EXPECT_TRUE(prepared->statement.has_value()) << sql;
    return prepared->statement ? (*prepared->statement)->facts() : StatementFacts{};
  }

  // Prepare failure message, or empty when it prepared.
  static std::string PrepareError(Connection& connection, std::string_view sql) {
    SqliteError failure;
    auto prepared = connection.Prepare(sql, &failure, /*use_cache=*/false);
    return prepared.ok() ? std::string() : failure.message;
  }

  // Prepares and steps `sql` as the executor does (within `session`'s scope when given); returns
  // the final result code and the integer rows.
  struct Ran {
    int rc = SQLITE_OK;
    std::vector<std::vector<int64_t>> rows;
  };
  static Ran Run(Connection& connection, std::string_view sql, Session* session = nullptr,
                 bool counts_changes = false) {
    Ran ran;
    SqliteError failure;
    auto prepared = connection.Prepare(sql, &failure);
    if (!prepared.ok()) {
      ADD_FAILURE() << sql << ": " << failure.message;
      ran.rc = failure.code;
      return ran;
    }
    Statement& statement = **prepared->statement;
    std::optional<SessionScope> scope;
    if (session) scope.emplace(connection, *session, counts_changes);
    while ((ran.rc = statement.Step()) == SQLITE_ROW) {
      std::vector<int64_t> row;
      for (int i = 0; i < statement.column_count(); ++i) {
        row.push_back(sqlite3_column_int64(statement.handle(), i));
      }
      ran.rows.push_back(std::move(row));
    }
    statement.Reset();
    return ran;
  }

  static int64_t Int(Connection& connection, std::string_view sql) {
    Ran ran = Run(connection, sql);
    EXPECT_EQ(ran.rc, SQLITE_DONE) << sql;
    if (ran.rows.empty() || ran.rows[0].empty()) {
      ADD_FAILURE() << sql << " returned no value";
      return -1;
    }
    return ran.rows[0][0];
  }

  static bool Attached(Connection& connection, const std::string& name) {
    return Int(connection,
               "SELECT count(*) FROM pragma_database_list WHERE name = '" + name + "'") != 0;
  }

  test::TempDirectory directory_;
  std::unique_ptr<Connection> shared_;  // as the writer and pooled readers are opened
  std::unique_ptr<Connection> own_;     // as a stream's own connection is opened
};

TEST_F(StatementFactsTest, OrdinaryStatementsReportNoFacts) {
  for (const char* sql :
       {"SELECT 1", "INSERT INTO t(v) VALUES ('a')", "UPDATE t SET v = 'b'", "DELETE FROM t",
        "CREATE TABLE other(x)", "PRAGMA foreign_keys", "PRAGMA table_info(t)",
        "PRAGMA index_list = t", "BEGIN", "WITH x AS (SELECT 1) SELECT * FROM x"}) {
    for (Connection* connection : {shared_.get(), own_.get()}) {
      StatementFacts facts = Facts(*connection, sql);
      EXPECT_FALSE(facts.changes_session) << sql;
      EXPECT_FALSE(facts.sets_pragma) << sql;
    }
  }
}

TEST_F(StatementFactsTest, TempObjectsAttachAndSettingsChangeTheSession) {
  for (const char* sql :
       {"CREATE TEMP TABLE scratch(x)", "CREATE TEMPORARY TABLE scratch(x)",
        "CREATE TEMP VIEW v AS SELECT 1",
        "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "ATTACH '' AS aux",
        "ATTACH DATABASE '' AS aux", "PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys(0)",
        "PRAGMA recursive_triggers = 1", "PRAGMA main.cache_size = 100"}) {
    for (Connection* connection : {shared_.get(), own_.get()}) {
      EXPECT_TRUE(Facts(*connection, sql).changes_session)
          << sql << (connection == own_.get() ? " (own)" : " (shared)");
    }
  }
  // Statements on objects that must exist first: on the own connection, where they can.
  ASSERT_EQ(Run(*own_, "CREATE TEMP TABLE scratch(x)").rc, SQLITE_DONE);
  ASSERT_EQ(Run(*own_, "ATTACH '' AS aux").rc, SQLITE_DONE);
  for (const char* sql : {"CREATE INDEX temp.scratch_x ON scratch(x)", "DROP TABLE temp.scratch",
                          "DROP TABLE scratch", "DETACH aux", "DETACH DATABASE aux"}) {
    EXPECT_TRUE(Facts(*own_, sql).changes_session) << sql;
  }
}

TEST_F(StatementFactsTest, SettingsArePragmaWritesButReadsAreNot) {
  StatementFacts setting = Facts(*shared_, "PRAGMA foreign_keys = OFF");
  EXPECT_TRUE(setting.sets_pragma);
  EXPECT_TRUE(setting.changes_session);
  // Kept in the file: a write for permissions, but no state on the connection.
  StatementFacts file_setting = Facts(*shared_, "PRAGMA user_version = 3");
  EXPECT_TRUE(file_setting.sets_pragma);
  EXPECT_FALSE(file_setting.changes_session);
  StatementFacts read = Facts(*shared_, "PRAGMA user_version");
  EXPECT_FALSE(read.sets_pragma);
  EXPECT_FALSE(read.changes_session);
  // Temp objects change the session but set nothing.
  EXPECT_FALSE(Facts(*shared_, "CREATE TEMP TABLE scratch(x)").sets_pragma);
}

TEST_F(StatementFactsTest, ServerOwnedPragmasAndAttachingFilesAreRefused) {
  for (Connection* connection : {shared_.get(), own_.get()}) {
    for (const char* sql :
         {"PRAGMA journal_mode = DELETE", "PRAGMA synchronous = OFF", "PRAGMA query_only = 0",
          "PRAGMA wal_checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA hard_heap_limit = 1"}) {
      EXPECT_NE(PrepareError(*connection, sql).find("not authorized"), std::string::npos) << sql;
    }
    // Refused with a message that says why, not SQLite's bare "not authorized".
    for (const char* sql : {"ATTACH 'other.db' AS other", "ATTACH ':memory:' AS m",
                            "ATTACH 'file:x?mode=memory' AS m", "ATTACH ? AS m"}) {
      EXPECT_NE(PrepareError(*connection, sql).find("ATTACH is not allowed"), std::string::npos)
          << sql;
    }
  }
  EXPECT_FALSE(Attached(*own_, "other"));
}

// The file name need not be a string literal: an expression or a bound parameter names a file
// just as well (SQLite then passes no name to the authorizer).
TEST_F(StatementFactsTest, AttachingAFileNamedByAnExpressionIsRefused) {
  std::string other = (directory_ / "other.db").string();
  {
    ConnectionOptions options;
    options.path = other;
    options.create = true;
    auto connection = Connection::Open(options);
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->Exec("CREATE TABLE secret(x); INSERT INTO secret VALUES (1)").ok());
  }
  std::string half = other.substr(0, other.size() / 2);
  std::string rest = other.substr(other.size() / 2);
  for (std::string sql : {"ATTACH '" + half + "' || '" + rest + "' AS other",
                          "ATTACH printf('%s', '" + other + "') AS other"}) {
    std::string error = PrepareError(*own_, sql);
    if (error.empty()) (void)Run(*own_, sql);
    EXPECT_FALSE(Attached(*own_, "other")) << sql << " attached a file";
    (void)own_->Exec("DETACH other");
  }
  // The same with the name as an argument (Hrana `args`).
  SqliteError failure;
  auto prepared = own_->Prepare("ATTACH ? AS other", &failure, /*use_cache=*/false);
  if (prepared.ok() && prepared->statement) {
    Statement& statement = **prepared->statement;
    ASSERT_EQ(statement.Bind(1, Value(other)), SQLITE_OK);
    (void)statement.Step();
    statement.Reset();
  }
  EXPECT_FALSE(Attached(*own_, "other")) << "ATTACH ? attached a file";
}

// The writer and pooled readers serve every client: a statement that would leave client state is
// flagged at prepare time, so the executor moves it before it runs (request_runner_test and
// stmt_executor_test check that it never runs there); a setting, which SQLite applies while it
// parses, is a no-op there even when stepped.
TEST_F(StatementFactsTest, ClientStateIsANoOpOnASharedConnection) {
  for (const char* sql : {"CREATE TEMP TABLE scratch(x)", "CREATE TEMP VIEW tv AS SELECT 1",
                          "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
                          "ATTACH '' AS aux"}) {
    EXPECT_TRUE(Facts(*shared_, sql).changes_session) << sql;
  }
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM temp.sqlite_master"), 0);
  EXPECT_FALSE(Attached(*shared_, "aux"));

  // Preparing alone, never stepped, must not change the setting either.
  EXPECT_TRUE(Facts(*shared_, "PRAGMA foreign_keys = OFF").changes_session);
  EXPECT_EQ(Run(*shared_, "PRAGMA foreign_keys = OFF").rc, SQLITE_DONE);
  EXPECT_EQ(Run(*shared_, "PRAGMA recursive_triggers = ON").rc, SQLITE_DONE);
  EXPECT_EQ(Int(*shared_, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(*shared_, "PRAGMA recursive_triggers"), 0);
  // And foreign keys are still enforced there.
  EXPECT_EQ(Run(*shared_, "INSERT INTO child VALUES (42)").rc, SQLITE_CONSTRAINT_FOREIGNKEY);
}

TEST_F(StatementFactsTest, ClientStateTakesEffectOnAStreamsOwnConnection) {
  EXPECT_EQ(Run(*own_, "CREATE TEMP TABLE scratch(x)").rc, SQLITE_DONE);
  EXPECT_EQ(Int(*own_, "SELECT count(*) FROM temp.sqlite_master WHERE name = 'scratch'"), 1);
  EXPECT_EQ(Run(*own_, "ATTACH '' AS aux").rc, SQLITE_DONE);
  EXPECT_TRUE(Attached(*own_, "aux"));
  EXPECT_EQ(Run(*own_, "PRAGMA foreign_keys = OFF").rc, SQLITE_DONE);
  EXPECT_EQ(Int(*own_, "PRAGMA foreign_keys"), 0);
  EXPECT_EQ(Run(*own_, "INSERT INTO child VALUES (42)").rc, SQLITE_DONE);
  // Only this connection: the shared one is untouched.
  EXPECT_EQ(Int(*shared_, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM temp.sqlite_master"), 0);
}

// Objects put in the TEMP schema by name rather than with the TEMP keyword are the client's state
// all the same. SQLite reports them to the authorizer as ordinary CREATE TABLE / VIEW / TRIGGER /
// VTABLE with "temp" as the database name, not as the CREATE_TEMP_* actions.
TEST_F(StatementFactsTest, ObjectsNamedIntoTheTempSchemaChangeTheSession) {
  for (const char* sql : {"CREATE TABLE temp.scratch(x)", "CREATE TABLE temp.copy AS SELECT 1 AS x",
                          "CREATE VIEW temp.tv AS SELECT 1",
                          "CREATE TRIGGER temp.tr AFTER INSERT ON t BEGIN SELECT 1; END",
                          "CREATE VIRTUAL TABLE temp.docs USING fts5(body)"}) {
    EXPECT_TRUE(Facts(*shared_, sql).changes_session) << sql;
  }
}

TEST_F(StatementFactsTest, ObjectsNamedIntoTheTempSchemaAreFlaggedAsClientState) {
  for (const char* sql :
       {"CREATE TABLE temp.scratch(x UNIQUE)", "CREATE TABLE temp.copy AS SELECT 1 AS x",
        "CREATE VIEW temp.tv AS SELECT 1",
        "CREATE TRIGGER temp.tr AFTER INSERT ON t BEGIN SELECT 1; END"}) {
    auto connection = Open(/*takes_client_state=*/false);
    EXPECT_TRUE(Facts(*connection, sql).changes_session) << sql;
    EXPECT_EQ(Int(*connection, "SELECT count(*) FROM temp.sqlite_master"), 0) << sql;
  }
}

// The two tests below crashed SQLite (SIGSEGV) on a shared connection when the authorizer answered
// SQLITE_IGNORE to the automatic index of a table SQLite had already agreed to create. They run
// in a child process so that the rest of the suite still reports.
using StatementFactsDeathTest = StatementFactsTest;

// Any client can send this, and a pooled reader prepares it before any check: the server must not
// crash.
TEST_F(StatementFactsDeathTest, ATempWithoutRowidTableDoesNotCrashASharedConnection) {
  EXPECT_EXIT(
      {
        auto connection = Open(/*takes_client_state=*/false);
        (void)PrepareError(*connection, "CREATE TABLE temp.x(a PRIMARY KEY) WITHOUT ROWID");
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "")
      << "preparing CREATE TABLE temp.x(a PRIMARY KEY) WITHOUT ROWID crashed";
}

// fts5's shadow table is WITHOUT ROWID: the same crash.
TEST_F(StatementFactsDeathTest, ATempVirtualTableDoesNotCrashASharedConnection) {
  EXPECT_EXIT(
      {
        auto connection = Open(/*takes_client_state=*/false);
        std::_Exit(Facts(*connection, "CREATE VIRTUAL TABLE temp.docs USING fts5(body)")
                           .changes_session
                       ? 0
                       : 1);
      },
      ::testing::ExitedWithCode(0), "")
      << "CREATE VIRTUAL TABLE temp.docs USING fts5(body) crashed (signal) or was left on a "
         "shared connection (exit code 1)";
}

TEST_F(StatementFactsTest, WithoutAScopeTheSessionFunctionsAreSQLites) {
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(v) VALUES ('a'), ('b')").rc, SQLITE_DONE);
  Ran ran = Run(*shared_, "SELECT last_insert_rowid(), changes(), total_changes()");
  ASSERT_EQ(ran.rows.size(), 1u);
  EXPECT_EQ(ran.rows[0], (std::vector<int64_t>{2, 2, 2}));
}

TEST_F(StatementFactsTest, AScopeAnswersFromTheClientsSession) {
  // Another client's writes on the same connection.
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(v) VALUES ('a'), ('b'), ('c')").rc, SQLITE_DONE);

  Session fresh;
  Ran ran = Run(*shared_, "SELECT last_insert_rowid(), changes(), total_changes()", &fresh);
  ASSERT_EQ(ran.rows.size(), 1u);
  EXPECT_EQ(ran.rows[0], (std::vector<int64_t>{0, 0, 0})) << "a new session reads 0, 0, 0";
  EXPECT_EQ(fresh, Session{});

  Session kept{42, 7, 9};
  ran = Run(*shared_, "SELECT last_insert_rowid(), changes(), total_changes()", &kept);
  EXPECT_EQ(ran.rows[0], (std::vector<int64_t>{42, 7, 9}));
  // A SELECT leaves changes() as it was.
  EXPECT_EQ(kept, (Session{42, 7, 9}));
  // SQL run within the scope reads the session's rowid too.
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(id, v) VALUES (last_insert_rowid() + 100, 'x')", &kept,
                /*counts_changes=*/true)
                .rc,
            SQLITE_DONE);
  EXPECT_EQ(kept, (Session{142, 1, 10}));
}

TEST_F(StatementFactsTest, SessionsSharingAConnectionKeepTheirOwnCounts) {
  Session first;
  Session second;
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(v) VALUES ('a')", &first, true).rc, SQLITE_DONE);
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(v) VALUES ('b'), ('c'), ('d')", &second, true).rc,
            SQLITE_DONE);
  ASSERT_EQ(Run(*shared_, "UPDATE t SET v = v || '!' WHERE id <= 2", &first, true).rc, SQLITE_DONE);
  EXPECT_EQ(first, (Session{1, 2, 3}));
  EXPECT_EQ(second, (Session{4, 3, 3}));
  Ran ran = Run(*shared_, "SELECT last_insert_rowid(), changes(), total_changes()", &second);
  EXPECT_EQ(ran.rows[0], (std::vector<int64_t>{4, 3, 3}));
  // The connection's own counters are SQLite's, whoever ran.
  EXPECT_EQ(sqlite3_total_changes64(shared_->handle()), 6);
}

TEST_F(StatementFactsTest, AFailedWriteSetsChangesToZero) {
  ASSERT_EQ(Run(*shared_, "INSERT INTO t(id, v) VALUES (1, 'a')").rc, SQLITE_DONE);
  Session session{5, 5, 5};
  EXPECT_EQ(Run(*shared_, "INSERT INTO t(id, v) VALUES (1, 'again')", &session, true).rc,
            SQLITE_CONSTRAINT_PRIMARYKEY);
  EXPECT_EQ(session, (Session{5, 0, 5}));
}

// describe prepares without stepping: it must see a column another connection just added.
TEST_F(StatementFactsTest, RefreshSchemaSeesAnotherConnectionsChange) {
  auto columns = [&] {
    SqliteError failure;
    auto prepared = own_->Prepare("SELECT * FROM t", &failure, /*use_cache=*/false);
    EXPECT_TRUE(prepared.ok()) << failure.message;
    return prepared.ok() ? (*prepared->statement)->column_count() : -1;
  };
  ASSERT_EQ(columns(), 2);
  ASSERT_TRUE(shared_->Exec("ALTER TABLE t ADD COLUMN w").ok());
  ASSERT_EQ(columns(), 2) << "precondition: preparing alone does not notice the change";
  ASSERT_TRUE(own_->RefreshSchema().ok());
  EXPECT_EQ(columns(), 3);
}

}  // namespace
}  // namespace edgelite::sqlite
