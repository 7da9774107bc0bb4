// The request runner decides where each stream request runs — a pooled reader, the writer's group
// commit, or a connection of the stream's own — so that every request behaves as if its stream had
// a connection to itself (sqld's model). These tests drive real streams on a real database and look
// only at what a client would see: results, errors, what other streams see, and which connection a
// stream holds afterwards. Requests wait on futures; where a request must be held up, the writer is
// kept busy with a job that waits on a latch.
#include "server/request_runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <vector>

#include "server/database.h"
#include "unit/server/test_database.h"

namespace edgelite::server {
namespace {

using namespace std::chrono_literals;
using Outcome = hrana::RequestOutcome;

constexpr auto kPatience = 10s;  // how long a request that should finish may take

hrana::StreamRequest Execute(std::string sql) {
  hrana::ExecuteRequest request;
  request.stmt.sql = std::move(sql);
  return request;
}

hrana::StreamRequest Batch(std::vector<std::string> steps) {
  hrana::BatchRequest request;
  for (std::string& sql : steps) {
    hrana::BatchStep step;
    step.stmt.sql = std::move(sql);
    request.batch.steps.push_back(std::move(step));
  }
  return request;
}

hrana::StreamRequest Sequence(std::string sql) {
  hrana::SequenceRequest request;
  request.sql = std::move(sql);
  return request;
}

std::string Describe(const Outcome& outcome) {
  if (auto* failure = std::get_if<hrana::RequestFailure>(&outcome)) {
    return "request failure " + std::to_string(failure->http_status) + ": " + failure->message;
  }
  if (std::holds_alternative<hrana::Escalation>(outcome)) return "an escalation";
  auto& result = std::get<hrana::StreamResult>(outcome);
  if (auto* error = std::get_if<hrana::Error>(&result))
    return "error " + error->code + ": " + error->message;
  return "a response";
}

// The result of an `execute`; a test failure for anything else.
hrana::StmtResult ResultOf(const Outcome& outcome) {
  if (auto* result = std::get_if<hrana::StreamResult>(&outcome)) {
    if (auto* response = std::get_if<hrana::StreamResponse>(result)) {
      if (auto* execute = std::get_if<hrana::ExecuteResponse>(response)) return execute->result;
    }
  }
  ADD_FAILURE() << "expected an execute result, got " << Describe(outcome);
  return {};
}

hrana::BatchResult BatchResultOf(const Outcome& outcome) {
  if (auto* result = std::get_if<hrana::StreamResult>(&outcome)) {
    if (auto* response = std::get_if<hrana::StreamResponse>(result)) {
      if (auto* batch = std::get_if<hrana::BatchResponse>(response)) return batch->result;
    }
  }
  ADD_FAILURE() << "expected a batch result, got " << Describe(outcome);
  return {};
}

// The statement error's code, or a description of what came instead.
std::string ErrorOf(const Outcome& outcome) {
  if (auto* result = std::get_if<hrana::StreamResult>(&outcome)) {
    if (auto* error = std::get_if<hrana::Error>(result)) return error->code;
  }
  return "(" + Describe(outcome) + ")";
}

std::string MessageOf(const Outcome& outcome) {
  if (auto* result = std::get_if<hrana::StreamResult>(&outcome)) {
    if (auto* error = std::get_if<hrana::Error>(result)) return error->message;
  }
  return "(" + Describe(outcome) + ")";
}

int StatusOf(const Outcome& outcome) {
  auto* failure = std::get_if<hrana::RequestFailure>(&outcome);
  return failure ? failure->http_status : 0;
}

std::vector<int64_t> IntsOf(const hrana::StmtResult& result) {
  std::vector<int64_t> values;
  if (result.rows.empty()) return values;
  for (const Value& value : result.rows[0]) {
    auto* number = std::get_if<int64_t>(&value);
    values.push_back(number ? *number : -999);
  }
  return values;
}

// 'r' ran and succeeded, 'e' ran and failed, '-' skipped.
std::string Shape(const hrana::BatchResult& result) {
  std::string shape;
  for (size_t i = 0; i < result.step_results.size(); ++i) {
    shape += result.step_results[i] ? 'r' : result.step_errors[i] ? 'e' : '-';
  }
  return shape;
}

// Keeps the writer thread busy until opened (or destroyed), so writes queue up behind it.
class WriterGate {
 public:
  explicit WriterGate(Writer& writer) : latch_(std::make_shared<std::latch>(1)) {
    auto started = std::make_shared<std::promise<void>>();
    WriteJob job;
    job.run = [latch = latch_, started](sqlite::Connection&, hrana::Placement) {
      started->set_value();
      latch->wait();
      return Outcome(hrana::StreamResult(hrana::StreamResponse(hrana::CloseResponse{})));
    };
    job.done = [](Outcome) {};
    writer.Submit(std::move(job));
    started->get_future().wait();
  }
  ~WriterGate() { Open(); }
  void Open() {
    if (!open_) latch_->count_down();
    open_ = true;
  }

