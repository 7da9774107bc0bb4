// The gRPC-web routes as an embedded replica meets them on the user port: the exact Hello request
// libsql sends, the session token round trip, namespace metadata, authentication on every call,
// gRPC-style answers (not HTTP errors) for everything a gRPC client can get wrong, and LogEntries
// answered with a stream that stays open.
#include "server/replication/grpc_routes.h"

#include <gtest/gtest.h>

#include "common/base64.h"
#include "protocol/wire_frame.h"
#include "unit/server/auth/jwt_test_support.h"
#include "unit/server/replication/grpc_test_support.h"

namespace edgelite::replication {
namespace {

using namespace std::string_literals;
using server::GrpcCode;
using server::GrpcStatus;
using test::GrpcWebReply;

constexpr std::string_view kHello = "/wal_log.ReplicationLog/Hello";
constexpr std::string_view kBatch = "/wal_log.ReplicationLog/BatchLogEntries";

wal_log::HelloRequest CurrentHello() {
  wal_log::HelloRequest hello;
  hello.set_handshake_version(1);
  return hello;
}

wal_log::LogOffset Offset(uint64_t next) {
  wal_log::LogOffset offset;
  offset.set_next_offset(next);
  return offset;
}

class ReplicationRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override { harness_ = std::make_unique<test::GrpcRoutesHarness>(); }
  std::unique_ptr<test::GrpcRoutesHarness> harness_;
};

TEST_F(ReplicationRoutesTest, EmbeddedReplicaHandshakeAndSync) {
  harness_->frames.Commit(3);
  // Byte for byte what libsql 0.9.30 sends (docs/protocol.md §9.1).
  server::HttpRequest hello;
  hello.method = "POST";
  hello.target = std::string(kHello);
  hello.headers = {{"content-type", "application/grpc-web"},
                   {"te", "trailers"},
                   {"x-namespace-bin", "MTI3"},
                   {"x-libsql-client-version", "libsql-rpc-0.9.30"}};
  hello.body = "\x00\x00\x00\x00\x02\x08\x01"s;
  auto started = harness_->Start(std::move(hello));
  harness_->Run();
  server::HttpResponse response = started.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/grpc-web+proto");
  GrpcWebReply reply = test::Unframe(response);
  EXPECT_TRUE(reply.has_trailers);
  EXPECT_TRUE(reply.status.ok()) << reply.status.message;
  auto hello_response = test::Parse<wal_log::HelloResponse>(reply);
  EXPECT_EQ(hello_response.log_id(), harness_->frames.log_id());
  EXPECT_EQ(hello_response.current_replication_index(), 2u);

  GrpcWebReply batch = harness_->Call(std::string(kBatch), Offset(0),
                                      {{"x-session-token", hello_response.session_token()}});
  EXPECT_TRUE(batch.status.ok()) << batch.status.message;
  auto frames = test::Parse<wal_log::Frames>(batch);
  ASSERT_EQ(frames.frames_size(), 3);
  EXPECT_EQ(DecodeWireFrame(frames.frames(2).data())->size_after, 3u);

  GrpcWebReply caught_up = harness_->Call(std::string(kBatch), Offset(3),
                                          {{"x-session-token", hello_response.session_token()}});
  EXPECT_TRUE(caught_up.status.ok());
  EXPECT_EQ(test::Parse<wal_log::Frames>(caught_up).frames_size(), 0);
}

TEST_F(ReplicationRoutesTest, FailuresAreTrailersOnlyResponses) {
  auto started = harness_->Start(harness_->Request(std::string(kBatch), Offset(0)));
  harness_->Run();
  server::HttpResponse response = started.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
  GrpcWebReply reply = test::Unframe(response);
  EXPECT_FALSE(reply.has_trailers);
  EXPECT_EQ(reply.status, (GrpcStatus{GrpcCode::kFailedPrecondition, "NO_HELLO"}));
}

TEST_F(ReplicationRoutesTest, StreamingMethodsAnswerWithSeveralMessages) {
  harness_->frames.Commit(2);
  harness_->frames.Commit(2);
  harness_->frames.CompactBefore(4);
  harness_->frames.Commit(2);
  harness_->frames.AddSnapshot(0, 3, 2, test::SnapshotFrames({{3, 2}, {2, 1}}));
  std::string token =
      test::Parse<wal_log::HelloResponse>(harness_->Call(std::string(kHello), CurrentHello()))
          .session_token();
  std::vector<std::pair<std::string, std::string>> session = {{"x-session-token", token}};
  GrpcWebReply snapshot = harness_->Call("/wal_log.ReplicationLog/Snapshot", Offset(0), session);
  EXPECT_TRUE(snapshot.status.ok()) << snapshot.status.message;
  ASSERT_EQ(snapshot.messages.size(), 2u);
  wal_log::Frame last;
  ASSERT_TRUE(last.ParseFromString(snapshot.messages[1]));
  EXPECT_EQ(DecodeWireFrame(last.data())->size_after, 2u);

  // LogEntries stays open: its first piece holds what the log has, and no trailers.
  auto started =
      harness_->Start(harness_->Request("/wal_log.ReplicationLog/LogEntries", Offset(4), session));
  harness_->Run();
  server::HttpResponse streamed = started.get();
  EXPECT_EQ(streamed.status, 200);
  EXPECT_EQ(streamed.content_type, "application/grpc-web+proto");
  ASSERT_TRUE(streamed.streamed_body);
  streamed.body = harness_->NextPiece(*streamed.streamed_body).data;
  GrpcWebReply entries = test::Unframe(streamed);
  EXPECT_FALSE(entries.has_trailers) << entries.status.message;
  EXPECT_EQ(entries.messages.size(), 2u);
  streamed.streamed_body->Abandon();

  GrpcWebReply compacted = harness_->Call(std::string(kBatch), Offset(0), session);
  EXPECT_EQ(compacted.status, (GrpcStatus{GrpcCode::kFailedPrecondition, "NEED_SNAPSHOT"}));
}

TEST_F(ReplicationRoutesTest, DatabaseWithoutLogIsNotAPrimary) {
  harness_->frames_enabled = false;
  GrpcWebReply reply = harness_->Call(std::string(kHello), CurrentHello());
  EXPECT_EQ(reply.status, (GrpcStatus{GrpcCode::kInvalidArgument, "not a primary"}));
}

TEST_F(ReplicationRoutesTest, ProtocolMistakesGetGrpcOrHttpErrors) {
  EXPECT_TRUE(GrpcRoutes::Matches("/wal_log.ReplicationLog/Hello"));
  EXPECT_TRUE(GrpcRoutes::Matches("/proxy.Proxy/Nope"));
  EXPECT_FALSE(GrpcRoutes::Matches("/v2/pipeline"));

  GrpcWebReply unknown = harness_->Call("/wal_log.ReplicationLog/Nope", CurrentHello());
  EXPECT_EQ(unknown.status.code, GrpcCode::kUnimplemented);
  GrpcWebReply stream_exec = harness_->Call("/proxy.Proxy/StreamExec", CurrentHello());
  EXPECT_EQ(stream_exec.status.code, GrpcCode::kUnimplemented);

  server::HttpRequest wrong_type = harness_->Request(std::string(kHello), CurrentHello());
  wrong_type.headers[0].second = "application/grpc-web-text";
  EXPECT_EQ(harness_->Send(std::move(wrong_type)).http_status, 400);
  server::HttpRequest get = harness_->Request(std::string(kHello), CurrentHello());
  get.method = "GET";
  EXPECT_EQ(harness_->Send(std::move(get)).http_status, 405);

  server::HttpRequest garbage = harness_->Request(std::string(kHello), CurrentHello());
  garbage.body = server::EncodeDataFrame("\xff\xff\xff");
  GrpcWebReply undecodable = harness_->Send(std::move(garbage));
  EXPECT_EQ(undecodable.status.code, GrpcCode::kInvalidArgument);
  EXPECT_NE(undecodable.status.message.find("wal_log.HelloRequest"), std::string::npos)
      << undecodable.status.message;

  server::HttpRequest truncated = harness_->Request(std::string(kHello), CurrentHello());
  truncated.body.pop_back();
  EXPECT_EQ(harness_->Send(std::move(truncated)).status.code, GrpcCode::kInvalidArgument);
}

class ReplicationRoutesAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = auth::test::GenerateKeyPair();
    auth::AuthConfig config;
    config.jwt_key_text = auth::test::Base64Url(auth::test::AsChars(key_.public_key));
    harness_ = std::make_unique<test::GrpcRoutesHarness>(std::move(config));
  }
  std::string Bearer(std::string_view payload) {
    return "Bearer " + auth::test::SignToken(key_, payload);
  }

  auth::test::KeyPair key_;
  std::unique_ptr<test::GrpcRoutesHarness> harness_;
};

