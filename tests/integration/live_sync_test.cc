// Live sync on the real server: a replica's LogEntries stream stays open and receives what the log
// holds, then every commit written through Hrana HTTP as it lands, in order and in whole
// transactions, without calling again. The server side of a stream costs no thread (hundreds of
// idle replicas add none) and no memory beyond a batch (a replica that stops reading while 50 MB
// are written holds the server back instead of growing it); a replica that goes is let go at once;
// shutdown ends open streams with UNAVAILABLE and exits promptly; a call that starts below the
// log's compaction point still gets sqld's trailers-only NEED_SNAPSHOT. The commit-to-wire latency
// is measured and printed (not asserted).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "integration/log_entries_client.h"
#include "integration/server_test.h"

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::GrpcCode;
using protocol::GrpcStatus;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The frame a statement's commit ended with (the Hrana result's replication_index).
uint64_t CommitIndex(const boost::json::value& json) {
  return std::stoull(TextAt(json, "/results/0/response/result/replication_index"));
}

uint64_t Write(uint16_t port, const std::string& sql) {
  return CommitIndex(ExecuteAlone(port, sql));
}

// Frames `from`..`to`, each once and in order, the last one a commit: whole transactions.
void ExpectWholeTransactions(const std::vector<StreamedFrame>& frames, uint64_t from, uint64_t to) {
  ASSERT_EQ(frames.size(), to - from + 1) << "frames " << from << ".." << to;
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i].frame_no, from + i) << "a frame is missing, repeated or out of order";
  }
  EXPECT_TRUE(frames.back().commit) << "the stream stopped inside a transaction";
}

Handshake Hello(uint16_t port) {
  Result<Handshake> hello = SayHello(port);
  EXPECT_TRUE(hello.ok()) << hello.status().message();
  return hello.ok() ? *hello : Handshake{};
}

// A stream whose response head has arrived (a failure is a test failure, and null).
std::unique_ptr<LogEntriesStreamClient> OpenStream(uint16_t port, const Handshake& hello,
                                                   uint64_t next_offset, int receive_buffer = 0) {
  auto stream =
      LogEntriesStreamClient::Open(port, hello.session_token, next_offset, receive_buffer);
  EXPECT_TRUE(stream.ok()) << stream.status().message();
  if (!stream.ok()) return nullptr;
  Result<HttpResponse> head = (*stream)->ReadHead(seconds(10));
  EXPECT_TRUE(head.ok()) << "no response head while the replica is up to date: "
                         << head.status().message();
  if (!head.ok()) return nullptr;
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-type"), "application/grpc-web+proto");
  EXPECT_EQ(head->Header("transfer-encoding"), "chunked");
  return std::move(stream).value();
}

uint64_t Tip(const Handshake& hello) {
  return hello.current_replication_index.value_or(0);
}

// Waits for a log line that holds every one of `parts`; how long it took, or nullopt.
std::optional<milliseconds> AwaitLogLine(const ServerProcess& server, size_t log_offset,
                                         const std::vector<std::string>& parts,
                                         milliseconds timeout) {
  auto start = Clock::now();
  while (Clock::now() - start < timeout) {
    for (const std::string& line : LogLinesSince(server, log_offset)) {
      if (std::all_of(parts.begin(), parts.end(),
                      [&](const std::string& part) { return line.find(part) != line.npos; })) {
        return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      }
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return std::nullopt;
}

class LiveSyncTest : public SharedServerTest<LiveSyncTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    ExecuteAlone(port(), "CREATE TABLE IF NOT EXISTS live(id INTEGER PRIMARY KEY, v BLOB)");
  }
};

