// The statement executor decides, statement by statement, whether a request may go on where it is
// placed (a pooled reader, the writer's group, a pinned reader, a stream's own connection) or must move before it has had any effect; whether the caller may run it at all; and
// what the result reports. These tests run it on real connections opened as the server opens them.
#include "hrana/stmt_executor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/hrana/executor_test_support.h"

namespace edgelite::hrana {
namespace {

using Kind = Escalation::Kind;

class StmtExecutorTest : public test::ExecutorConnections {
 protected:
  void SetUp() override {
    OpenConnections(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE);"
        "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
        "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
  }

  ExecutionContext Context(sqlite::Connection* connection, Placement placement,
                           bool may_write = true) {
    ExecutionContext context;
    context.connection = connection;
    context.placement = placement;
    context.may_write = may_write;
    context.version = ProtocolVersion::kV3;
    context.sql_store = &store_;
    context.replication_index = [] { return uint64_t{77}; };
    return context;
  }

  static StmtOutcome Run(ExecutionContext& context, std::string sql, std::vector<Value> args = {}) {
    Stmt stmt;
    stmt.sql = std::move(sql);
    stmt.args = std::move(args);
    return ExecuteStmt(context, stmt);
  }

  static std::string Describe(const StmtOutcome& outcome) {
    if (std::holds_alternative<StmtResult>(outcome)) return "a result";
    if (auto* error = std::get_if<Error>(&outcome))
      return "error " + error->code + ": " + error->message;
    if (auto* escalation = std::get_if<Escalation>(&outcome)) {
      return "escalation " + std::to_string(int(escalation->kind));
    }
    auto& failure = std::get<RequestFailure>(outcome);
    return "request failure " + std::to_string(failure.http_status) + ": " + failure.message;
  }

  static StmtResult Result(const StmtOutcome& outcome) {
    if (auto* result = std::get_if<StmtResult>(&outcome)) return *result;
    ADD_FAILURE() << "expected a result, got " << Describe(outcome);
    return {};
  }
  static std::optional<Kind> EscalationOf(const StmtOutcome& outcome) {
    if (auto* escalation = std::get_if<Escalation>(&outcome)) return escalation->kind;
    return std::nullopt;
  }
  static std::string ErrorCode(const StmtOutcome& outcome) {
    if (auto* error = std::get_if<Error>(&outcome)) return error->code;
    return "(" + Describe(outcome) + ")";
  }
  static int FailureStatus(const StmtOutcome& outcome) {
    if (auto* failure = std::get_if<RequestFailure>(&outcome)) return failure->http_status;
    return 0;
  }

  // The first row's integers.
  static std::vector<int64_t> Ints(const StmtResult& result) {
    std::vector<int64_t> values;
    if (result.rows.empty()) return values;
    for (const Value& value : result.rows[0]) {
      const int64_t* number = std::get_if<int64_t>(&value);
      values.push_back(number ? *number : -999);
    }
    return values;
  }

  int64_t Int(sqlite::Connection& connection, const std::string& sql) {
    ExecutionContext context = Context(&connection, Placement::kOwn);
    auto values = Ints(Result(Run(context, sql)));
    return values.empty() ? -1 : values[0];
  }
  int64_t CountT() { return Int(*shared_, "SELECT count(*) FROM t"); }

  SqlStore store_{50, 5 * 1024};
};

// --- a pooled reader ---

TEST_F(StmtExecutorTest, AReaderAnswersReadsAndSendsWritesToTheWriterUndone) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(Ints(Result(Run(context, "SELECT count(*) FROM t"))), (std::vector<int64_t>{0}));
  EXPECT_EQ(Ints(Result(Run(context, "PRAGMA foreign_keys"))), (std::vector<int64_t>{1}));
  for (const char* sql :
       {"INSERT INTO t(v) VALUES ('a')", "UPDATE t SET v = 'b'", "DELETE FROM t",
        "CREATE TABLE other(x)", "WITH x AS (SELECT 'w' AS v) INSERT INTO t(v) SELECT v FROM x"}) {
    EXPECT_EQ(EscalationOf(Run(context, sql)), Kind::kToWriter) << sql;
  }
  EXPECT_EQ(CountT(), 0);
  EXPECT_TRUE(reader_->autocommit());
}

TEST_F(StmtExecutorTest, AReaderSendsTransactionsAndStateToAnOwnConnectionWithoutEffect) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  for (const char* sql :
       {"BEGIN", "BEGIN DEFERRED TRANSACTION", "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "SAVEPOINT s",
        "VACUUM", "CREATE TEMP TABLE scratch(x)", "CREATE TEMP VIEW tv AS SELECT 1",
        "ATTACH '' AS aux", "PRAGMA foreign_keys = OFF", "PRAGMA recursive_triggers = 1"}) {
    EXPECT_EQ(EscalationOf(Run(context, sql)), Kind::kToOwnConnection) << sql;
    EXPECT_TRUE(reader_->autocommit()) << sql;
  }
  EXPECT_FALSE(context.session_state_changed) << "a shared connection keeps no state";
  EXPECT_EQ(Int(*reader_, "SELECT count(*) FROM temp.sqlite_master"), 0);
  EXPECT_EQ(Int(*reader_, "SELECT count(*) FROM pragma_database_list WHERE name = 'aux'"), 0);
  EXPECT_EQ(Int(*reader_, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(*reader_, "PRAGMA recursive_triggers"), 0);
}

TEST_F(StmtExecutorTest, AReadOnlyTransactionStartsOnTheReaderAndItsWritesFailThere) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  Result(Run(context, "BEGIN TRANSACTION READONLY"));
  EXPECT_FALSE(reader_->autocommit());
  EXPECT_TRUE(context.state.read_only_transaction);
  // Inside the request's own read-only transaction a write is not moved: it fails.
  EXPECT_EQ(ErrorCode(Run(context, "INSERT INTO t(v) VALUES ('a')")), "SQLITE_READONLY");
  Result(Run(context, "COMMIT"));
  EXPECT_FALSE(context.state.read_only_transaction);
  EXPECT_EQ(CountT(), 0);
}