 private:
  std::shared_ptr<std::latch> latch_;
  bool open_ = false;
};

class RequestRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(database_.get(), nullptr);
    Stream& setup = NewStream();
    Outcome created =
        Run(setup, Sequence("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT UNIQUE);"
                            "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
                            "CREATE TABLE child(parent_id INTEGER REFERENCES parent(id));"
                            "CREATE TABLE late_child(parent_id INTEGER REFERENCES "
                            "parent(id) DEFERRABLE INITIALLY DEFERRED)"));
    ASSERT_EQ(ErrorOf(created), "(a response)");
  }

  void TearDown() override {
    for (auto& stream : streams_) ReleaseStream(*stream);
  }

  Stream& NewStream() {
    streams_.push_back(std::make_unique<Stream>(next_id_++, database_.shared(), 50, 5 * 1024));
    return *streams_.back();
  }

  static RunSettings Settings(bool may_write = true) {
    RunSettings settings;
    settings.version = hrana::ProtocolVersion::kV3;
    settings.may_write = may_write;
    return settings;
  }

  // Starts a request; the future holds its outcome once `done` is called.
  std::future<Outcome> Start(Stream& stream, hrana::StreamRequest request,
                             RunSettings settings = Settings()) {
    auto owned = std::make_shared<hrana::StreamRequest>(std::move(request));
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    RunRequest(stream, *owned, settings,
               [owned, promise](Outcome outcome) { promise->set_value(std::move(outcome)); });
    return future;
  }

  Outcome Wait(std::future<Outcome>& future) {
    if (future.wait_for(kPatience) != std::future_status::ready) {
      ADD_FAILURE() << "the request never finished";
      return hrana::RequestFailure{0, "never finished"};
    }
    return future.get();
  }

  Outcome Run(Stream& stream, hrana::StreamRequest request, RunSettings settings = Settings()) {
    auto future = Start(stream, std::move(request), settings);
    return Wait(future);
  }

  // Runs `sql` and returns its first row's integers.
  std::vector<int64_t> Ints(Stream& stream, std::string sql, RunSettings settings = Settings()) {
    return IntsOf(ResultOf(Run(stream, Execute(std::move(sql)), settings)));
  }
  int64_t Int(Stream& stream, std::string sql) {
    auto values = Ints(stream, std::move(sql));
    return values.empty() ? -1 : values[0];
  }
  int64_t Count(const std::string& where = "1") {
    return Int(NewStream(), "SELECT count(*) FROM t WHERE " + where);
  }

  test::TestDatabase database_;
  std::vector<std::unique_ptr<Stream>> streams_;  // after the database: destroyed first
  uint64_t next_id_ = 1;
};

// --- reads and writes of streams without a connection ---

TEST_F(RequestRunnerTest, AReadRunsOnAPooledReaderAndLeavesTheStreamUnpinned) {
  Stream& stream = NewStream();
  WriterGate gate(database_->writer());
  // The writer is busy: the read can only finish if it runs on a reader.
  auto read = Start(stream, Execute("SELECT count(*) FROM t"));
  ASSERT_EQ(read.wait_for(kPatience), std::future_status::ready)
      << "the read waited for the writer";
  EXPECT_EQ(IntsOf(ResultOf(read.get())), (std::vector<int64_t>{0}));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_FALSE(stream.connection);
}

TEST_F(RequestRunnerTest, WritesOfSeveralStreamsAreGroupCommittedByTheWriter) {
  Stream& first = NewStream();
  Stream& second = NewStream();
  WriterGate gate(database_->writer());
  auto one = Start(first, Execute("INSERT INTO t(v) VALUES ('one')"));
  auto two = Start(second, Execute("INSERT INTO t(v) VALUES ('two')"));
  EXPECT_NE(one.wait_for(0s), std::future_status::ready) << "a write finished without the writer";
  gate.Open();
  hrana::StmtResult a = ResultOf(Wait(one));
  hrana::StmtResult b = ResultOf(Wait(two));
  EXPECT_EQ(a.affected_row_count, 1u);
  EXPECT_EQ(a.last_insert_rowid, 1);
  EXPECT_EQ(b.last_insert_rowid, 2);
  ASSERT_TRUE(a.replication_index && b.replication_index);
  EXPECT_EQ(*a.replication_index, *b.replication_index) << "both should share one commit";
  EXPECT_EQ(first.pin, Stream::Pin::kNone);
  EXPECT_EQ(second.pin, Stream::Pin::kNone);
  EXPECT_EQ(Count(), 2);
}

TEST_F(RequestRunnerTest, AStreamReadsItsOwnWriteAtOnce) {
  Stream& stream = NewStream();
  for (int i = 0; i < 5; ++i) {
    ResultOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('" + std::to_string(i) + "')")));
    EXPECT_EQ(Int(stream, "SELECT count(*) FROM t"), i + 1);
  }
}

