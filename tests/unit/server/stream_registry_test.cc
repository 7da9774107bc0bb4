// The registry holds Hrana HTTP streams between requests. A baton works exactly once and only for
// its stream, a stream is used by one request at a time, idle streams expire (a late baton then
// says so for a while, or revives a stream that held no state), and an expired stream's
// transaction is rolled back when it is released.
#include "server/stream_registry.h"

#include <gtest/gtest.h>

#include <future>

#include "server/database.h"
#include "server/request_runner.h"
#include "unit/server/test_database.h"

namespace edgelite::server {
namespace {

using namespace std::chrono_literals;

class StreamRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(database_.get(), nullptr); }

  std::shared_ptr<Stream> Open(StreamRegistry& registry) {
    auto opened = registry.Open(database_.shared());
    auto* stream = std::get_if<std::shared_ptr<Stream>>(&opened);
    if (!stream) {
      ADD_FAILURE() << "Open refused: " << int(std::get<BatonProblem>(opened));
      return nullptr;
    }
    return *stream;
  }

  static std::optional<BatonProblem> ProblemOf(
      const std::variant<std::shared_ptr<Stream>, BatonProblem>& outcome) {
    if (auto* problem = std::get_if<BatonProblem>(&outcome)) return *problem;
    return std::nullopt;
  }
  static std::shared_ptr<Stream> StreamOf(
      const std::variant<std::shared_ptr<Stream>, BatonProblem>& outcome) {
    if (auto* stream = std::get_if<std::shared_ptr<Stream>>(&outcome)) return *stream;
    ADD_FAILURE() << "baton refused: " << int(std::get<BatonProblem>(outcome));
    return nullptr;
  }

  hrana::RequestOutcome Run(Stream& stream, std::string sql) {
    hrana::StreamRequest request = hrana::ExecuteRequest{};
    std::get<hrana::ExecuteRequest>(request).stmt.sql = std::move(sql);
    std::promise<hrana::RequestOutcome> promise;
    auto future = promise.get_future();
    RunRequest(stream, request, RunSettings{}, [&promise](hrana::RequestOutcome outcome) {
      promise.set_value(std::move(outcome));
    });
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }
  static bool Succeeded(const hrana::RequestOutcome& outcome) {
    auto* result = std::get_if<hrana::StreamResult>(&outcome);
    return result && std::holds_alternative<hrana::StreamResponse>(*result);
  }
  // The first value of the first row of an execute's result.
  static Value FirstValue(const hrana::RequestOutcome& outcome) {
    if (!Succeeded(outcome)) {
      ADD_FAILURE() << "the statement failed";
      return Null{};
    }
    auto& result = std::get<hrana::ExecuteResponse>(
                       std::get<hrana::StreamResponse>(std::get<hrana::StreamResult>(outcome)))
                       .result;
    if (result.rows.empty() || result.rows[0].empty()) return Null{};
    return result.rows[0][0];
  }

  test::TestDatabase database_;
};

TEST_F(StreamRegistryTest, AStreamIsRegisteredWhenFirstCheckedIn) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  ASSERT_TRUE(stream);
  EXPECT_EQ(registry.size(), 0u) << "a stream used by one request only never registers";
  std::string baton = registry.CheckIn(stream);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(StreamOf(registry.CheckOut(database_.shared(), baton)), stream);
  auto other = Open(registry);
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, stream->id);
}

TEST_F(StreamRegistryTest, ABatonWorksOnceAndOnlyForItsStream) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string first = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), first)));
  std::string second = registry.CheckIn(stream);
  EXPECT_NE(first, second);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), first)), BatonProblem::kReused)
      << "an old baton replayed";
  EXPECT_EQ(StreamOf(registry.CheckOut(database_.shared(), second)), stream);

  auto other = Open(registry);
  std::string others = registry.CheckIn(other);
  EXPECT_EQ(StreamOf(registry.CheckOut(database_.shared(), others)), other);
}

TEST_F(StreamRegistryTest, AStreamServesOneRequestAtATime) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)));
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kReused)
      << "the same baton while its request still runs";
}

