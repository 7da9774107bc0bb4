// A LogEntries stream as the listener drives it and a replica reads it: what the log holds, then
// each commit as it lands (no commit missed, however it races the stream's wait), batches of whole
// transactions read only when the listener asks, and the endings replicas act on: OK after a long
// idle wait (they call again), UNAVAILABLE when the server stops, NEED_SNAPSHOT when the log no
// longer holds the stream's position, INTERNAL when it fails; an abandoned stream lets go of the
// log at once. The log is an in-memory fake.
#include "server/replication/log_entries_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "protocol/grpc_web_framing.h"
#include "protocol/wire_frame.h"
#include "unit/server/replication/fake_frame_source.h"

namespace edgelite::replication {
namespace {

namespace asio = boost::asio;
using server::GrpcCode;
using server::GrpcStatus;
using server::StreamedBody;
using std::chrono::milliseconds;
using test::FakeFrameSource;

// How long a stream that should be waiting is watched.
constexpr milliseconds kQuietWatch(50);

// The listener's side: one Next at a time, run on an io_context of its own.
class Listener {
 public:
  explicit Listener(std::shared_ptr<LogEntriesStream> stream) : stream_(std::move(stream)) {}
  ~Listener() {
    if (!waiting_) return;
    stream_->Abandon();  // lets a Next that waits for a commit go
    Take(milliseconds(5000));
  }

  // The next piece, or nullopt when none comes within `wait` (the stream waits for a commit; it is
  // then still asked, and the next Take gets its piece).
  std::optional<StreamedBody::Piece> Take(milliseconds wait = milliseconds(5000)) {
    if (!waiting_) {
      waiting_ = true;
      asio::co_spawn(io_, Ask(), asio::detached);
    }
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (!piece_ && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_until(deadline);
    }
    return std::exchange(piece_, std::nullopt);
  }

 private:
  asio::awaitable<void> Ask() {
    StreamedBody::Piece piece = co_await stream_->Next();
    waiting_ = false;
    piece_ = std::move(piece);
  }

  std::shared_ptr<LogEntriesStream> stream_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  bool waiting_ = false;
  std::optional<StreamedBody::Piece> piece_;
};

// What a replica reads from pieces: the frames, and the status once the trailers come.
struct Received {
  std::vector<LogFrame> frames;
  std::optional<GrpcStatus> ending;
};

Received Read(const StreamedBody::Piece& piece) {
  protocol::GrpcWebResponseReader reader;
  reader.Feed(piece.data);
  Received received;
  for (const std::string& message : reader.TakeMessages()) {
    wal_log::Frame wire;
    EXPECT_TRUE(wire.ParseFromString(message));
    auto frame = DecodeWireFrame(wire.data());
    EXPECT_TRUE(frame.ok()) << frame.status().message();
    if (frame.ok()) received.frames.push_back(*frame);
  }
  EXPECT_FALSE(reader.has_partial_frame()) << "a piece ended inside a gRPC-web frame";
  received.ending = reader.ending();
  return received;
}

// Frame numbers from..to, each exactly once and in order, ending on a commit frame.
void ExpectFrames(const Received& received, uint64_t from, uint64_t to) {
  ASSERT_EQ(received.frames.size(), to - from + 1);
  for (size_t i = 0; i < received.frames.size(); ++i) {
    EXPECT_EQ(received.frames[i].frame_no, from + i);
  }
  EXPECT_TRUE(received.frames.back().is_commit()) << "a piece ended inside a transaction";
}

std::shared_ptr<LogEntriesStream> OpenAt(
    FakeFrameSource& source, uint64_t from,
    milliseconds idle_renewal = LogEntriesStream::kIdleRenewal) {
  auto opened = LogEntriesStream::Open(source, from, "a test replica", idle_renewal);
  auto* stream = std::get_if<std::shared_ptr<LogEntriesStream>>(&opened);
  EXPECT_TRUE(stream) << std::get<GrpcStatus>(opened).message;
  return stream ? *stream : nullptr;
}

TEST(LogEntriesStreamTest, SendsWhatTheLogHoldsThenEachCommitAsItLands) {
  FakeFrameSource source;
  source.Commit(2);
  source.Commit(1);
  Listener listener(OpenAt(source, 0));

  auto first = listener.Take();
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->end);
  ExpectFrames(Read(*first), 0, 2);
  EXPECT_FALSE(listener.Take(kQuietWatch)) << "the stream sent something with nothing committed";