// --- connections of a stream's own ---

TEST_F(RequestRunnerTest, TransactionsAndStateGiveTheStreamAConnectionOfItsOwn) {
  struct Case {
    const char* sql;
    bool holds_state;  // the connection stays the stream's for good
  };
  for (Case c :
       {Case{"BEGIN", false}, Case{"BEGIN IMMEDIATE", false}, Case{"SAVEPOINT s", false},
        Case{"CREATE TEMP TABLE scratch(x)", true}, Case{"PRAGMA foreign_keys = OFF", true},
        Case{"ATTACH '' AS aux", true}, Case{"PRAGMA recursive_triggers = ON", true}}) {
    Stream& stream = NewStream();
    ResultOf(Run(stream, Execute(c.sql)));
    EXPECT_EQ(stream.pin, Stream::Pin::kOwn) << c.sql;
    ASSERT_TRUE(stream.connection) << c.sql;
    EXPECT_TRUE(stream.connection.get()->takes_client_state()) << c.sql;
    EXPECT_EQ(stream.holds_state, c.holds_state) << c.sql;
    EXPECT_EQ(stream.in_transaction(), !c.holds_state) << c.sql;
    ReleaseStream(stream);
  }
}

TEST_F(RequestRunnerTest, AStreamsStateIsInvisibleToOtherStreams) {
  Stream& owner = NewStream();
  ResultOf(Run(owner, Execute("PRAGMA foreign_keys = OFF")));
  ResultOf(Run(owner, Execute("PRAGMA recursive_triggers = ON")));
  ResultOf(Run(owner, Execute("CREATE TEMP TABLE scratch(x)")));
  ResultOf(Run(owner, Execute("INSERT INTO scratch VALUES (1)")));
  ResultOf(Run(owner, Execute("ATTACH '' AS aux")));
  ResultOf(Run(owner, Execute("CREATE TABLE aux.side(y)")));

  // Another stream, on the pooled readers (the one the owner's requests first tried included).
  Stream& other = NewStream();
  EXPECT_EQ(Int(other, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(other, "PRAGMA recursive_triggers"), 0);
  EXPECT_NE(MessageOf(Run(other, Execute("SELECT * FROM scratch"))).find("no such table"),
            std::string::npos);
  EXPECT_EQ(Int(other, "SELECT count(*) FROM pragma_database_list WHERE name = 'aux'"), 0);
  // ... and on the writer: a batch that writes runs there whole.
  hrana::BatchResult on_writer = BatchResultOf(Run(
      other,
      Batch({"INSERT INTO t(v) VALUES ('w')", "SELECT count(*) FROM temp.sqlite_master",
             "PRAGMA foreign_keys", "SELECT count(*) FROM pragma_database_list WHERE name = 'aux'",
             "PRAGMA recursive_triggers"})));
  ASSERT_EQ(Shape(on_writer), "rrrrr");
  EXPECT_EQ(IntsOf(*on_writer.step_results[1]), (std::vector<int64_t>{0})) << "TEMP on the writer";
  EXPECT_EQ(IntsOf(*on_writer.step_results[2]), (std::vector<int64_t>{1}));
  EXPECT_EQ(IntsOf(*on_writer.step_results[3]), (std::vector<int64_t>{0}));
  EXPECT_EQ(IntsOf(*on_writer.step_results[4]), (std::vector<int64_t>{0}));
  EXPECT_EQ(other.pin, Stream::Pin::kNone);
  // The writer still enforces foreign keys for everyone else.
  EXPECT_EQ(ErrorOf(Run(other, Execute("INSERT INTO child VALUES (42)"))), "SQLITE_CONSTRAINT");

  // The owner keeps all of it.
  EXPECT_EQ(Int(owner, "SELECT count(*) FROM scratch"), 1);
  EXPECT_EQ(Int(owner, "PRAGMA foreign_keys"), 0);
  EXPECT_EQ(Int(owner, "SELECT count(*) FROM aux.side"), 0);
  ResultOf(Run(owner, Execute("INSERT INTO child VALUES (42)")));
}

TEST_F(RequestRunnerTest, ATransactionOnlyConnectionGoesBackToThePoolAfterCommit) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("BEGIN")));
  ASSERT_EQ(stream.pin, Stream::Pin::kOwn);
  ResultOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('x')")));
  EXPECT_TRUE(stream.in_transaction());
  EXPECT_TRUE(stream.write_grant.held());
  EXPECT_EQ(Count("v = 'x'"), 0) << "not committed yet";
  ResultOf(Run(stream, Execute("COMMIT")));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_FALSE(stream.connection);
  EXPECT_FALSE(stream.holds_state);
  EXPECT_FALSE(stream.write_grant.held());
  EXPECT_EQ(Count("v = 'x'"), 1);
  // Pooled, not closed: the next taker gets the connection that made the insert.
  auto lease = database_->own_connections().Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(sqlite3_total_changes64(lease->get()->handle()), 1);

  ResultOf(Run(stream, Execute("BEGIN")));
  ResultOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('y')")));
  ResultOf(Run(stream, Execute("ROLLBACK")));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_EQ(Count("v = 'y'"), 0);
}