TEST_F(ReplicationRoutesAuthTest, EveryCallIsAuthenticated) {
  GrpcWebReply anonymous = harness_->Call(std::string(kHello), CurrentHello());
  EXPECT_EQ(anonymous.status,
            (GrpcStatus{GrpcCode::kUnauthenticated,
                        "AuthError: Expected authorization header but none given"}));
  GrpcWebReply forged = harness_->Call(std::string(kHello), CurrentHello(),
                                       {{"x-authorization", "Bearer not.a.jwt"}});
  EXPECT_EQ(forged.status.code, GrpcCode::kUnauthenticated);

  GrpcWebReply replica = harness_->Call(std::string(kHello), CurrentHello(),
                                        {{"x-authorization", Bearer(R"({"a":"ro"})")}});
  EXPECT_TRUE(replica.status.ok()) << replica.status.message;
  GrpcWebReply plain_header = harness_->Call(std::string(kHello), CurrentHello(),
                                             {{"authorization", Bearer(R"({"a":"rw"})")}});
  EXPECT_TRUE(plain_header.status.ok()) << plain_header.status.message;

  std::string token = test::Parse<wal_log::HelloResponse>(replica).session_token();
  GrpcWebReply batch_without_auth =
      harness_->Call(std::string(kBatch), Offset(0), {{"x-session-token", token}});
  EXPECT_EQ(batch_without_auth.status.code, GrpcCode::kUnauthenticated);

  proxy::DisconnectMessage disconnect;
  disconnect.set_client_id("c");
  EXPECT_EQ(harness_->Call("/proxy.Proxy/Disconnect", disconnect).status.code,
            GrpcCode::kUnauthenticated);
}

TEST_F(ReplicationRoutesAuthTest, TokenForAnotherNamespaceDoesNotRevealThisOne) {
  GrpcWebReply reply = harness_->Call(std::string(kHello), CurrentHello(),
                                      {{"x-authorization", Bearer(R"({"a":"rw","id":"other"})")}});
  EXPECT_EQ(reply.status, (GrpcStatus{GrpcCode::kFailedPrecondition, "NAMESPACE_DOESNT_EXIST"}));
}

}  // namespace
}  // namespace edgelite::replication