TEST_F(StreamRegistryTest, ForgedBatonsAreInvalid) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), "")), BatonProblem::kInvalid);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), "not a baton")), BatonProblem::kInvalid);
  std::string tampered = baton;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), tampered)), BatonProblem::kInvalid);
  // Another registry (another server start) made it: its key differs.
  StreamRegistry restarted(StreamLimits{});
  EXPECT_EQ(ProblemOf(restarted.CheckOut(database_.shared(), baton)), BatonProblem::kInvalid);
  EXPECT_EQ(StreamOf(registry.CheckOut(database_.shared(), baton)), stream)
      << "failed attempts do not burn the baton";
}

TEST_F(StreamRegistryTest, IdleStreamsExpireAndALateBatonSaysSoForAWhile) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 300s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  ASSERT_FALSE(stream->sql_store.Store(1, "SELECT 1"));  // state that expiry loses
  std::string baton = registry.CheckIn(stream);
  auto checked_in = stream->last_used;
  EXPECT_TRUE(registry.TakeExpired(checked_in + 10s - 1ms).empty());
  auto expired = registry.TakeExpired(checked_in + 10s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], stream);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kExpired);
  // Long after, the registry no longer remembers it.
  (void)registry.TakeExpired(checked_in + 10s + 301s);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kInvalid);
}

TEST_F(StreamRegistryTest, AStreamInUseNeverExpires) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)));
  EXPECT_TRUE(registry.TakeExpired(std::chrono::steady_clock::now() + 1h).empty());
  registry.CheckIn(stream);
  EXPECT_EQ(registry.TakeExpired(stream->last_used + 10s).size(), 1u);
}

TEST_F(StreamRegistryTest, TheNumberOfStreamsIsLimited) {
  StreamLimits limits;
  limits.max_streams = 2;
  StreamRegistry registry(limits);
  auto first = Open(registry);
  registry.CheckIn(first);
  registry.CheckIn(Open(registry));
  EXPECT_EQ(ProblemOf(registry.Open(database_.shared())), BatonProblem::kTooManyStreams);
  registry.Forget(*first);
  EXPECT_TRUE(Open(registry));
}

TEST_F(StreamRegistryTest, AForgottenStreamsBatonIsInvalid) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)));
  registry.Forget(*stream);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kInvalid)
      << "closed, not expired";
  auto never_registered = Open(registry);
  registry.Forget(*never_registered);  // a no-op
  EXPECT_EQ(registry.size(), 0u);
}

TEST_F(StreamRegistryTest, TakeAllReturnsTheIdleStreamsAndEmptiesTheRegistry) {
  StreamRegistry registry(StreamLimits{});
  auto idle = Open(registry);
  auto busy = Open(registry);
  registry.CheckIn(idle);
  std::string baton = registry.CheckIn(busy);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)));
  auto all = registry.TakeAll();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], idle);
  EXPECT_EQ(registry.size(), 0u);
}

TEST_F(StreamRegistryTest, AnExpiredStreamsTransactionIsRolledBackAndItsGrantFreed) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*stream, "CREATE TABLE t(x)")));
  ASSERT_TRUE(Succeeded(Run(*stream, "BEGIN")));
  ASSERT_TRUE(Succeeded(Run(*stream, "INSERT INTO t VALUES (1)")));
  ASSERT_TRUE(stream->write_grant.held());
  registry.CheckIn(stream);
  for (auto& expired : registry.TakeExpired(stream->last_used + 10s)) ReleaseStream(*expired);
  EXPECT_FALSE(stream->write_grant.held());
  EXPECT_EQ(stream->pin, Stream::Pin::kNone);
  // Other streams write at once and do not see the rolled-back row.
  auto other = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*other, "INSERT INTO t VALUES (2)")));
  hrana::RequestOutcome count = Run(*other, "SELECT count(*) FROM t");
  ASSERT_TRUE(Succeeded(count));
  EXPECT_EQ(FirstValue(count), Value(int64_t{1}));
  ReleaseStream(*other);
}