TEST_F(RequestRunnerTest, AStatefulConnectionStaysForTheStreamsLifeAndIsNeverPooled) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("PRAGMA foreign_keys = OFF")));
  ResultOf(Run(stream, Execute("CREATE TEMP TABLE scratch(x)")));
  sqlite::Connection* own = stream.connection.get();
  ResultOf(Run(stream, Execute("BEGIN")));
  ResultOf(Run(stream, Execute("INSERT INTO child VALUES (7)")));
  ResultOf(Run(stream, Execute("COMMIT")));
  EXPECT_EQ(stream.pin, Stream::Pin::kOwn) << "the connection holds the stream's state";
  EXPECT_EQ(stream.connection.get(), own);
  EXPECT_TRUE(stream.holds_state);
  EXPECT_FALSE(stream.write_grant.held());
  EXPECT_EQ(Int(stream, "PRAGMA foreign_keys"), 0);

  ReleaseStream(stream);
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_FALSE(stream.connection);
  // The next stream to take an own connection (from the pool, newest first) gets a clean one.
  Stream& next = NewStream();
  ResultOf(Run(next, Execute("BEGIN")));
  EXPECT_EQ(Int(next, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(Int(next, "SELECT count(*) FROM temp.sqlite_master"), 0);
  ResultOf(Run(next, Execute("ROLLBACK")));
  for (int i = 0; i < 4; ++i) {
    Stream& reader = NewStream();
    EXPECT_EQ(Int(reader, "PRAGMA foreign_keys"), 1);
  }
}

TEST_F(RequestRunnerTest, StateCreatedInsideATransactionKeepsTheConnectionAfterIt) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("BEGIN")));
  ResultOf(Run(stream, Execute("CREATE TEMP TABLE scratch(x)")));
  ResultOf(Run(stream, Execute("INSERT INTO scratch VALUES (1)")));
  ResultOf(Run(stream, Execute("COMMIT")));
  EXPECT_EQ(stream.pin, Stream::Pin::kOwn);
  EXPECT_TRUE(stream.holds_state);
  EXPECT_EQ(Int(stream, "SELECT count(*) FROM scratch"), 1);
}

TEST_F(RequestRunnerTest, ARequestThatWroteOnTheWriterAndThenMovesWritesOnce) {
  Stream& stream = NewStream();
  hrana::BatchResult result = BatchResultOf(
      Run(stream, Batch({"INSERT INTO t(v) VALUES ('once')", "CREATE TEMP TABLE scratch(x)",
                         "INSERT INTO scratch VALUES (1)"})));
  EXPECT_EQ(Shape(result), "rrr");
  EXPECT_EQ(Count("v = 'once'"), 1);
  EXPECT_EQ(stream.pin, Stream::Pin::kOwn);
  EXPECT_EQ(Int(stream, "SELECT count(*) FROM scratch"), 1);

  Stream& sequence = NewStream();
  ASSERT_EQ(ErrorOf(Run(sequence, Sequence("INSERT INTO t(v) VALUES ('seq'); "
                                           "CREATE TEMP TABLE s(x); INSERT INTO s VALUES (1)"))),
            "(a response)");
  EXPECT_EQ(Count("v = 'seq'"), 1);
  EXPECT_EQ(Int(sequence, "SELECT count(*) FROM s"), 1);
}

TEST_F(RequestRunnerTest, ADatabaseSettingIsWrittenForEveryoneWithoutPinningTheStream) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("PRAGMA user_version = 5")));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_FALSE(stream.holds_state);
  Stream& other = NewStream();
  EXPECT_EQ(Int(other, "PRAGMA user_version"), 5);
}

TEST_F(RequestRunnerTest, DescribingASettingMovesTheStreamAndLeavesOthersAlone) {
  Stream& stream = NewStream();
  hrana::DescribeRequest describe;
  describe.sql = "PRAGMA foreign_keys = OFF";
  Outcome outcome = Run(stream, describe);
  ASSERT_EQ(ErrorOf(outcome), "(a response)");
  EXPECT_EQ(stream.pin, Stream::Pin::kOwn);
  EXPECT_TRUE(stream.holds_state);
  EXPECT_EQ(Int(NewStream(), "PRAGMA foreign_keys"), 1);
}

// --- read-only transactions and callers who may not write ---