// --- a caller who may not write ---

TEST_F(StmtExecutorTest, ACallerWhoMayNotWriteIsForbiddenEverythingThatChangesState) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader, /*may_write=*/false);
  for (const char* sql : {"INSERT INTO t(v) VALUES ('a')", "DELETE FROM t", "CREATE TABLE other(x)",
                          "BEGIN IMMEDIATE", "PRAGMA foreign_keys = OFF", "PRAGMA user_version = 3",
                          "PRAGMA recursive_triggers = ON", "VACUUM"}) {
    StmtOutcome outcome = Run(context, sql);
    EXPECT_EQ(FailureStatus(outcome), 403) << sql << ": " << Describe(outcome);
  }
  StmtOutcome forbidden = Run(context, "INSERT INTO t(v) VALUES ('a')");
  auto* failure = std::get_if<RequestFailure>(&forbidden);
  ASSERT_NE(failure, nullptr);
  // sqld's wording, typo included: clients match on it.
  EXPECT_EQ(failure->message,
            "Authorization forbidden: Current session doesn't not have Write permission to "
            "namespace default");
  // A TEMP table prepares as a no-op on the shared reader: it is refused there, or moved to the
  // stream's own connection and refused there.
  StmtOutcome temp = Run(context, "CREATE TEMP TABLE scratch(x)");
  EXPECT_TRUE(FailureStatus(temp) == 403 || EscalationOf(temp) == Kind::kToOwnConnection)
      << Describe(temp);
  ExecutionContext own = Context(own_.get(), Placement::kOwn, /*may_write=*/false);
  EXPECT_EQ(FailureStatus(Run(own, "CREATE TEMP TABLE scratch(x)")), 403);
  EXPECT_EQ(Int(*own_, "SELECT count(*) FROM temp.sqlite_master"), 0);
  // Reading, introspection included, is fine.
  Result(Run(context, "PRAGMA table_info(t)"));
  Result(Run(context, "PRAGMA foreign_keys"));
  Result(Run(context, "SELECT * FROM t"));
  EXPECT_EQ(Int(*shared_, "PRAGMA user_version"), 0);
}

TEST_F(StmtExecutorTest, ACallerWhoMayNotWriteKeepsItsTransactionOnTheReader) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader, /*may_write=*/false);
  Result(Run(context, "BEGIN"));
  EXPECT_FALSE(reader_->autocommit()) << "BEGIN ran on the reader";
  Result(Run(context, "SAVEPOINT s"));
  Result(Run(context, "SELECT count(*) FROM t"));
  Result(Run(context, "ROLLBACK"));
  // State that stays on a connection still needs one of the stream's own.
  EXPECT_EQ(EscalationOf(Run(context, "ATTACH '' AS aux")), Kind::kToOwnConnection);
  // On its own connection it still may not write.
  ExecutionContext own = Context(own_.get(), Placement::kOwn, /*may_write=*/false);
  EXPECT_EQ(FailureStatus(Run(own, "INSERT INTO t(v) VALUES ('a')")), 403);
  EXPECT_EQ(CountT(), 0);
}

// --- a pinned reader (a read-only transaction) ---