// @tursodatabase/serverless keeps one baton for a connection's whole life: after an idle pause, a
// stream that held nothing but its session values carries on with them.
TEST_F(StreamRegistryTest, AStatelessStreamsLateBatonRevivesIt) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 300s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*stream, "CREATE TABLE t(x)")));
  ASSERT_TRUE(Succeeded(Run(*stream, "INSERT INTO t VALUES (7), (8)")));
  ASSERT_TRUE(stream->stateless());
  std::string first = registry.CheckIn(stream);
  ASSERT_EQ(registry.TakeExpired(stream->last_used + 10s).size(), 1u);
  EXPECT_EQ(registry.size(), 0u);

  auto revived = StreamOf(registry.CheckOut(database_.shared(), first));
  ASSERT_TRUE(revived);
  EXPECT_EQ(revived->id, stream->id);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(FirstValue(Run(*revived, "SELECT last_insert_rowid()")), Value(int64_t{2}));
  EXPECT_EQ(FirstValue(Run(*revived, "SELECT changes()")), Value(int64_t{2}));
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), first)), BatonProblem::kReused)
      << "while it runs";
  std::string second = registry.CheckIn(revived);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), first)), BatonProblem::kReused)
      << "replayed";

  // It expires again like any stream; while remembered, only its newest baton revives it.
  ASSERT_EQ(registry.TakeExpired(revived->last_used + 10s).size(), 1u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), first)), BatonProblem::kExpired);
  auto again = StreamOf(registry.CheckOut(database_.shared(), second));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, stream->id);
  registry.CheckIn(again);
}

// An API server's connection idle overnight: the registry has long forgotten the stream, and its
// baton alone revives it, session values included.
TEST_F(StreamRegistryTest, AStatelessStreamsBatonRevivesItAfterTheRegistryForgotIt) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 1s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*stream, "CREATE TABLE t(x)")));
  ASSERT_TRUE(Succeeded(Run(*stream, "INSERT INTO t VALUES (7), (8), (9)")));
  std::string baton = registry.CheckIn(stream);
  auto expired_at = stream->last_used + 10s;
  ASSERT_EQ(registry.TakeExpired(expired_at).size(), 1u);
  (void)registry.TakeExpired(expired_at + 2s);  // forgets it

  auto revived = StreamOf(registry.CheckOut(database_.shared(), baton));
  ASSERT_TRUE(revived);
  EXPECT_EQ(revived->id, stream->id);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(FirstValue(Run(*revived, "SELECT last_insert_rowid()")), Value(int64_t{3}));
  EXPECT_EQ(FirstValue(Run(*revived, "SELECT total_changes()")), Value(int64_t{3}));
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kReused)
      << "single-use again while it runs";
  std::string next = registry.CheckIn(revived);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kReused);
  EXPECT_TRUE(StreamOf(registry.CheckOut(database_.shared(), next)));
}

// Only expiry is forgiven, and only of a stream that lost nothing by it.
TEST_F(StreamRegistryTest, AStreamThatHeldStateOrWasClosedIsNotRevived) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  StreamRegistry registry(limits);
  auto in_transaction = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*in_transaction, "BEGIN")));
  auto with_sql = Open(registry);
  ASSERT_FALSE(with_sql->sql_store.Store(1, "SELECT 1"));
  auto with_temp_table = Open(registry);
  ASSERT_TRUE(Succeeded(Run(*with_temp_table, "CREATE TEMP TABLE scratch(x)")));
  auto timed_out = Open(registry);
  timed_out->state.transaction_timed_out = true;  // its client has yet to end the transaction
  for (const auto& stream : {in_transaction, with_sql, with_temp_table, timed_out}) {
    EXPECT_FALSE(stream->stateless());
    std::string baton = registry.CheckIn(stream);
    for (auto& expired : registry.TakeExpired(stream->last_used + 10s)) ReleaseStream(*expired);
    EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kExpired);
  }

  auto closed = Open(registry);
  std::string baton = registry.CheckIn(closed);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)));
  registry.Forget(*closed);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kInvalid);
}