TEST_F(RequestRunnerTest, AReadOnlyCallersTransactionStaysOnAPinnedReader) {
  RunSettings read_only = Settings(/*may_write=*/false);
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("BEGIN"), read_only));
  EXPECT_EQ(stream.pin, Stream::Pin::kReader);
  ASSERT_TRUE(stream.connection);
  EXPECT_FALSE(stream.connection.get()->takes_client_state());
  EXPECT_EQ(Ints(stream, "SELECT count(*) FROM t", read_only), (std::vector<int64_t>{0}));
  EXPECT_EQ(StatusOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('no')"), read_only)), 403);
  EXPECT_EQ(StatusOf(Run(stream, Execute("PRAGMA foreign_keys = OFF"), read_only)), 403);
  Outcome temp = Run(stream, Execute("CREATE TEMP TABLE scratch(x)"), read_only);
  EXPECT_TRUE(StatusOf(temp) == 403 || ErrorOf(temp) == "SQL_INPUT_ERROR") << Describe(temp);
  EXPECT_EQ(stream.pin, Stream::Pin::kReader);
  ResultOf(Run(stream, Execute("COMMIT"), read_only));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_FALSE(stream.connection);
  EXPECT_EQ(Count(), 0);
  EXPECT_EQ(Int(NewStream(), "PRAGMA foreign_keys"), 1);
}

TEST_F(RequestRunnerTest, AReadOnlyCallerMayInspectButNotSet) {
  RunSettings read_only = Settings(/*may_write=*/false);
  Stream& stream = NewStream();
  for (const char* sql :
       {"PRAGMA foreign_keys = OFF", "PRAGMA recursive_triggers = 1", "PRAGMA user_version = 3"}) {
    Outcome outcome = Run(stream, Execute(sql), read_only);
    EXPECT_EQ(StatusOf(outcome), 403) << sql << ": " << Describe(outcome);
  }
  hrana::StmtResult info = ResultOf(Run(stream, Execute("PRAGMA table_info(t)"), read_only));
  EXPECT_EQ(info.rows.size(), 2u);
  EXPECT_EQ(Ints(stream, "PRAGMA foreign_keys", read_only), (std::vector<int64_t>{1}));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  EXPECT_EQ(Int(NewStream(), "PRAGMA user_version"), 0);
}

TEST_F(RequestRunnerTest, BeginReadOnlyRefusesWritesOnAPinnedReader) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("BEGIN TRANSACTION READONLY")));
  EXPECT_EQ(stream.pin, Stream::Pin::kReader);
  for (const char* sql :
       {"INSERT INTO t(v) VALUES ('no')", "PRAGMA user_version = 1", "CREATE TABLE other(x)"}) {
    EXPECT_EQ(ErrorOf(Run(stream, Execute(sql))), "SQLITE_READONLY") << sql;
  }
  EXPECT_EQ(ErrorOf(Run(stream, Execute("PRAGMA foreign_keys = OFF"))), "SQL_INPUT_ERROR");
  ResultOf(Run(stream, Execute("COMMIT")));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  ResultOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('after')")));
  EXPECT_EQ(Count(), 1);
}