TEST_F(StmtExecutorTest, APinnedReaderRefusesStateAndWrites) {
  ASSERT_TRUE(reader_->Exec("BEGIN").ok());
  ExecutionContext context = Context(reader_.get(), Placement::kPinnedReader);
  for (const char* sql :
       {"PRAGMA foreign_keys = OFF", "CREATE TEMP TABLE scratch(x)", "ATTACH '' AS aux"}) {
    StmtOutcome outcome = Run(context, sql);
    EXPECT_EQ(ErrorCode(outcome), "SQL_INPUT_ERROR") << sql;
    EXPECT_EQ(std::get_if<Error>(&outcome) ? std::get<Error>(outcome) : Error{},
              ClientStateInReadOnlyTransaction())
        << sql;
  }
  EXPECT_EQ(ErrorCode(Run(context, "INSERT INTO t(v) VALUES ('a')")), "SQLITE_READONLY");
  Result(Run(context, "SELECT count(*) FROM t"));
  EXPECT_FALSE(reader_->autocommit()) << "the transaction is still open";
  EXPECT_EQ(Int(*reader_, "PRAGMA foreign_keys"), 1);
  ASSERT_TRUE(reader_->Exec("COMMIT").ok());
}

// --- the writer's group ---

TEST_F(StmtExecutorTest, TheWriterGroupSendsTransactionsAndStateElsewhere) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  for (const char* sql : {"BEGIN", "BEGIN IMMEDIATE", "BEGIN TRANSACTION READONLY", "SAVEPOINT s",
                          "VACUUM", "CREATE TEMP TABLE scratch(x)", "ATTACH '' AS aux",
                          "PRAGMA foreign_keys = OFF", "PRAGMA defer_foreign_keys = ON"}) {
    StmtOutcome outcome = Run(context, sql);
    EXPECT_EQ(EscalationOf(outcome), Kind::kToOwnConnection) << sql << ": " << Describe(outcome);
    ASSERT_FALSE(shared_->autocommit()) << sql << " ended the group's transaction";
  }
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM temp.sqlite_master"), 0);
  EXPECT_EQ(Int(*shared_, "PRAGMA foreign_keys"), 1);
  ASSERT_TRUE(shared_->Exec("ROLLBACK").ok());
}

// In a group the stream is in autocommit mode: ending a transaction fails as it would alone
// ("no transaction is active", "no such savepoint"), and never touches the group's transaction.
// Transaction control acts on the stream's transaction, which in a group is not the connection's:
// it moves to the stream's own connection (where it fails as in autocommit) without touching the
// group's transaction or savepoints.
TEST_F(StmtExecutorTest, TheWriterGroupSendsTransactionEndsToTheStreamsOwnConnection) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  Result(Run(context, "INSERT INTO t(v) VALUES ('kept')"));
  for (const char* sql : {"COMMIT", "END", "ROLLBACK", "RELEASE s", "ROLLBACK TO s"}) {
    StmtOutcome outcome = Run(context, sql);
    auto* escalation = std::get_if<Escalation>(&outcome);
    ASSERT_NE(escalation, nullptr) << sql << ": " << Describe(outcome);
    EXPECT_EQ(escalation->kind, Escalation::Kind::kToOwnConnection) << sql;
    ASSERT_FALSE(shared_->autocommit()) << sql << " ended the group's transaction";
  }
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM t"), 1);
  ASSERT_TRUE(shared_->Exec("COMMIT").ok());
}

// Found by fuzz/sql_text_fuzzer.cc: SQLite skips a byte order mark before a statement, and the
// classifier did not, so a BOM-prefixed COMMIT was "other" SQL and committed the writer's group
// (whose members would then run again alone: twice), and a BOM-prefixed BEGIN stayed on a reader.
TEST_F(StmtExecutorTest, AByteOrderMarkDoesNotHideTransactionControl) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext group = Context(shared_.get(), Placement::kWriterGroup);
  Result(Run(group, "INSERT INTO t(v) VALUES ('member')"));
  const std::string bom = "\xEF\xBB\xBF";
  for (const std::string& sql : {bom + "COMMIT", bom + "ROLLBACK", " " + bom + "BEGIN"}) {
    EXPECT_EQ(EscalationOf(Run(group, sql)), Kind::kToOwnConnection) << sql;
    ASSERT_FALSE(shared_->autocommit()) << sql << " ended the group's transaction";
  }
  ASSERT_TRUE(shared_->Exec("ROLLBACK").ok());
  EXPECT_EQ(CountT(), 0);

  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(EscalationOf(Run(reader, bom + "BEGIN IMMEDIATE")), Kind::kToOwnConnection);
  EXPECT_TRUE(reader_->autocommit());
}

// Found by the same fuzzer: text that SQLite rejects after a statement (a lone vertical tab, a
// "/*" at the very end) is not a blank tail that lets the statement run.
TEST_F(StmtExecutorTest, ATailSqliteRejectsIsNotBlank) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  for (const char* sql : {"SELECT 1;\v", "SELECT 1; /*", "SELECT 1;\xEF\xBB\xBF\v"}) {
    EXPECT_TRUE(std::holds_alternative<Error>(Run(context, sql))) << sql;
  }
  Result(Run(context, "SELECT 1; \v"));
  Result(Run(context, "SELECT 1; /* unterminated"));
  Result(Run(context, "SELECT 1;\xEF\xBB\xBF"));
}