TEST_F(LiveSyncTest, StreamSendsTheLogThenEachCommitAsItLands) {
  Handshake hello = Hello(port());
  uint64_t tip = Tip(hello);
  auto stream = OpenStream(port(), hello, 0);
  ASSERT_TRUE(stream);
  auto existing = stream->ReadThrough(tip);
  ASSERT_TRUE(existing.ok()) << existing.status().message();
  ExpectWholeTransactions(*existing, 0, tip);

  uint64_t next = tip + 1;
  for (int i = 0; i < 20; ++i) {
    uint64_t index = Write(port(), "INSERT INTO live(v) VALUES (randomblob(100))");
    auto frames = stream->ReadThrough(index, seconds(10));
    ASSERT_TRUE(frames.ok()) << "commit " << i << ": " << frames.status().message();
    ExpectWholeTransactions(*frames, next, index);
    next = index + 1;
  }
  // A transaction of many pages arrives whole, its commit frame last.
  HttpResponse batch = Post(
      port(), "/v2/pipeline",
      PipelineBody({ExecuteJson("BEGIN"),
                    ExecuteJson("INSERT INTO live(v) SELECT randomblob(3000) FROM "
                                "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                "WHERE i < 40) SELECT i FROM n)"),
                    ExecuteJson("COMMIT"), R"({"type":"close"})"}));
  uint64_t index =
      std::stoull(TextAt(ParseJson(batch.body), "/results/2/response/result/replication_index"));
  auto frames = stream->ReadThrough(index, seconds(10));
  ASSERT_TRUE(frames.ok()) << frames.status().message();
  ExpectWholeTransactions(*frames, next, index);
  EXPECT_GT(frames->size(), 20u);
  EXPECT_EQ(std::count_if(frames->begin(), frames->end(), [](auto& f) { return f.commit; }), 1);
  EXPECT_TRUE(stream->StaysQuiet(milliseconds(100))) << "the stream sent something unasked";
}

TEST_F(LiveSyncTest, ReplicaThatLeavesIsLetGoAtOnce) {
  for (bool reset : {false, true}) {
    SCOPED_TRACE(reset ? "reset" : "closed");
    Handshake hello = Hello(port());
    uint64_t from = Tip(hello) + 1;
    size_t log_offset = server().ReadLog().size();
    auto stream = OpenStream(port(), hello, from);
    ASSERT_TRUE(stream);
    EXPECT_TRUE(stream->StaysQuiet(milliseconds(100)));
    // Idle at the end of the log, the stream writes nothing that could fail: only watching the
    // connection tells the server that its replica left.
    stream->Close(reset);
    auto noticed = AwaitLogLine(
        server(), log_offset,
        {"LogEntries stream", "from frame " + std::to_string(from), "client left"}, seconds(5));
    ASSERT_TRUE(noticed) << "the server kept the stream of a replica that left";
    EXPECT_LT(*noticed, seconds(2));
  }
  // A replica that comes back streams as before.
  Handshake hello = Hello(port());
  auto stream = OpenStream(port(), hello, Tip(hello) + 1);
  ASSERT_TRUE(stream);
  uint64_t index = Write(port(), "INSERT INTO live(v) VALUES (1)");
  auto frames = stream->ReadThrough(index, seconds(10));
  ASSERT_TRUE(frames.ok()) << frames.status().message();
  ExpectWholeTransactions(*frames, Tip(hello) + 1, index);
}

// p50 and p99 of `samples` in microseconds.
std::pair<int64_t, int64_t> Percentiles(std::vector<int64_t> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) { return samples[size_t(q * double(samples.size() - 1))]; };
  return {at(0.50), at(0.99)};
}