  source.Commit(3);
  auto next = listener.Take();
  ASSERT_TRUE(next) << "a commit did not wake the stream";
  ExpectFrames(Read(*next), 3, 5);
  source.Commit(1);
  source.Commit(2);
  auto later = listener.Take();
  ASSERT_TRUE(later);
  ExpectFrames(Read(*later), 6, 8);
}

TEST(LogEntriesStreamTest, UpToDateReplicaGetsTheResponseHeadAtOnce) {
  FakeFrameSource source;
  source.Commit(3);
  Listener listener(OpenAt(source, 3));
  auto head = listener.Take();
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->data.empty());
  EXPECT_FALSE(head->end);
  EXPECT_FALSE(listener.Take(kQuietWatch));
  source.Commit(1);
  auto next = listener.Take();
  ASSERT_TRUE(next);
  ExpectFrames(Read(*next), 3, 3);
}

TEST(LogEntriesStreamTest, ReadsOneBatchOfWholeTransactionsPerPieceAsked) {
  FakeFrameSource source;
  for (int i = 0; i < 100; ++i) source.Commit(10);
  Listener listener(OpenAt(source, 0));
  size_t reads_at_open = source.reads_;
  uint64_t next = 0;
  for (int piece_no = 1; next < 1000; ++piece_no) {
    auto piece = listener.Take();
    ASSERT_TRUE(piece);
    Received received = Read(*piece);
    ASSERT_FALSE(received.frames.empty());
    // The first transaction that reaches the batch size completes the batch.
    EXPECT_LE(received.frames.size(), LogEntriesStream::kFramesPerRead + 9);
    ExpectFrames(received, next, next + received.frames.size() - 1);
    next += received.frames.size();
    EXPECT_LE(source.reads_, reads_at_open + size_t(piece_no) - 1)
        << "the stream read ahead of what the listener asked for";
  }
}

TEST(LogEntriesStreamTest, TransactionLargerThanABatchIsSentWhole) {
  FakeFrameSource source;
  source.Commit(300);
  Listener listener(OpenAt(source, 0));
  auto piece = listener.Take();
  ASSERT_TRUE(piece);
  ExpectFrames(Read(*piece), 0, 299);
}

TEST(LogEntriesStreamTest, CommitLandingAsTheStreamStartsWaitingIsNotMissed) {
  FakeFrameSource source;
  source.Commit(1);
  Listener listener(OpenAt(source, 1));
  ASSERT_TRUE(listener.Take());  // the head
  // The read finds nothing, then the commit is told before the stream waits.
  source.after_next_read_ = [&source] { source.Commit(2); };
  auto piece = listener.Take(milliseconds(2000));
  ASSERT_TRUE(piece) << "a commit between the stream's read and its wait was lost";
  ExpectFrames(Read(*piece), 1, 2);
}

TEST(LogEntriesStreamTest, IdleStreamEndsInOrderForTheReplicaToCallAgain) {
  FakeFrameSource source;
  source.Commit(1);
  constexpr milliseconds kRenewal(300);
  Listener listener(OpenAt(source, 1, kRenewal));
  ASSERT_TRUE(listener.Take());  // the head
  // Commits keep it going however long it lasts in all.
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(kRenewal / 2);
    source.Commit(1);
    auto piece = listener.Take();
    ASSERT_TRUE(piece);
    ExpectFrames(Read(*piece), 1 + i, 1 + i);
  }
  auto waited_from = std::chrono::steady_clock::now();
  auto ending = listener.Take();
  ASSERT_TRUE(ending) << "an idle stream stayed silent";
  EXPECT_GE(std::chrono::steady_clock::now() - waited_from, kRenewal / 2);
  Received received = Read(*ending);
  EXPECT_TRUE(received.frames.empty());
  EXPECT_EQ(received.ending, GrpcStatus{});
  auto end = listener.Take();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->end);
  EXPECT_FALSE(end->failure);
}