// Its client believes it is inside a transaction: carrying on in autocommit mode would be wrong,
// however late the baton comes back.
TEST_F(StreamRegistryTest, AStatefulStreamsBatonFailsAfterTheRegistryForgotIt) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 1s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string before = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), before)));
  ASSERT_TRUE(Succeeded(Run(*stream, "BEGIN")));
  std::string baton = registry.CheckIn(stream);
  auto expired_at = stream->last_used + 10s;
  for (auto& expired : registry.TakeExpired(expired_at)) ReleaseStream(*expired);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kExpired);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), before)), BatonProblem::kExpired)
      << "an older baton, from before the transaction, while the stream is remembered";
  (void)registry.TakeExpired(expired_at + 2s);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kInvalid);
  EXPECT_EQ(registry.size(), 0u);
}

// A closed stream's batons fail while it is remembered, even one issued while it held nothing.
TEST_F(StreamRegistryTest, AClosedStreamsStatelessBatonFailsWhileRemembered) {
  StreamLimits limits;
  limits.expired_memory = 300s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string stateless = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), stateless)));
  ASSERT_TRUE(Succeeded(Run(*stream, "BEGIN")));
  std::string in_transaction = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(database_.shared(), in_transaction)));
  ReleaseStream(*stream);
  registry.Forget(*stream);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), stateless)), BatonProblem::kInvalid);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), in_transaction)), BatonProblem::kInvalid);
  EXPECT_EQ(registry.size(), 0u);
}

// A baton works only on the database its stream belongs to, registered, remembered or forgotten.
TEST_F(StreamRegistryTest, ABatonForAnotherDatabaseIsInvalid) {
  // One that has the same name (a dropped database's name taken again), and one that has not.
  auto open = [this](std::string name) {
    DatabaseOptions options;
    options.name = std::move(name);
    options.directory = database_->file().parent_path() / ("other-" + options.name);
    auto opened = Database::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    return opened.ok() ? std::move(opened).value() : nullptr;
  };
  std::shared_ptr<Database> same_name = open("default");
  std::shared_ptr<Database> other_name = open("other");
  ASSERT_TRUE(same_name && other_name);

  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 1s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  EXPECT_EQ(ProblemOf(registry.CheckOut(same_name, baton)), BatonProblem::kInvalid);
  EXPECT_EQ(ProblemOf(registry.CheckOut(other_name, baton)), BatonProblem::kInvalid);

  auto expired_at = stream->last_used + 10s;
  ASSERT_EQ(registry.TakeExpired(expired_at).size(), 1u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(same_name, baton)), BatonProblem::kInvalid);
  EXPECT_EQ(ProblemOf(registry.CheckOut(other_name, baton)), BatonProblem::kInvalid);

  (void)registry.TakeExpired(expired_at + 2s);
  EXPECT_EQ(ProblemOf(registry.CheckOut(other_name, baton)), BatonProblem::kInvalid);
  EXPECT_EQ(registry.size(), 0u);
  auto revived = StreamOf(registry.CheckOut(database_.shared(), baton));
  ASSERT_TRUE(revived) << "the refusals did not use the baton up";
  EXPECT_EQ(revived->database, database_.shared());
}

// Reviving opens a stream again, within the same limit.
TEST_F(StreamRegistryTest, ARevivalCountsAgainstTheLimitAndWaitsForRoom) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.max_streams = 1;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_EQ(registry.TakeExpired(stream->last_used + 10s).size(), 1u);
  auto other = Open(registry);
  registry.CheckIn(other);
  EXPECT_EQ(ProblemOf(registry.CheckOut(database_.shared(), baton)), BatonProblem::kTooManyStreams);
  registry.Forget(*other);
  EXPECT_TRUE(StreamOf(registry.CheckOut(database_.shared(), baton)))
      << "the refusal did not use the baton up";
}

}  // namespace
}  // namespace edgelite::server