// Found by fuzzing: SQLite applied a setting while parsing a statement that then failed to
// prepare, and the executor, seeing only the failure, did not report the connection as holding the
// client's state: the own connection went back to its pool with the setting on.
TEST_F(StmtExecutorTest, ASettingThatFailsToPrepareLeavesNoState) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  EXPECT_EQ(ErrorCode(Run(context, "PRAGMA recursive_triggers = 1 garbage")), "SQL_PARSE_ERROR");
  EXPECT_FALSE(context.session_state_changed);
  EXPECT_EQ(Int(*own_, "PRAGMA recursive_triggers"), 0);
}

TEST_F(StmtExecutorTest, InTheWriterGroupIsAutocommitIsTrueAndNoIndexIsReportedYet) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  EXPECT_TRUE(StreamInAutocommit(context)) << "the group's transaction is not the stream's";
  StmtResult result = Result(Run(context, "INSERT INTO t(v) VALUES ('a')"));
  EXPECT_EQ(result.affected_row_count, 1u);
  EXPECT_EQ(result.last_insert_rowid, 1);
  EXPECT_FALSE(result.replication_index) << "known only after the group's commit";
  ASSERT_TRUE(shared_->Exec("COMMIT").ok());
}

TEST_F(StmtExecutorTest, AStatementThatEndsTheGroupsTransactionRunsAgainAlone) {
  ASSERT_TRUE(shared_->Exec("INSERT INTO t(v) VALUES ('taken')").ok());
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  EXPECT_EQ(EscalationOf(Run(context, "INSERT OR ROLLBACK INTO t(v) VALUES ('taken')")),
            Kind::kToWriterAlone);
  EXPECT_TRUE(shared_->autocommit());
}

TEST_F(StmtExecutorTest, ADeferredConstraintLeftOpenRunsAgainAlone) {
  ASSERT_TRUE(shared_->Exec("BEGIN IMMEDIATE").ok());
  ExecutionContext context = Context(shared_.get(), Placement::kWriterGroup);
  // Resolved within the statement: stays.
  Result(Run(context, "INSERT INTO parent VALUES (1)"));
  Result(Run(context, "INSERT INTO child VALUES (1)"));
  // Left open: alone it would fail at its own commit.
  EXPECT_EQ(EscalationOf(Run(context, "INSERT INTO child VALUES (2)")), Kind::kToWriterAlone);
  ASSERT_TRUE(shared_->Exec("ROLLBACK").ok());
  // Alone (on a connection of the stream's own, in autocommit mode) it fails at its commit.
  ExecutionContext alone = Context(own_.get(), Placement::kOwn);
  EXPECT_EQ(ErrorCode(Run(alone, "INSERT INTO child VALUES (2)")), "SQLITE_CONSTRAINT");
  EXPECT_EQ(Int(*shared_, "SELECT count(*) FROM child"), 0);
}

// --- a stream's own connection ---

class FakeGrant : public WriteGrant {
 public:
  explicit FakeGrant(bool grants) : grants_(grants) {}
  bool Acquire() override {
    ++acquires;
    return grants_;
  }
  int acquires = 0;

 private:
  bool grants_;
};

TEST_F(StmtExecutorTest, OnItsOwnConnectionAStreamTakesTheGrantOnlyToWrite) {
  FakeGrant grant(true);
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  context.write_grant = &grant;
  Result(Run(context, "SELECT count(*) FROM t"));
  Result(Run(context, "BEGIN"));
  Result(Run(context, "SELECT count(*) FROM t"));
  EXPECT_EQ(grant.acquires, 0) << "reads and a deferred BEGIN take no write lock";
  Result(Run(context, "INSERT INTO t(v) VALUES ('a')"));
  EXPECT_EQ(grant.acquires, 1);
  Result(Run(context, "COMMIT"));
  EXPECT_EQ(grant.acquires, 1) << "COMMIT ends what the write began";
  Result(Run(context, "BEGIN IMMEDIATE"));
  EXPECT_EQ(grant.acquires, 2) << "BEGIN IMMEDIATE takes the write lock";
  Result(Run(context, "ROLLBACK"));
}

