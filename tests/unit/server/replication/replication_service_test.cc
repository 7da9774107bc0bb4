// The replication service as a replica sees it: the handshake and its session token, batches that
// always end on a commit, the exact statuses replicas branch on (NEED_SNAPSHOT, NO_HELLO, "snapshot
// not found"), and snapshots shaped as one transaction. The log is an in-memory fake.
#include "server/replication/replication_service.h"

#include <gtest/gtest.h>

#include <regex>

#include "protocol/wire_frame.h"
#include "unit/server/replication/fake_frame_source.h"

namespace edgelite::replication {
namespace {

using namespace std::string_literals;
using server::GrpcCode;
using server::GrpcStatus;
using test::FakeFrameSource;

template <typename Message>
GrpcStatus StatusOf(const server::GrpcReply<Message>& reply) {
  const auto* status = std::get_if<GrpcStatus>(&reply);
  return status ? *status : GrpcStatus{};
}

LogFrame Decoded(const wal_log::Frame& frame) {
  auto decoded = DecodeWireFrame(frame.data());
  EXPECT_TRUE(decoded.ok()) << decoded.status().message();
  return decoded.ok() ? *decoded : LogFrame{};
}

wal_log::LogOffset Offset(uint64_t next) {
  wal_log::LogOffset offset;
  offset.set_next_offset(next);
  return offset;
}

wal_log::HelloRequest CurrentHello() {
  wal_log::HelloRequest hello;
  hello.set_handshake_version(1);
  return hello;
}

class ReplicationServiceTest : public ::testing::Test {
 protected:
  ReplicationServiceTest() {
    call_.frames = &source_;
    call_.namespace_name = "default";
    call_.peer_address = "127.0.0.1:4000";
  }

  // A call that did the current handshake: it carries the session token.
  ReplicationCall Greeted() {
    auto hello = service_.Hello(call_, CurrentHello());
    EXPECT_TRUE(std::holds_alternative<wal_log::HelloResponse>(hello)) << StatusOf(hello).message;
    ReplicationCall call = call_;
    call.session_token = std::get<wal_log::HelloResponse>(hello).session_token();
    return call;
  }

  std::vector<LogFrame> Batch(const ReplicationCall& call, uint64_t from) {
    auto reply = service_.BatchLogEntries(call, Offset(from));
    EXPECT_TRUE(std::holds_alternative<wal_log::Frames>(reply)) << StatusOf(reply).message;
    std::vector<LogFrame> frames;
    if (auto* batch = std::get_if<wal_log::Frames>(&reply)) {
      for (const wal_log::Frame& frame : batch->frames()) frames.push_back(Decoded(frame));
    }
    return frames;
  }

  FakeFrameSource source_;
  ReplicationService service_;
  ReplicationCall call_;
};

TEST_F(ReplicationServiceTest, HelloDescribesTheLog) {
  source_.Commit(3);
  auto reply = service_.Hello(call_, CurrentHello());
  ASSERT_TRUE(std::holds_alternative<wal_log::HelloResponse>(reply)) << StatusOf(reply).message;
  const auto& hello = std::get<wal_log::HelloResponse>(reply);
  EXPECT_EQ(hello.log_id(), source_.log_id());
  EXPECT_EQ(hello.generation_start_index(), 0u);
  ASSERT_TRUE(hello.has_current_replication_index());
  EXPECT_EQ(hello.current_replication_index(), 2u);
  // Clients parse the session token and the generation id as UUIDs.
  std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(hello.session_token(), uuid)) << hello.session_token();
  EXPECT_TRUE(std::regex_match(hello.generation_id(), uuid)) << hello.generation_id();
  EXPECT_EQ(hello.session_token(), service_.session_token());
  // The default config, byte for byte as sqld 0.24.32 sends it: max_db_pages 1000 PB / 4096,
  // txn_timeout_s 5, max_row_size 5 MB, shared_schema false, durability_mode RELAXED.
  ASSERT_TRUE(hello.has_config());
  EXPECT_EQ(hello.config().SerializeAsString(),
            "\x20\xc0\xec\xe9\xd9\xb6\xc1\x37\x40\x05\x50\xc0\x96\xb1\x02\x58\x00\x68\x00"s);
}

TEST_F(ReplicationServiceTest, HelloOnAnEmptyLogHasNoReplicationIndex) {
  auto reply = service_.Hello(call_, CurrentHello());
  ASSERT_TRUE(std::holds_alternative<wal_log::HelloResponse>(reply));
  EXPECT_FALSE(std::get<wal_log::HelloResponse>(reply).has_current_replication_index());
}

TEST_F(ReplicationServiceTest, EachServiceInstanceHasItsOwnSessionToken) {
  // A restarted server must send replicas back to Hello.
  ReplicationService restarted;
  EXPECT_NE(restarted.session_token(), service_.session_token());
  ReplicationCall call = Greeted();
  auto reply = restarted.BatchLogEntries(call, Offset(0));
  EXPECT_EQ(StatusOf(reply), (GrpcStatus{GrpcCode::kFailedPrecondition, "NO_HELLO"}));
}

TEST_F(ReplicationServiceTest, CallsWithoutAHandshakeGetNoHello) {
  source_.Commit(1);
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(call_, Offset(0))),
            (GrpcStatus{GrpcCode::kFailedPrecondition, "NO_HELLO"}));
  ReplicationCall forged = call_;
  forged.session_token = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(forged, Offset(0))).message, "NO_HELLO");
  EXPECT_EQ(service_.Snapshot(forged, Offset(0)).status.message, "NO_HELLO");
  EXPECT_EQ(StatusOf(service_.LogEntries(forged, Offset(0))).message, "NO_HELLO");
}

