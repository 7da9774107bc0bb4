// gRPC-web framing as embedded replicas speak it: the exact bytes of sqld's replies (a data frame,
// then a trailers frame "grpc-status:0\r\n"), and clear refusals of bodies a client could only send
// by mistake.
#include "server/grpc_web.h"

#include <gtest/gtest.h>

namespace edgelite::server {
namespace {

using namespace std::string_literals;

std::string Frame(uint8_t flag, std::string_view payload) {
  std::string frame(1, char(flag));
  auto length = uint32_t(payload.size());
  for (int shift = 24; shift >= 0; shift -= 8) frame += char(uint8_t(length >> shift));
  return frame + std::string(payload);
}

GrpcStatus StatusOf(const GrpcReply<std::string>& reply) {
  const auto* status = std::get_if<GrpcStatus>(&reply);
  return status ? *status : GrpcStatus{};
}

TEST(GrpcWebTest, ReadsTheHelloRequestOfAnEmbeddedReplica) {
  // The body libsql 0.9.30 sends: data frame, length 2, HelloRequest{handshake_version=1}.
  auto reply = ReadSingleMessage("\x00\x00\x00\x00\x02\x08\x01"s);
  ASSERT_TRUE(std::holds_alternative<std::string>(reply)) << StatusOf(reply).message;
  EXPECT_EQ(std::get<std::string>(reply), "\x08\x01");
}

TEST(GrpcWebTest, ReadsAnEmptyMessage) {
  // LogOffset{next_offset=0} serializes to nothing: a frame of length 0.
  auto reply = ReadSingleMessage(Frame(0x00, ""));
  ASSERT_TRUE(std::holds_alternative<std::string>(reply)) << StatusOf(reply).message;
  EXPECT_EQ(std::get<std::string>(reply), "");
}

TEST(GrpcWebTest, RefusesMalformedBodies) {
  EXPECT_EQ(StatusOf(ReadSingleMessage("")).code, GrpcCode::kInvalidArgument);
  EXPECT_EQ(StatusOf(ReadSingleMessage("\x00\x00\x00"s)).code, GrpcCode::kInvalidArgument);
  auto truncated = ReadSingleMessage("\x00\x00\x00\x00\x05\x08\x01"s);
  EXPECT_EQ(StatusOf(truncated).code, GrpcCode::kInvalidArgument);
  EXPECT_NE(StatusOf(truncated).message.find("announces 5 bytes but only 2 follow"),
            std::string::npos)
      << StatusOf(truncated).message;
  auto two = ReadSingleMessage(Frame(0x00, "a") + Frame(0x00, "b"));
  EXPECT_EQ(StatusOf(two).code, GrpcCode::kInvalidArgument);
  EXPECT_NE(StatusOf(two).message.find("found 2"), std::string::npos);
  EXPECT_EQ(StatusOf(ReadSingleMessage(Frame(0x00, "a") + Frame(0x80, "x:y\r\n"))).code,
            GrpcCode::kInvalidArgument);
  EXPECT_EQ(StatusOf(ReadSingleMessage(Frame(0x42, "a"))).code, GrpcCode::kInvalidArgument);
}

TEST(GrpcWebTest, RefusesCompressedMessagesAsUnimplemented) {
  auto reply = ReadSingleMessage(Frame(0x01, "zz"));
  EXPECT_EQ(StatusOf(reply).code, GrpcCode::kUnimplemented);
}

TEST(GrpcWebTest, EncodesFramesWithBigEndianLengths) {
  std::string payload(300, 'x');
  EXPECT_EQ(EncodeDataFrame(payload), "\x00\x00\x00\x01\x2c"s + payload);
  EXPECT_EQ(EncodeTrailersFrame({}), "\x80\x00\x00\x00\x0f"s + "grpc-status:0\r\n");
}

TEST(GrpcWebTest, PercentEncodesTheStatusMessageAsSqldDoes) {
  // sqld 0.24.32 sends "no such table: nope" as "no%20such%20table:%20nope".
  EXPECT_EQ(EncodeTrailersFrame({GrpcCode::kPermissionDenied, "no such table: nope"}).substr(5),
            "grpc-status:7\r\ngrpc-message:no%20such%20table:%20nope\r\n");
  std::string trailers = EncodeTrailersFrame({GrpcCode::kFailedPrecondition, "50%\r\n`ü`"});
  EXPECT_EQ(trailers.substr(5), "grpc-status:9\r\ngrpc-message:50%25%0D%0A%60%C3%BC%60\r\n");
}

TEST(GrpcWebTest, SuccessfulResponseIsDataThenTrailers) {
  HttpResponse response = MakeGrpcWebResponse({"\x08\x01"s, "abc"}, {});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/grpc-web+proto");
  EXPECT_EQ(response.body,
            Frame(0x00, "\x08\x01"s) + Frame(0x00, "abc") + Frame(0x80, "grpc-status:0\r\n"));
  EXPECT_TRUE(response.headers.empty());
}

TEST(GrpcWebTest, FailureWithoutMessagesIsTrailersOnly) {
  // What sqld 0.24 answers a BatchLogEntries without Hello: headers, no body.
  HttpResponse response = MakeGrpcWebResponse({}, {GrpcCode::kFailedPrecondition, "NO_HELLO"});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/grpc-web+proto");
  EXPECT_EQ(response.body, "");
  ASSERT_EQ(response.headers.size(), 2u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>{"grpc-status", "9"}));
  EXPECT_EQ(response.headers[1], (std::pair<std::string, std::string>{"grpc-message", "NO_HELLO"}));
}

TEST(GrpcWebTest, SuccessWithoutMessagesStillSendsTrailers) {
  HttpResponse response = MakeGrpcWebResponse({}, {});
  EXPECT_EQ(response.body, Frame(0x80, "grpc-status:0\r\n"));
  EXPECT_TRUE(response.headers.empty());
}

TEST(GrpcWebTest, FailureAfterMessagesKeepsTheStatusInTheTrailers) {
  HttpResponse response = MakeGrpcWebResponse({"a"}, {GrpcCode::kInternal, "disk"});
  EXPECT_EQ(response.body,
            Frame(0x00, "a") + Frame(0x80, "grpc-status:13\r\ngrpc-message:disk\r\n"));
  EXPECT_TRUE(response.headers.empty());
}

TEST(GrpcWebTest, RecognizesBinaryGrpcWebContentTypes) {
  EXPECT_TRUE(IsGrpcWebContentType("application/grpc-web"));
  EXPECT_TRUE(IsGrpcWebContentType("application/grpc-web+proto"));
  EXPECT_TRUE(IsGrpcWebContentType("Application/GRPC-Web; charset=utf-8"));
  EXPECT_FALSE(IsGrpcWebContentType("application/grpc-web-text"));
  EXPECT_FALSE(IsGrpcWebContentType("application/grpc"));
  EXPECT_FALSE(IsGrpcWebContentType("application/json"));
}

}  // namespace
}  // namespace edgelite::server