TEST_F(RequestRunnerTest, BeginReadOnlyRefusesWritesOnTheStreamsOwnConnection) {
  Stream& stream = NewStream();
  ResultOf(Run(stream, Execute("CREATE TEMP TABLE scratch(x)")));
  ASSERT_EQ(stream.pin, Stream::Pin::kOwn);
  ResultOf(Run(stream, Execute("BEGIN TRANSACTION READONLY")));
  EXPECT_EQ(ErrorOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('no')"))), "SQLITE_READONLY");
  EXPECT_EQ(ErrorOf(Run(stream, Execute("INSERT INTO scratch VALUES (1)"))), "SQLITE_READONLY");
  EXPECT_FALSE(stream.write_grant.held());
  ResultOf(Run(stream, Execute("ROLLBACK")));
  ResultOf(Run(stream, Execute("INSERT INTO t(v) VALUES ('after')")));
  EXPECT_EQ(Count(), 1);
}

TEST_F(RequestRunnerTest, BeginReadOnlyRefusesWritesWithinOneRequest) {
  Stream& stream = NewStream();
  hrana::BatchResult result = BatchResultOf(Run(
      stream, Batch({"BEGIN TRANSACTION READONLY", "INSERT INTO t(v) VALUES ('no')", "COMMIT"})));
  EXPECT_EQ(Shape(result), "rer");
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
  // The same once the request has moved to a connection of its own.
  Stream& moved = NewStream();
  result =
      BatchResultOf(Run(moved, Batch({"BEGIN TRANSACTION READONLY", "CREATE TEMP TABLE scratch(x)",
                                      "INSERT INTO t(v) VALUES ('no')", "ROLLBACK"})));
  EXPECT_EQ(Shape(result), "reer");
  EXPECT_EQ(Count(), 0);
}

// After a write that went to the writer, the same request may still open a transaction: it
// moves, and the transaction opens as it would on a connection of the stream's own.
TEST_F(RequestRunnerTest, ABatchMayWriteAndThenOpenATransaction) {
  for (const char* begin : {"BEGIN", "BEGIN TRANSACTION READONLY"}) {
    Stream& stream = NewStream();
    hrana::BatchResult result =
        BatchResultOf(Run(stream, Batch({"INSERT INTO t(v) VALUES ('" + std::string(begin) + "')",
                                         begin, "SELECT count(*) FROM t", "COMMIT"})));
    EXPECT_EQ(Shape(result), "rrrr") << begin;
    for (size_t i = 0; i < result.step_errors.size(); ++i) {
      if (result.step_errors[i])
        ADD_FAILURE() << begin << ": step " << i << ": " << result.step_errors[i]->message;
    }
    EXPECT_EQ(Count("v = '" + std::string(begin) + "'"), 1) << begin;
    EXPECT_FALSE(stream.in_transaction());
  }
}

// --- the stream's session values ---

TEST_F(RequestRunnerTest, SessionValuesFollowTheStreamAcrossReaderWriterAndOwnConnection) {
  const std::string probe = "SELECT last_insert_rowid(), changes(), total_changes()";
  Stream& a = NewStream();
  Stream& b = NewStream();
  ResultOf(Run(a, Execute("INSERT INTO t(v) VALUES ('a1')")));          // writer
  ResultOf(Run(b, Execute("INSERT INTO t(v) VALUES ('b1'), ('b2')")));  // writer
  EXPECT_EQ(Ints(a, probe), (std::vector<int64_t>{1, 1, 1}));           // reader
  EXPECT_EQ(Ints(b, probe), (std::vector<int64_t>{3, 2, 2}));
  ResultOf(Run(a, Execute("CREATE TEMP TABLE scratch(x)")));  // own from now on
  EXPECT_EQ(Ints(a, probe), (std::vector<int64_t>{1, 1, 1}));
  ResultOf(Run(a, Execute("INSERT INTO t(v) VALUES ('a2')")));
  EXPECT_EQ(Ints(a, probe), (std::vector<int64_t>{4, 1, 2}));
  ResultOf(Run(a, Execute("UPDATE t SET v = v || '!' WHERE id <= 3")));
  EXPECT_EQ(Ints(a, probe), (std::vector<int64_t>{4, 3, 5}));
  EXPECT_EQ(Ints(NewStream(), probe), (std::vector<int64_t>{0, 0, 0}));
  // b through a transaction on an own connection and back to the pool.
  ResultOf(Run(b, Execute("BEGIN")));
  EXPECT_EQ(Ints(b, probe), (std::vector<int64_t>{3, 2, 2}));
  ResultOf(Run(b, Execute("INSERT INTO t(v) VALUES ('b3')")));
  ResultOf(Run(b, Execute("COMMIT")));
  ASSERT_EQ(b.pin, Stream::Pin::kNone);
  EXPECT_EQ(Ints(b, probe), (std::vector<int64_t>{5, 1, 3}));
  EXPECT_EQ(b.state.session, (sqlite::Session{5, 1, 3}));
}

TEST_F(RequestRunnerTest, ARequestRunAgainAfterItsGroupRolledBackCountsOnce) {
  ResultOf(Run(NewStream(), Execute("INSERT INTO t(id, v) VALUES (100, 'taken')")));
  Stream& a = NewStream();
  Stream& b = NewStream();
  WriterGate gate(database_->writer());
  auto first = Start(a, Execute("INSERT INTO t(v) VALUES ('a')"));
  auto rollback = Start(b, Execute("INSERT OR ROLLBACK INTO t(v) VALUES ('taken')"));
  gate.Open();
  hrana::StmtResult inserted = ResultOf(Wait(first));
  EXPECT_EQ(ErrorOf(Wait(rollback)), "SQLITE_CONSTRAINT");
  ASSERT_TRUE(inserted.last_insert_rowid);
  EXPECT_EQ(Ints(a, "SELECT last_insert_rowid(), changes(), total_changes()"),
            (std::vector<int64_t>{*inserted.last_insert_rowid, 1, 1}));
  EXPECT_EQ(Ints(b, "SELECT changes(), total_changes()"), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(Count("v = 'a'"), 1);
}

// --- the write grant ---

TEST_F(RequestRunnerTest, AStreamInAWriteTransactionHoldsTheGrantAndOtherWritersWait) {
  Stream& holder = NewStream();
  ResultOf(Run(holder, Execute("BEGIN")));
  EXPECT_FALSE(holder.write_grant.held()) << "a deferred BEGIN takes no write lock";
  ResultOf(Run(holder, Execute("INSERT INTO t(v) VALUES ('holder')")));
  EXPECT_TRUE(holder.write_grant.held());

  Stream& autocommit = NewStream();  // goes to the writer
  auto group_write = Start(autocommit, Execute("INSERT INTO t(v) VALUES ('group')"));
  Stream& transaction = NewStream();  // writes on its own connection
  ResultOf(Run(transaction, Execute("BEGIN")));
  auto own_write = Start(transaction, Execute("INSERT INTO t(v) VALUES ('own')"));
  // Reads go on meanwhile, and do not see the uncommitted row.
  EXPECT_EQ(Count(), 0);
  EXPECT_EQ(group_write.wait_for(50ms), std::future_status::timeout)
      << "a write ran while another stream held the grant";
  EXPECT_EQ(own_write.wait_for(0ms), std::future_status::timeout);

  ResultOf(Run(holder, Execute("COMMIT")));
  EXPECT_FALSE(holder.write_grant.held());
  hrana::StmtResult group = ResultOf(Wait(group_write));
  ResultOf(Wait(own_write));
  ResultOf(Run(transaction, Execute("COMMIT")));
  EXPECT_GT(group.last_insert_rowid.value_or(0), 1) << "it ran after the holder's row";
  EXPECT_EQ(Count(), 3);
}

// On SQLite alone, a deferred transaction's first write waits for the lock and then writes: it
// has read nothing yet, so no snapshot of its own can be out of date.
TEST_F(RequestRunnerTest, ADeferredTransactionsFirstWriteWaitsForTheGrantAndSucceeds) {
  Stream& holder = NewStream();
  ResultOf(Run(holder, Execute("BEGIN")));
  ResultOf(Run(holder, Execute("INSERT INTO t(v) VALUES ('holder')")));
  Stream& waiter = NewStream();
  ResultOf(Run(waiter, Execute("BEGIN")));
  auto write = Start(waiter, Execute("INSERT INTO t(v) VALUES ('waiter')"));
  ASSERT_EQ(write.wait_for(50ms), std::future_status::timeout) << "it did not wait for the grant";
  ResultOf(Run(holder, Execute("COMMIT")));
  ResultOf(Wait(write));
  ResultOf(Run(waiter, Execute("COMMIT")));
  EXPECT_EQ(Count(), 2);
}

// Turso's BEGIN CONCURRENT runs as BEGIN IMMEDIATE: it holds the grant from BEGIN on, so such
// transactions are serialized (the second waits at its BEGIN) and neither can fail on a conflict,
// though each reads before it writes.
TEST_F(RequestRunnerTest, ConcurrentTransactionsAreSerializedWithoutConflicts) {
  Stream& first = NewStream();
  ResultOf(Run(first, Execute("BEGIN CONCURRENT")));
  EXPECT_TRUE(first.write_grant.held()) << "at BEGIN";
  EXPECT_EQ(Int(first, "SELECT count(*) FROM t"), 0);
  Stream& second = NewStream();
  auto begin = Start(second, Execute("begin concurrent transaction"));
  ASSERT_EQ(begin.wait_for(50ms), std::future_status::timeout) << "it did not wait for the first";
  ResultOf(Run(first, Execute("INSERT INTO t(v) VALUES ('first')")));
  ResultOf(Run(first, Execute("COMMIT")));
  ResultOf(Wait(begin));
  EXPECT_EQ(Int(second, "SELECT count(*) FROM t"), 1) << "it began after the first committed";
  ResultOf(Run(second, Execute("INSERT INTO t(v) VALUES ('second')")));
  ResultOf(Run(second, Execute("COMMIT")));
  EXPECT_EQ(Count(), 2);
}

TEST_F(RequestRunnerTest, AReadTransactionDoesNotHoldUpOtherWriters) {
  Stream& reader = NewStream();
  ResultOf(Run(reader, Execute("BEGIN")));
  EXPECT_EQ(Int(reader, "SELECT count(*) FROM t"), 0);
  EXPECT_FALSE(reader.write_grant.held());
  Stream& writer = NewStream();
  ResultOf(Run(writer, Execute("INSERT INTO t(v) VALUES ('meanwhile')")));
  EXPECT_EQ(Int(reader, "SELECT count(*) FROM t"), 0) << "the transaction keeps its snapshot";
  ResultOf(Run(reader, Execute("COMMIT")));
  EXPECT_EQ(Int(reader, "SELECT count(*) FROM t"), 1);
}

TEST_F(RequestRunnerTest, ReleasingAStreamRollsBackItsTransactionAndFreesTheGrant) {
  Stream& holder = NewStream();
  ResultOf(Run(holder, Execute("BEGIN")));
  ResultOf(Run(holder, Execute("INSERT INTO t(v) VALUES ('gone')")));
  ASSERT_TRUE(holder.write_grant.held());
  auto waiting = Start(NewStream(), Execute("INSERT INTO t(v) VALUES ('kept')"));
  ReleaseStream(holder);
  EXPECT_FALSE(holder.write_grant.held());
  ResultOf(Wait(waiting));
  EXPECT_EQ(Count("v = 'gone'"), 0);
  EXPECT_EQ(Count("v = 'kept'"), 1);
}

// --- other requests ---

TEST_F(RequestRunnerTest, GetAutocommitFollowsTheStreamsTransaction) {
  Stream& stream = NewStream();
  auto autocommit = [&] {
    Outcome outcome = Run(stream, hrana::GetAutocommitRequest{});
    auto* result = std::get_if<hrana::StreamResult>(&outcome);
    auto* response = result ? std::get_if<hrana::StreamResponse>(result) : nullptr;
    auto* typed = response ? std::get_if<hrana::GetAutocommitResponse>(response) : nullptr;
    if (!typed) ADD_FAILURE() << Describe(outcome);
    return typed && typed->is_autocommit;
  };
  EXPECT_TRUE(autocommit());
  ResultOf(Run(stream, Execute("BEGIN")));
  EXPECT_FALSE(autocommit());
  ResultOf(Run(stream, Execute("COMMIT")));
  EXPECT_TRUE(autocommit());
  ResultOf(Run(stream, Execute("BEGIN TRANSACTION READONLY")));
  EXPECT_FALSE(autocommit());
  ResultOf(Run(stream, Execute("ROLLBACK")));
  EXPECT_TRUE(autocommit());
}

TEST_F(RequestRunnerTest, StoredSqlNeedsNoConnection) {
  Stream& stream = NewStream();
  WriterGate gate(database_->writer());
  Outcome stored = Run(stream, hrana::StoreSqlRequest{1, "SELECT 42"});
  ASSERT_EQ(ErrorOf(stored), "(a response)");
  hrana::ExecuteRequest by_id;
  by_id.stmt.sql_id = 1;
  EXPECT_EQ(IntsOf(ResultOf(Run(stream, by_id))), (std::vector<int64_t>{42}));
  EXPECT_EQ(stream.pin, Stream::Pin::kNone);
}

// Alone (sqld), the batch's first INSERT fails at its own commit on the deferred foreign key, and
// the transaction after it opens, writes and commits. The group sends the request to run alone;
// there the failed INSERT must not count as a committed write that stops BEGIN from moving.
TEST_F(RequestRunnerTest, ABatchWhoseFirstWriteFailsAtCommitCanStillOpenATransaction) {
  Stream& stream = NewStream();
  hrana::BatchResult result =
      BatchResultOf(Run(stream, Batch({"INSERT INTO late_child VALUES (999)", "BEGIN",
                                       "INSERT INTO t(v) VALUES ('in transaction')", "COMMIT"})));
  EXPECT_EQ(Shape(result), "errr");
  if (result.step_errors.size() > 1 && result.step_errors[1]) {
    ADD_FAILURE() << "BEGIN failed: " << result.step_errors[1]->message;
  }
  EXPECT_EQ(Count("v = 'in transaction'"), 1);
  EXPECT_FALSE(stream.in_transaction());
}

// Objects put in the TEMP schema by name are the client's state like any TEMP table: they must not
// land on the writer, where every later request would see them.
TEST_F(RequestRunnerTest, ATableNamedIntoTheTempSchemaStaysWithItsStream) {
  Stream& owner = NewStream();
  ResultOf(Run(owner, Execute("CREATE TABLE temp.scratch(x)")));
  EXPECT_EQ(owner.pin, Stream::Pin::kOwn);
  Stream& other = NewStream();
  hrana::BatchResult on_writer = BatchResultOf(Run(
      other, Batch({"INSERT INTO t(v) VALUES ('w')", "SELECT count(*) FROM temp.sqlite_master"})));
  ASSERT_EQ(Shape(on_writer), "rr");
  EXPECT_EQ(IntsOf(*on_writer.step_results[1]), (std::vector<int64_t>{0}))
      << "CREATE TABLE temp.scratch ran on the writer";
}

// These statements crash SQLite on a shared connection (see StatementFactsDeathTest): each runs in
// a child process, which exits 0 only if the server survived and behaved.
using RequestRunnerDeathTest = RequestRunnerTest;

TEST_F(RequestRunnerDeathTest, NoClientCanCrashTheServerWithATempWithoutRowidTable) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Stream& stream = NewStream();
        (void)Run(stream, Execute("CREATE TABLE temp.x(a PRIMARY KEY) WITHOUT ROWID"),
                  Settings(/*may_write=*/false));
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "")
      << "a read-only client crashed the server";
}

TEST_F(RequestRunnerDeathTest, ATempVirtualTableStaysWithItsStream) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Stream& owner = NewStream();
        Outcome created = Run(owner, Execute("CREATE VIRTUAL TABLE temp.docs USING fts5(body)"));
        if (ErrorOf(created) != "(a response)" || owner.pin != Stream::Pin::kOwn) std::_Exit(2);
        hrana::BatchResult on_writer = BatchResultOf(Run(
            NewStream(),
            Batch({"INSERT INTO t(v) VALUES ('w')", "SELECT count(*) FROM temp.sqlite_master"})));
        if (Shape(on_writer) != "rr" ||
            IntsOf(*on_writer.step_results[1]) != std::vector<int64_t>{0}) {
          std::_Exit(3);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "")
      << "crashed (signal), did not pin the stream to its own connection (2), or left the table "
         "on the writer (3)";
}

}  // namespace
}  // namespace edgelite::server