// @tursodatabase/serverless sends BEGIN CONCURRENT for batch(…, "concurrent"). It runs as BEGIN
// IMMEDIATE: on a connection of the stream's own, with the write lock from BEGIN on, so nothing can
// commit between its reads and its writes, and it never fails on a conflict.
TEST_F(StmtExecutorTest, BeginConcurrentRunsAsAnImmediateTransaction) {
  ExecutionContext reader = Context(reader_.get(), Placement::kReader);
  for (const char* sql : {"BEGIN CONCURRENT", "begin concurrent transaction",
                          " /* c */ Begin\n\tConcurrent -- x\n"}) {
    EXPECT_EQ(EscalationOf(Run(reader, sql)), Kind::kToOwnConnection) << sql;
  }
  ExecutionContext read_only = Context(reader_.get(), Placement::kReader, /*may_write=*/false);
  EXPECT_EQ(FailureStatus(Run(read_only, "BEGIN CONCURRENT")), 403) << "it takes the write lock";

  FakeGrant grant(true);
  ExecutionContext own = Context(own_.get(), Placement::kOwn);
  own.write_grant = &grant;
  Result(Run(own, "BEGIN CONCURRENT TRANSACTION"));
  EXPECT_EQ(grant.acquires, 1) << "at BEGIN";
  EXPECT_FALSE(own_->autocommit());
  EXPECT_FALSE(shared_->Exec("BEGIN IMMEDIATE").ok()) << "another connection took the write lock";
  Result(Run(own, "INSERT INTO t(v) VALUES ('c')"));
  Result(Run(own, "COMMIT"));
  EXPECT_EQ(CountT(), 1);
  // The rest of the text is SQLite's to judge, as after any BEGIN.
  EXPECT_EQ(ErrorCode(Run(own, "BEGIN CONCURRENT garbage")), "SQL_PARSE_ERROR");
  EXPECT_EQ(ErrorCode(Run(own, "BEGIN CONCURRENT; SELECT 1")), "SQL_MANY_STATEMENTS");
  EXPECT_TRUE(own_->autocommit());
}

TEST_F(StmtExecutorTest, OnItsOwnConnectionAWriteWithoutTheGrantFailsBusyWithoutEffect) {
  FakeGrant grant(false);
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  context.write_grant = &grant;
  EXPECT_EQ(ErrorCode(Run(context, "INSERT INTO t(v) VALUES ('a')")), "SQLITE_BUSY");
  EXPECT_EQ(ErrorCode(Run(context, "PRAGMA user_version = 4")), "SQLITE_BUSY");
  EXPECT_EQ(CountT(), 0);
  EXPECT_EQ(Int(*shared_, "PRAGMA user_version"), 0);
}

TEST_F(StmtExecutorTest, OnItsOwnConnectionAReadOnlyTransactionRefusesWrites) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Result(Run(context, "BEGIN TRANSACTION READONLY"));
  EXPECT_TRUE(context.state.read_only_transaction);
  for (const char* sql :
       {"INSERT INTO t(v) VALUES ('a')", "CREATE TABLE other(x)", "PRAGMA user_version = 9"}) {
    EXPECT_EQ(ErrorCode(Run(context, sql)), "SQLITE_READONLY") << sql;
  }
  Result(Run(context, "SELECT count(*) FROM t"));
  Result(Run(context, "COMMIT"));
  EXPECT_FALSE(context.state.read_only_transaction);
  Result(Run(context, "INSERT INTO t(v) VALUES ('a')"));
  EXPECT_EQ(CountT(), 1);
  EXPECT_EQ(Int(*shared_, "PRAGMA user_version"), 0);
}

TEST_F(StmtExecutorTest, OnItsOwnConnectionStateIsKeptAndReported) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Result(Run(context, "SELECT 1"));
  Result(Run(context, "INSERT INTO t(v) VALUES ('a')"));
  Result(Run(context, "BEGIN"));
  Result(Run(context, "COMMIT"));
  EXPECT_FALSE(context.session_state_changed);
  for (const char* sql :
       {"CREATE TEMP TABLE scratch(x)", "PRAGMA foreign_keys = OFF", "ATTACH '' AS aux"}) {
    ExecutionContext fresh = Context(own_.get(), Placement::kOwn);
    Result(Run(fresh, sql));
    EXPECT_TRUE(fresh.session_state_changed) << sql;
  }
  EXPECT_EQ(Int(*own_, "PRAGMA foreign_keys"), 0);
  EXPECT_EQ(Int(*own_, "SELECT count(*) FROM temp.sqlite_master WHERE name = 'scratch'"), 1);
  EXPECT_EQ(Int(*shared_, "PRAGMA foreign_keys"), 1);
}

// --- the session values follow the stream's state across connections ---

