// The registry holds Hrana HTTP streams between requests. A baton works exactly once and only for
// its stream, a stream is used by one request at a time, idle streams expire (a late baton then
// says so for a while), and an expired stream's transaction is rolled back when it is released.
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
    auto opened = registry.Open(database_.get());
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

  test::TestDatabase database_;
};

TEST_F(StreamRegistryTest, AStreamIsRegisteredWhenFirstCheckedIn) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  ASSERT_TRUE(stream);
  EXPECT_EQ(registry.size(), 0u) << "a stream used by one request only never registers";
  std::string baton = registry.CheckIn(stream);
  EXPECT_EQ(registry.size(), 1u);
  EXPECT_EQ(StreamOf(registry.CheckOut(baton)), stream);
  auto other = Open(registry);
  ASSERT_TRUE(other);
  EXPECT_NE(other->id, stream->id);
}

TEST_F(StreamRegistryTest, ABatonWorksOnceAndOnlyForItsStream) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string first = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(first)));
  std::string second = registry.CheckIn(stream);
  EXPECT_NE(first, second);
  EXPECT_EQ(ProblemOf(registry.CheckOut(first)), BatonProblem::kReused) << "an old baton replayed";
  EXPECT_EQ(StreamOf(registry.CheckOut(second)), stream);

  auto other = Open(registry);
  std::string others = registry.CheckIn(other);
  EXPECT_EQ(StreamOf(registry.CheckOut(others)), other);
}

TEST_F(StreamRegistryTest, AStreamServesOneRequestAtATime) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(baton)));
  EXPECT_EQ(ProblemOf(registry.CheckOut(baton)), BatonProblem::kReused)
      << "the same baton while its request still runs";
}

TEST_F(StreamRegistryTest, ForgedBatonsAreInvalid) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  EXPECT_EQ(ProblemOf(registry.CheckOut("")), BatonProblem::kInvalid);
  EXPECT_EQ(ProblemOf(registry.CheckOut("not a baton")), BatonProblem::kInvalid);
  std::string tampered = baton;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(ProblemOf(registry.CheckOut(tampered)), BatonProblem::kInvalid);
  // Another registry (another server start) made it: its key differs.
  StreamRegistry restarted(StreamLimits{});
  EXPECT_EQ(ProblemOf(restarted.CheckOut(baton)), BatonProblem::kInvalid);
  EXPECT_EQ(StreamOf(registry.CheckOut(baton)), stream) << "failed attempts do not burn the baton";
}

TEST_F(StreamRegistryTest, IdleStreamsExpireAndALateBatonSaysSoForAWhile) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  limits.expired_memory = 300s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  auto checked_in = stream->last_used;
  EXPECT_TRUE(registry.TakeExpired(checked_in + 10s - 1ms).empty());
  auto expired = registry.TakeExpired(checked_in + 10s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], stream);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(baton)), BatonProblem::kExpired);
  // Long after, the registry no longer remembers it.
  (void)registry.TakeExpired(checked_in + 10s + 301s);
  EXPECT_EQ(ProblemOf(registry.CheckOut(baton)), BatonProblem::kInvalid);
}

TEST_F(StreamRegistryTest, AStreamInUseNeverExpires) {
  StreamLimits limits;
  limits.idle_timeout = 10s;
  StreamRegistry registry(limits);
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(baton)));
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
  EXPECT_EQ(ProblemOf(registry.Open(database_.get())), BatonProblem::kTooManyStreams);
  registry.Forget(*first);
  EXPECT_TRUE(Open(registry));
}

TEST_F(StreamRegistryTest, AForgottenStreamsBatonIsInvalid) {
  StreamRegistry registry(StreamLimits{});
  auto stream = Open(registry);
  std::string baton = registry.CheckIn(stream);
  ASSERT_TRUE(StreamOf(registry.CheckOut(baton)));
  registry.Forget(*stream);
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(ProblemOf(registry.CheckOut(baton)), BatonProblem::kInvalid) << "closed, not expired";
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
  ASSERT_TRUE(StreamOf(registry.CheckOut(baton)));
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
  auto& result = std::get<hrana::ExecuteResponse>(
                     std::get<hrana::StreamResponse>(std::get<hrana::StreamResult>(count)))
                     .result;
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0][0], Value(int64_t{1}));
  ReleaseStream(*other);
}

}  // namespace
}  // namespace edgelite::server