TEST_F(ReplicationServiceTest, LegacyHandshakeIsRememberedPerPeerAndNamespace) {
  source_.Commit(1);
  auto hello = service_.Hello(call_, wal_log::HelloRequest());  // no handshake_version
  ASSERT_TRUE(std::holds_alternative<wal_log::HelloResponse>(hello));
  EXPECT_EQ(Batch(call_, 0).size(), 1u);

  ReplicationCall other_peer = call_;
  other_peer.peer_address = "127.0.0.1:4001";
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(other_peer, Offset(0))).message, "NO_HELLO");
  ReplicationCall other_namespace = call_;
  other_namespace.namespace_name = "db2";
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(other_namespace, Offset(0))).message, "NO_HELLO");
}

TEST_F(ReplicationServiceTest, BatchCarriesEncodedFramesFromTheOffset) {
  source_.Commit(2, /*commit_time_ms=*/1700000000123);
  source_.Commit(3);
  ReplicationCall call = Greeted();
  auto reply = service_.BatchLogEntries(call, Offset(1));
  ASSERT_TRUE(std::holds_alternative<wal_log::Frames>(reply)) << StatusOf(reply).message;
  const auto& frames = std::get<wal_log::Frames>(reply).frames();
  ASSERT_EQ(frames.size(), 4);
  for (int i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].data().size(), kWireFrameSize);
    LogFrame frame = Decoded(frames[i]);
    EXPECT_EQ(frame.frame_no, uint64_t(i + 1));
    EXPECT_EQ(frame.page, test::PageFor(frame.frame_no));
  }
  // Frame 1 ends the first transaction (2 pages), frame 4 the second (3 pages).
  EXPECT_EQ(Decoded(frames[0]).size_after, 2u);
  EXPECT_EQ(Decoded(frames[1]).size_after, 0u);
  EXPECT_EQ(Decoded(frames[3]).size_after, 3u);
  // The commit time travels beside the commit frame that has one.
  EXPECT_TRUE(frames[0].has_timestamp());
  EXPECT_EQ(frames[0].timestamp(), 1700000000123);
  EXPECT_FALSE(frames[1].has_timestamp());
  EXPECT_FALSE(frames[3].has_timestamp());
}

TEST_F(ReplicationServiceTest, UpToDateReplicaGetsAnEmptyBatch) {
  source_.Commit(2);
  ReplicationCall call = Greeted();
  EXPECT_TRUE(Batch(call, 2).empty());
  EXPECT_TRUE(Batch(call, 50).empty());
}

TEST_F(ReplicationServiceTest, BatchStopsAtTheFirstCommitAfterTheLimit) {
  for (int i = 0; i < 30; ++i) source_.Commit(100);
  ReplicationCall call = Greeted();
  std::vector<LogFrame> frames = Batch(call, 0);
  // 1024 frames reach into the 11th transaction, which is sent whole.
  ASSERT_EQ(frames.size(), 1100u);
  EXPECT_TRUE(frames.back().is_commit());
  EXPECT_EQ(Batch(call, 1100).front().frame_no, 1100u);
}

TEST_F(ReplicationServiceTest, TransactionLargerThanABatchIsSentWhole) {
  source_.Commit(3000);
  ReplicationCall call = Greeted();
  std::vector<LogFrame> frames = Batch(call, 0);
  ASSERT_EQ(frames.size(), 3000u);
  EXPECT_EQ(frames.back().size_after, 3000u);
}

TEST_F(ReplicationServiceTest, CompactedOffsetNeedsASnapshot) {
  source_.Commit(5);
  source_.Commit(5);
  source_.CompactBefore(5);
  ReplicationCall call = Greeted();
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(call, Offset(0))),
            (GrpcStatus{GrpcCode::kFailedPrecondition, "NEED_SNAPSHOT"}));
  EXPECT_EQ(StatusOf(service_.LogEntries(call, Offset(3))),
            (GrpcStatus{GrpcCode::kFailedPrecondition, "NEED_SNAPSHOT"}));
  EXPECT_EQ(Batch(call, 5).size(), 5u);
}

TEST_F(ReplicationServiceTest, LibsqlWalFlavorIsRefused) {
  ReplicationCall call = Greeted();
  wal_log::LogOffset offset = Offset(0);
  offset.set_wal_flavor(wal_log::LogOffset::Libsql);
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(call, offset)),
            (GrpcStatus{GrpcCode::kInvalidArgument, "libsql wal not supported"}));
  offset.set_wal_flavor(wal_log::LogOffset::Sqlite);
  EXPECT_TRUE(std::holds_alternative<wal_log::Frames>(service_.BatchLogEntries(call, offset)));
}