TEST_F(StmtExecutorTest, SessionValuesComeFromTheStreamsStateWhereverItRuns) {
  ExecutionContext write = Context(own_.get(), Placement::kOwn);
  Result(Run(write, "INSERT INTO t(v) VALUES ('a'), ('b')"));
  EXPECT_EQ(write.state.session, (sqlite::Session{2, 2, 2}));
  // Someone else's writes on the same connection change nothing for this stream.
  ASSERT_TRUE(own_->Exec("INSERT INTO t(v) VALUES ('c'), ('d'), ('e')").ok());

  ExecutionContext read = Context(reader_.get(), Placement::kReader);
  read.state = write.state;
  StmtResult result = Result(Run(read, "SELECT last_insert_rowid(), changes(), total_changes()"));
  EXPECT_EQ(Ints(result), (std::vector<int64_t>{2, 2, 2}));

  ExecutionContext fresh = Context(reader_.get(), Placement::kReader);
  result = Result(Run(fresh, "SELECT last_insert_rowid(), changes(), total_changes()"));
  EXPECT_EQ(Ints(result), (std::vector<int64_t>{0, 0, 0}));

  ExecutionContext own = Context(own_.get(), Placement::kOwn);
  own.state = read.state;
  Result(Run(own, "UPDATE t SET v = v || '!' WHERE id <= 3"));
  EXPECT_EQ(own.state.session, (sqlite::Session{2, 3, 5}));
}

// A cached statement whose table has gone fails in sqlite3_step, when SQLite prepares it again;
// it never ran, and SQLite leaves the connection's changes() as it was: as for a statement that
// fails to prepare, the stream's changes() stays its own, not the count someone else's statement
// left on the connection.
TEST_F(StmtExecutorTest, AStatementThatNoLongerPreparesLeavesTheStreamsChanges) {
  struct Case {
    const char* others;  // another stream's statement on the connection in between
    bool refresh;        // the connection reloads its schema first (the statement is expired)
  };
  for (const Case& c : {Case{"INSERT INTO t(v) VALUES ('a'), ('b'), ('c')", false},
                        Case{"DELETE FROM t WHERE id < 0", false},
                        Case{"INSERT INTO t(v) VALUES ('x'), ('y')", true}}) {
    SCOPED_TRACE(c.others);
    ASSERT_TRUE(shared_->Exec("CREATE TABLE gone(x)").ok());
    ExecutionContext stream = Context(own_.get(), Placement::kOwn);
    stream.state.session = {5, 7, 9};
    Result(Run(stream, "INSERT INTO gone(x) VALUES (1)"));  // now in the connection's cache
    sqlite::Session before = stream.state.session;
    EXPECT_EQ(before.changes, 1);
    ExecutionContext other = Context(own_.get(), Placement::kOwn);
    Result(Run(other, c.others));
    ASSERT_TRUE(shared_->Exec("DROP TABLE gone").ok());
    if (c.refresh) {
      ASSERT_TRUE(own_->RefreshSchema().ok());
    }
    StmtOutcome outcome = Run(stream, "INSERT INTO gone(x) VALUES (1)");
    ASSERT_TRUE(std::holds_alternative<Error>(outcome)) << Describe(outcome);
    EXPECT_NE(std::get<Error>(outcome).message.find("no such table: gone"), std::string::npos);
    EXPECT_EQ(stream.state.session, before);
    StmtResult read = Result(Run(stream, "SELECT changes(), total_changes(), last_insert_rowid()"));
    EXPECT_EQ(Ints(read), (std::vector<int64_t>{before.changes, before.total_changes,
                                                before.last_insert_rowid}));
    // A statement that ran and failed sets changes() to 0, as SQLite does.
    Result(Run(stream, "INSERT INTO t(v) VALUES ('unique')"));
    EXPECT_EQ(ErrorCode(Run(stream, "INSERT INTO t(v) VALUES ('unique')")), "SQLITE_CONSTRAINT");
    EXPECT_EQ(stream.state.session.changes, 0);
    ASSERT_TRUE(shared_->Exec("DELETE FROM t").ok());
  }
}

// A cached statement that fails as SQLite prepares it again ran nothing, yet SQLite rolls the
// connection back as for a failed statement, which ends `PRAGMA defer_foreign_keys = ON`: the
// stream's setting stays on, as on a connection that prepared the statement afresh.
TEST_F(StmtExecutorTest, AStatementThatNoLongerPreparesLeavesDeferredForeignKeysOn) {
  ASSERT_TRUE(shared_->Exec("CREATE TABLE kid(pid INTEGER REFERENCES parent(id))").ok());
  ASSERT_TRUE(shared_->Exec("CREATE TABLE gone(x)").ok());
  ExecutionContext stream = Context(own_.get(), Placement::kOwn);
  Result(Run(stream, "SELECT * FROM gone"));  // now in the connection's cache
  Result(Run(stream, "PRAGMA defer_foreign_keys = ON"));
  ASSERT_TRUE(shared_->Exec("DROP TABLE gone").ok());
  EXPECT_NE(Describe(Run(stream, "SELECT * FROM gone")).find("no such table"), std::string::npos);
  EXPECT_EQ(Ints(Result(Run(stream, "PRAGMA defer_foreign_keys"))), (std::vector<int64_t>{1}));
  Result(Run(stream, "BEGIN"));
  Result(Run(stream, "INSERT INTO kid(pid) VALUES (42)"));  // deferred: checked at COMMIT
  EXPECT_EQ(ErrorCode(Run(stream, "COMMIT")), "SQLITE_CONSTRAINT");
  Result(Run(stream, "ROLLBACK"));
}