// Not asserted: printed for the record. "Acknowledged" is when the writer's HTTP response has
// been read; the frames usually arrive first (the commit wakes the streams before the writer
// answers), which shows as a negative figure.
TEST_F(LiveSyncTest, CommitToWireLatency) {
  Handshake hello = Hello(port());
  auto stream = OpenStream(port(), hello, Tip(hello) + 1);
  ASSERT_TRUE(stream);
  constexpr int kCommits = 300;
  struct Times {
    Clock::time_point sent, acknowledged;
  };
  std::mutex mutex;
  std::map<uint64_t, Times> commits;  // by commit frame
  std::map<uint64_t, Clock::time_point> arrivals;
  std::atomic<bool> done{false};
  // The replica reads as frames come, and notes when each commit frame arrived.
  std::thread reader([&] {
    while (!done) {
      auto frames = stream->ReadAvailable(milliseconds(50));
      if (!frames.ok()) {
        ADD_FAILURE() << frames.status().message();
        return;
      }
      std::lock_guard lock(mutex);
      for (const StreamedFrame& frame : *frames) {
        if (frame.commit) arrivals[frame.frame_no] = frame.arrived;
      }
    }
  });
  Result<HttpConnection> writer = HttpConnection::Open(port());
  ASSERT_TRUE(writer.ok());
  std::string body = PipelineBody({ExecuteJson("INSERT INTO live(v) VALUES (randomblob(50))")});
  for (int i = 0; i < kCommits; ++i) {
    Times times;
    times.sent = Clock::now();
    Result<HttpResponse> response = writer->Request("POST", "/v2/pipeline", body);
    times.acknowledged = Clock::now();
    if (!response.ok()) {
      ADD_FAILURE() << response.status().message();
      break;
    }
    uint64_t index = CommitIndex(ParseJson(response->body));
    {
      std::lock_guard lock(mutex);
      commits[index] = times;
    }
    std::this_thread::sleep_for(milliseconds(2));  // one commit at a time, a trickle of writes
  }
  auto deadline = Clock::now() + seconds(10);
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (arrivals.size() >= commits.size()) break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  done = true;
  reader.join();
  ASSERT_EQ(arrivals.size(), commits.size());
  std::vector<int64_t> after_ack, after_send;
  for (const auto& [index, times] : commits) {
    auto arrived = arrivals.at(index);
    using std::chrono::microseconds;
    after_ack.push_back(
        std::chrono::duration_cast<microseconds>(arrived - times.acknowledged).count());
    after_send.push_back(std::chrono::duration_cast<microseconds>(arrived - times.sent).count());
  }
  auto [ack_p50, ack_p99] = Percentiles(after_ack);
  auto [send_p50, send_p99] = Percentiles(after_send);
  std::cout << "commit-to-wire latency over " << kCommits
            << " commits: frames after the commit's acknowledgement p50 " << ack_p50 << " us, p99 "
            << ack_p99 << " us; after its request was sent p50 " << send_p50 << " us, p99 "
            << send_p99 << " us\n";
  RecordProperty("after_ack_p50_us", int(ack_p50));
  RecordProperty("after_ack_p99_us", int(ack_p99));
  RecordProperty("after_send_p50_us", int(send_p50));
  RecordProperty("after_send_p99_us", int(send_p99));
}

TEST(LiveSyncAloneTest, SlowReplicaHoldsTheServerBackInsteadOfGrowingIt) {
  auto started = ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  Write(server.port(), "CREATE TABLE big(v BLOB)");
  Handshake hello = Hello(server.port());
  uint64_t from = Tip(hello) + 1;
  auto stream = OpenStream(server.port(), hello, from, /*receive_buffer=*/16 * 1024);
  ASSERT_TRUE(stream);
  const uint64_t start_bytes = server.ResidentBytes();
  // 50 commits of a megabyte each: 50 MB of frames that the replica does not read meanwhile.
  uint64_t last = 0;
  uint64_t peak = start_bytes;
  for (int i = 0; i < 50; ++i) {
    last = Write(server.port(), "INSERT INTO big VALUES (randomblob(1000000))");
    peak = std::max(peak, server.ResidentBytes());
  }
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    peak = std::max(peak, server.ResidentBytes());
  }
  constexpr uint64_t kMargin = 40 << 20;
  EXPECT_LT(peak, start_bytes + kMargin)
      << "the server grew from " << (start_bytes >> 20) << " MB to " << (peak >> 20)
      << " MB while its replica did not read";
  // Reading again, the replica gets every frame, in order.
  auto frames = stream->ReadThrough(last, seconds(60));
  ASSERT_TRUE(frames.ok()) << frames.status().message();
  ExpectWholeTransactions(*frames, from, last);
  ExpectServerServes(server);
  EXPECT_EQ(server.Stop(), "exited with status 0");
}

TEST(LiveSyncAloneTest, HundredsOfIdleStreamsAddNoThreads) {
  auto started = ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  Write(server.port(), "CREATE TABLE t(x)");
  Write(server.port(), "INSERT INTO t VALUES (0)");
  Handshake hello = Hello(server.port());
  uint64_t from = Tip(hello) + 1;
  const size_t threads_before = server.ThreadCount();
  ASSERT_GT(threads_before, 0u);

  constexpr int kStreams = 150;
  std::vector<std::unique_ptr<LogEntriesStreamClient>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(OpenStream(server.port(), hello, from));
    ASSERT_TRUE(streams.back()) << "stream " << i;
  }
  EXPECT_EQ(server.ThreadCount(), threads_before)
      << kStreams << " idle streams changed the server's thread count";

  uint64_t index = Write(server.port(), "INSERT INTO t VALUES (1)");
  for (int i = 0; i < kStreams; ++i) {
    auto frames = streams[i]->ReadThrough(index, seconds(10));
    ASSERT_TRUE(frames.ok()) << "stream " << i << ": " << frames.status().message();
    ExpectWholeTransactions(*frames, from, index);
  }
  EXPECT_EQ(server.ThreadCount(), threads_before);
  EXPECT_EQ(server.Stop(), "exited with status 0");
}