TEST(LogEntriesStreamTest, StoppingEndsAWaitingStreamWithUnavailable) {
  FakeFrameSource source;
  source.Commit(2);
  auto stream = OpenAt(source, 0);
  Listener listener(stream);
  ASSERT_TRUE(listener.Take());
  EXPECT_FALSE(listener.Take(kQuietWatch));
  stream->Stop();
  auto ending = listener.Take();
  ASSERT_TRUE(ending) << "stopping did not wake the stream";
  Received received = Read(*ending);
  EXPECT_TRUE(received.frames.empty());
  EXPECT_EQ(received.ending, (GrpcStatus{GrpcCode::kUnavailable, "the server is shutting down"}));
  auto end = listener.Take();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->end);
  EXPECT_FALSE(end->failure);
}

TEST(LogEntriesStreamTest, StoppingSendsTheBatchInFlightFirst) {
  FakeFrameSource source;
  source.Commit(2);
  auto stream = OpenAt(source, 0);
  stream->Stop();
  Listener listener(stream);
  auto batch = listener.Take();
  ASSERT_TRUE(batch);
  ExpectFrames(Read(*batch), 0, 1);
  auto ending = listener.Take();
  ASSERT_TRUE(ending);
  EXPECT_EQ(Read(*ending).ending->code, GrpcCode::kUnavailable);
}

TEST(LogEntriesStreamTest, AbandonedStreamEndsAtOnceAndLetsGoOfTheLog) {
  FakeFrameSource source;
  source.Commit(2);
  auto stream = OpenAt(source, 0);
  EXPECT_EQ(source.subscribers(), 1u);
  {
    Listener listener(stream);
    ASSERT_TRUE(listener.Take());
    EXPECT_FALSE(listener.Take(kQuietWatch));
    stream->Abandon();
    auto end = listener.Take();
    ASSERT_TRUE(end) << "abandoning did not wake the stream";
    EXPECT_TRUE(end->end);
    EXPECT_TRUE(end->failure) << "an abandoned stream must not look complete";
  }
  stream.reset();
  EXPECT_EQ(source.subscribers(), 0u) << "a stream that is gone still follows the log";
  source.Commit(1);  // nobody to tell
}

TEST(LogEntriesStreamTest, CompactionPastTheStreamEndsItWithNeedSnapshot) {
  FakeFrameSource source;
  source.Commit(2);
  Listener listener(OpenAt(source, 0));
  ASSERT_TRUE(listener.Take());
  source.Commit(2);
  source.Commit(2);
  source.CompactBefore(4);  // frames 2 and 3, which the stream sends next, are gone
  auto ending = listener.Take();
  ASSERT_TRUE(ending);
  Received received = Read(*ending);
  EXPECT_TRUE(received.frames.empty());
  EXPECT_EQ(received.ending, (GrpcStatus{GrpcCode::kFailedPrecondition, "NEED_SNAPSHOT"}));
  auto end = listener.Take();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->end);
}

TEST(LogEntriesStreamTest, ReadFailureEndsTheStreamWithInternal) {
  FakeFrameSource source;
  source.Commit(1);
  Listener listener(OpenAt(source, 0));
  ASSERT_TRUE(listener.Take());
  source.fail_reads_ = true;
  source.Commit(1);
  auto ending = listener.Take();
  ASSERT_TRUE(ending);
  EXPECT_EQ(Read(*ending).ending, (GrpcStatus{GrpcCode::kInternal, "disk on fire"}));
}

TEST(LogEntriesStreamTest, FailuresAtTheStartAreTheCallsStatus) {
  FakeFrameSource source;
  source.Commit(2);
  source.Commit(2);
  source.CompactBefore(2);
  auto compacted = LogEntriesStream::Open(source, 0, "a test replica");
  EXPECT_EQ(std::get<GrpcStatus>(compacted),
            (GrpcStatus{GrpcCode::kFailedPrecondition, "NEED_SNAPSHOT"}));
  source.fail_reads_ = true;
  auto broken = LogEntriesStream::Open(source, 2, "a test replica");
  EXPECT_EQ(std::get<GrpcStatus>(broken), (GrpcStatus{GrpcCode::kInternal, "disk on fire"}));
  EXPECT_EQ(source.subscribers(), 0u);
}

}  // namespace
}  // namespace edgelite::replication