TEST_F(StmtExecutorTest, AWithClauseInsertCountsAsAnInsert) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  context.state.session = {9, 9, 9};
  StmtResult result =
      Result(Run(context, "WITH x(v) AS (VALUES ('a'), ('b')) INSERT INTO t(v) SELECT v FROM x"));
  EXPECT_EQ(result.affected_row_count, 2u);
  EXPECT_EQ(result.last_insert_rowid, 2);
  EXPECT_EQ(context.state.session, (sqlite::Session{2, 2, 11}));
  result = Result(Run(context, "WITH x AS (SELECT 1) DELETE FROM t WHERE id = 1"));
  EXPECT_EQ(result.affected_row_count, 1u);
  EXPECT_EQ(context.state.session.changes, 1);
}

// --- results ---

TEST_F(StmtExecutorTest, OnlyWritesReportAffectedRowsAndRowids) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  StmtResult insert = Result(Run(context, "INSERT INTO t(v) VALUES ('a'), ('b')"));
  EXPECT_EQ(insert.replication_index, 77u) << "outside a group the index is known at once";
  EXPECT_EQ(insert.affected_row_count, 2u);
  EXPECT_EQ(insert.rows_written, 2u);
  EXPECT_EQ(insert.last_insert_rowid, 2);
  StmtResult select = Result(Run(context, "SELECT * FROM t"));
  EXPECT_EQ(select.affected_row_count, 0u) << "a SELECT does not echo the INSERT's count";
  EXPECT_FALSE(select.last_insert_rowid);
  EXPECT_EQ(select.rows.size(), 2u);
  ASSERT_EQ(select.cols.size(), 2u);
  EXPECT_EQ(select.cols[1].name, "v");
  EXPECT_EQ(select.cols[1].decltype_name, "TEXT");
  StmtResult create = Result(Run(context, "CREATE TABLE other(x)"));
  EXPECT_EQ(create.affected_row_count, 0u);
  EXPECT_FALSE(create.last_insert_rowid);
  StmtResult update = Result(Run(context, "UPDATE t SET v = v || '!'"));
  EXPECT_EQ(update.affected_row_count, 2u);
  EXPECT_FALSE(update.last_insert_rowid) << "an UPDATE inserts no row";
}

TEST_F(StmtExecutorTest, ReturningRowsComeWithTheirCounts) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  StmtResult result = Result(Run(context, "INSERT INTO t(v) VALUES ('a'), ('b') RETURNING id, v"));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[1][0], Value(int64_t{2}));
  EXPECT_EQ(result.rows[1][1], Value(std::string("b")));
  EXPECT_EQ(result.affected_row_count, 2u);
  EXPECT_EQ(result.last_insert_rowid, 2);
  result = Result(Run(context, "DELETE FROM t WHERE id = 1 RETURNING v"));
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.affected_row_count, 1u);
}

TEST_F(StmtExecutorTest, WantRowsFalseStillRunsTheStatement) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  Stmt stmt;
  stmt.sql = "INSERT INTO t(v) VALUES ('a'), ('b') RETURNING id";
  stmt.want_rows = false;
  StmtResult result = Result(ExecuteStmt(context, stmt));
  EXPECT_TRUE(result.rows.empty());
  EXPECT_EQ(result.affected_row_count, 2u);
  EXPECT_EQ(CountT(), 2);
}

TEST_F(StmtExecutorTest, ATooLargeResultFailsTheStatement) {
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  context.response_budget = 100;
  EXPECT_EQ(ErrorCode(Run(context, "SELECT zeroblob(50) UNION ALL SELECT zeroblob(60)")),
            "RESPONSE_TOO_LARGE");
  context.response_budget = 100;
  Result(Run(context, "SELECT zeroblob(50) UNION ALL SELECT zeroblob(40)"));
}

TEST_F(StmtExecutorTest, TextThatIsNotOneStatementIsAnError) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(ErrorCode(Run(context, "SELECT 1; SELECT 2")), "SQL_MANY_STATEMENTS");
  EXPECT_EQ(ErrorCode(Run(context, "  -- nothing\n")), "SQL_NO_STATEMENT");
  EXPECT_EQ(ErrorCode(Run(context, "SELEC 1")), "SQL_PARSE_ERROR");
  // A trailing semicolon and comment are not a second statement.
  Result(Run(context, "SELECT 1; -- done"));
}