TEST(LiveSyncAloneTest, ShutdownEndsOpenStreamsWithUnavailableAndExitsPromptly) {
  auto started = ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  Write(server.port(), "CREATE TABLE big(v BLOB)");
  // More than the kernel's socket buffers hold (4 MB at most for sending here).
  for (int i = 0; i < 12; ++i) Write(server.port(), "INSERT INTO big VALUES (randomblob(1000000))");
  Handshake hello = Hello(server.port());
  std::vector<std::unique_ptr<LogEntriesStreamClient>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(OpenStream(server.port(), hello, Tip(hello) + 1));
    ASSERT_TRUE(idle.back());
  }
  // And one replica that does not read while the log holds megabytes for it: its ending cannot
  // be written, and it must not hold the shutdown up.
  auto stuck = OpenStream(server.port(), hello, 0, /*receive_buffer=*/16 * 1024);
  ASSERT_TRUE(stuck);
  std::this_thread::sleep_for(milliseconds(500));  // until the buffers are full

  auto before = Clock::now();
  EXPECT_EQ(server.Stop(), "exited with status 0") << server.ReadLog();
  EXPECT_LT(Clock::now() - before, seconds(5)) << "open streams held the shutdown up";
  for (auto& stream : idle) {
    auto ending = stream->ReadEnding(seconds(5));
    ASSERT_TRUE(ending.ok()) << ending.status().message();
    EXPECT_EQ(*ending, (GrpcStatus{GrpcCode::kUnavailable, "the server is shutting down"}));
    EXPECT_TRUE(stream->AwaitCleanEnd(seconds(5))) << "the response did not end properly";
  }
  EXPECT_FALSE(stuck->AwaitCleanEnd(seconds(10)))
      << "a stream whose ending could not be written looks complete";
}

TEST(LiveSyncAloneTest, StartBelowTheCompactedLogIsTheSameTrailersOnlyNeedSnapshot) {
  auto started = ServerProcess::Start({"--max-log-size", "1"});
  ASSERT_TRUE(started.ok()) << started.status().message();
  ServerProcess& server = **started;
  Write(server.port(), "CREATE TABLE big(v BLOB)");
  // Past 1 MB the log rolls into a new segment; the compactor then folds the old one into a
  // snapshot within about a second.
  for (int i = 0; i < 3; ++i) Write(server.port(), "INSERT INTO big VALUES (randomblob(600000))");
  Handshake hello = Hello(server.port());
  auto call = [&](std::string_view method) {
    Result<HttpConnection> connection = HttpConnection::Open(server.port());
    EXPECT_TRUE(connection.ok());
    EXPECT_TRUE(
        connection->Send(GrpcWebRequest(method, LogOffsetMessage(0), hello.session_token)).ok());
    Result<HttpResponse> response = connection->ReadResponse(seconds(10));
    EXPECT_TRUE(response.ok()) << response.status().message();
    return response.ok() ? *response : HttpResponse{};
  };
  // Once BatchLogEntries says so, the log no longer holds frame 0.
  HttpResponse batch;
  auto deadline = Clock::now() + seconds(20);
  do {
    std::this_thread::sleep_for(milliseconds(200));
    batch = call("/wal_log.ReplicationLog/BatchLogEntries");
  } while (batch.Header("grpc-status").empty() && Clock::now() < deadline);
  ASSERT_EQ(batch.Header("grpc-message"), "NEED_SNAPSHOT") << "the log was not compacted";
  HttpResponse answer = call("/wal_log.ReplicationLog/LogEntries");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.Header("grpc-status"), "9");
  EXPECT_EQ(answer.Header("grpc-message"), "NEED_SNAPSHOT");
  EXPECT_EQ(answer.Header("transfer-encoding"), "");
  EXPECT_EQ(answer.Header("content-length"), "0");
  EXPECT_EQ(answer.body, "");
  EXPECT_EQ(server.Stop(), "exited with status 0");
}

}  // namespace
}  // namespace edgelite::integration