TEST_F(ReplicationServiceTest, DatabaseWithoutALogIsNotAPrimary) {
  ReplicationCall call = call_;
  call.frames = nullptr;
  EXPECT_EQ(StatusOf(service_.Hello(call, CurrentHello())),
            (GrpcStatus{GrpcCode::kInvalidArgument, "not a primary"}));
  call.session_token = service_.session_token();
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(call, Offset(0))).message, "not a primary");
}

TEST_F(ReplicationServiceTest, BrokenLogReadsAreInternalErrors) {
  source_.Commit(3);
  ReplicationCall call = Greeted();
  source_.fail_reads_ = true;
  EXPECT_EQ(StatusOf(service_.BatchLogEntries(call, Offset(0))),
            (GrpcStatus{GrpcCode::kInternal, "disk on fire"}));
  source_.fail_reads_ = false;

  source_.drop_commit_marker_ = true;
  auto unterminated = service_.BatchLogEntries(call, Offset(0));
  EXPECT_EQ(StatusOf(unterminated).code, GrpcCode::kInternal);
  EXPECT_NE(StatusOf(unterminated).message.find("inside a transaction"), std::string::npos);
  source_.drop_commit_marker_ = false;

  source_.skip_a_frame_ = true;
  auto gap = service_.BatchLogEntries(call, Offset(0));
  EXPECT_EQ(StatusOf(gap).code, GrpcCode::kInternal);
  EXPECT_NE(StatusOf(gap).message.find("returned frame 2 at position 1"), std::string::npos)
      << StatusOf(gap).message;
}

// What the stream sends is log_entries_stream_test's subject; the service opens it for calls that
// pass the checks.
TEST_F(ReplicationServiceTest, LogEntriesOpensAStreamThatFollowsTheLog) {
  source_.Commit(2);
  ReplicationCall call = Greeted();
  auto stream = service_.LogEntries(call, Offset(0));
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<LogEntriesStream>>(stream))
      << StatusOf(stream).message;
  EXPECT_EQ(source_.subscribers(), 1u);
}

TEST_F(ReplicationServiceTest, SnapshotIsOneTransactionInDescendingOrder) {
  source_.Commit(4);
  source_.Commit(4);
  source_.CompactBefore(8);
  // Frames 0..7 compacted: pages 1..4, newest images at frames 4..7.
  source_.AddSnapshot(0, 7, 4, test::SnapshotFrames({{7, 4}, {6, 3}, {5, 2}, {4, 1}}));
  ReplicationCall call = Greeted();

  auto stream = service_.Snapshot(call, Offset(0));
  EXPECT_TRUE(stream.status.ok()) << stream.status.message;
  ASSERT_EQ(stream.messages.size(), 4u);
  std::vector<uint64_t> frame_numbers;
  for (const wal_log::Frame& message : stream.messages) {
    frame_numbers.push_back(Decoded(message).frame_no);
    EXPECT_FALSE(message.has_timestamp());
  }
  EXPECT_EQ(frame_numbers, (std::vector<uint64_t>{7, 6, 5, 4}));
  EXPECT_EQ(Decoded(stream.messages[0]).size_after, 0u);
  EXPECT_EQ(Decoded(stream.messages[2]).size_after, 0u);
  EXPECT_EQ(Decoded(stream.messages[3]).size_after, 4u);  // only the last frame commits

  // A replica part-way through gets only the frames it lacks.
  auto partial = service_.Snapshot(call, Offset(6));
  ASSERT_EQ(partial.messages.size(), 2u);
  EXPECT_EQ(Decoded(partial.messages[1]).frame_no, 6u);
  EXPECT_EQ(Decoded(partial.messages[1]).size_after, 4u);
}

TEST_F(ReplicationServiceTest, MissingSnapshotIsUnavailable) {
  ReplicationCall call = Greeted();
  auto stream = service_.Snapshot(call, Offset(0));
  EXPECT_TRUE(stream.messages.empty());
  EXPECT_EQ(stream.status, (GrpcStatus{GrpcCode::kUnavailable, "snapshot not found"}));
}

TEST_F(ReplicationServiceTest, SnapshotReadFailureEndsTheStreamWithAnError) {
  source_.AddSnapshot(0, 7, 4, test::SnapshotFrames({{7, 4}, {6, 3}, {5, 2}, {4, 1}}));
  source_.fail_snapshot_after_ = 3;
  ReplicationCall call = Greeted();
  auto stream = service_.Snapshot(call, Offset(0));
  EXPECT_EQ(stream.status, (GrpcStatus{GrpcCode::kInternal, "snapshot file truncated"}));
  // Whatever went out before carries no commit marker, so a replica cannot apply half of it.
  ASSERT_EQ(stream.messages.size(), 2u);
  for (const wal_log::Frame& message : stream.messages) EXPECT_EQ(Decoded(message).size_after, 0u);
}

}  // namespace
}  // namespace edgelite::replication