TEST_F(StmtExecutorTest, ArgumentsBindByPositionOrName) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  EXPECT_EQ(Ints(Result(Run(context, "SELECT ?, ?", {Value(int64_t{1}), Value(int64_t{2})}))),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Ints(Result(Run(context, "SELECT ?2, ?1", {Value(int64_t{1}), Value(int64_t{2})}))),
            (std::vector<int64_t>{2, 1}));
  Stmt named;
  named.sql = "SELECT :a, @b, $c";
  named.named_args = {
      {":a", Value(int64_t{1})}, {"b", Value(int64_t{2})}, {"$c", Value(int64_t{3})}};
  EXPECT_EQ(Ints(Result(ExecuteStmt(context, named))), (std::vector<int64_t>{1, 2, 3}));

  EXPECT_EQ(ErrorCode(Run(context, "SELECT ?", {Value(int64_t{1}), Value(int64_t{2})})),
            "ARGS_INVALID");
  EXPECT_EQ(ErrorCode(Run(context, "SELECT ?, ?", {Value(int64_t{1})})), "ARGS_INVALID");
  Stmt both;
  both.sql = "SELECT ?, :a";
  both.args = {Value(int64_t{1})};
  both.named_args = {{"a", Value(int64_t{2})}};
  EXPECT_EQ(ErrorCode(ExecuteStmt(context, both)), "ARGS_BOTH_POSITIONAL_AND_NAMED");
  Stmt missing;
  missing.sql = "SELECT :a";
  missing.named_args = {{"b", Value(int64_t{2})}};
  EXPECT_EQ(ErrorCode(ExecuteStmt(context, missing)), "ARGS_INVALID");
}

// As sqld binds them (libsql-server query.rs, Params::bind): a parameter takes the argument named
// as it is written, else the one named without its prefix (as @tursodatabase/serverless sends
// them); sqld collects the arguments into a map, so of several with one name the last counts, and
// counts once.
TEST_F(StmtExecutorTest, NamedArgumentsBindAsOnSqld) {
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  Stmt bare;
  bare.sql = "SELECT :v, @v, $v, :w";
  bare.named_args = {{"v", Value(int64_t{1})}, {":w", Value(int64_t{2})}};
  EXPECT_EQ(Ints(Result(ExecuteStmt(context, bare))), (std::vector<int64_t>{1, 1, 1, 2}));

  Stmt as_written_first;
  as_written_first.sql = "SELECT :v, @v";
  as_written_first.named_args = {{":v", Value(int64_t{1})}, {"v", Value(int64_t{2})}};
  EXPECT_EQ(Ints(Result(ExecuteStmt(context, as_written_first))), (std::vector<int64_t>{1, 2}));

  Stmt other_prefix;  // only the parameter's own prefix, or none, names it
  other_prefix.sql = "SELECT @v";
  other_prefix.named_args = {{":v", Value(int64_t{1})}};
  EXPECT_EQ(ErrorCode(ExecuteStmt(context, other_prefix)), "ARGS_INVALID");

  Stmt repeated;
  repeated.sql = "SELECT :v";
  repeated.named_args = {{"v", Value(int64_t{1})}, {"v", Value(int64_t{2})}};
  EXPECT_EQ(Ints(Result(ExecuteStmt(context, repeated))), (std::vector<int64_t>{2}));
  repeated.named_args.push_back({"w", Value(int64_t{3})});
  EXPECT_EQ(ErrorCode(ExecuteStmt(context, repeated)), "ARGS_INVALID") << "two names for one";
}

TEST_F(StmtExecutorTest, StoredSqlIsFoundByIdAndBadReferencesFailTheRequest) {
  ASSERT_FALSE(store_.Store(3, "SELECT 42"));
  ExecutionContext context = Context(reader_.get(), Placement::kReader);
  Stmt by_id;
  by_id.sql_id = 3;
  EXPECT_EQ(Ints(Result(ExecuteStmt(context, by_id))), (std::vector<int64_t>{42}));
  Stmt unknown;
  unknown.sql_id = 4;
  EXPECT_EQ(FailureStatus(ExecuteStmt(context, unknown)), 400);
  Stmt both;
  both.sql = "SELECT 1";
  both.sql_id = 3;
  EXPECT_EQ(FailureStatus(ExecuteStmt(context, both)), 400);
  EXPECT_EQ(FailureStatus(ExecuteStmt(context, Stmt{})), 400);
}

TEST_F(StmtExecutorTest, AFailedStatementIsAnErrorWithSQLitesCodes) {
  ASSERT_TRUE(shared_->Exec("INSERT INTO t(id, v) VALUES (1, 'a')").ok());
  ExecutionContext context = Context(own_.get(), Placement::kOwn);
  StmtOutcome outcome = Run(context, "INSERT INTO t(id, v) VALUES (1, 'b')");
  auto* error = std::get_if<Error>(&outcome);
  ASSERT_NE(error, nullptr) << Describe(outcome);
  EXPECT_EQ(error->code, "SQLITE_CONSTRAINT");
  EXPECT_EQ(error->sqlite_extended_code, SQLITE_CONSTRAINT_PRIMARYKEY);
}

}  // namespace
}  // namespace edgelite::hrana
