// The client side of gRPC-web framing: a response read back as it streams in, whatever the chunking.
#include "protocol/grpc_web_framing.h"

#include <gtest/gtest.h>

namespace edgelite::protocol {
namespace {

TEST(GrpcWebResponseReaderTest, ReadsMessagesAndTrailersFedOneByteAtATime) {
  std::string body = EncodeDataFrame("first") + EncodeDataFrame("") + EncodeDataFrame("third") +
                     EncodeTrailersFrame({GrpcCode::kOk, ""});
  GrpcWebResponseReader reader;
  std::vector<std::string> messages;
  for (char byte : body) {
    EXPECT_FALSE(reader.ending().has_value());
    reader.Feed(std::string_view(&byte, 1));
    for (std::string& message : reader.TakeMessages()) messages.push_back(std::move(message));
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"first", "", "third"}));
  ASSERT_TRUE(reader.ending().has_value());
  EXPECT_TRUE(reader.ending()->ok());
  EXPECT_FALSE(reader.has_partial_frame());
}

TEST(GrpcWebResponseReaderTest, DecodesThePercentEncodedStatusMessage) {
  GrpcWebResponseReader reader;
  std::string message = "NEED_SNAPSHOT: 100% \"gone\"\r\nnext line é";
  reader.Feed(EncodeTrailersFrame({GrpcCode::kFailedPrecondition, message}));
  ASSERT_TRUE(reader.ending().has_value());
  EXPECT_EQ(*reader.ending(), (GrpcStatus{GrpcCode::kFailedPrecondition, message}));
}

TEST(GrpcWebResponseReaderTest, RefusesAFrameOverTheLimitWithoutBufferingIt) {
  GrpcWebResponseReader reader(16);
  reader.Feed(EncodeDataFrame(std::string(17, 'x')).substr(0, 5));
  ASSERT_TRUE(reader.ending().has_value());
  EXPECT_EQ(reader.ending()->code, GrpcCode::kResourceExhausted);
  EXPECT_FALSE(reader.has_partial_frame());
}

TEST(GrpcWebResponseReaderTest, RefusesCompressedFramesAndBytesAfterTheTrailers) {
  GrpcWebResponseReader compressed;
  compressed.Feed(std::string("\x01\x00\x00\x00\x00", 5));
  ASSERT_TRUE(compressed.ending().has_value());
  EXPECT_EQ(compressed.ending()->code, GrpcCode::kInternal);

  GrpcWebResponseReader trailing;
  trailing.Feed(EncodeTrailersFrame({GrpcCode::kOk, ""}) + EncodeDataFrame("late"));
  ASSERT_TRUE(trailing.ending().has_value());
  EXPECT_EQ(trailing.ending()->code, GrpcCode::kInternal);
  EXPECT_TRUE(trailing.TakeMessages().empty());
}

TEST(GrpcWebResponseReaderTest, TrailersWithoutAStatusAreAnError) {
  GrpcWebResponseReader reader;
  reader.Feed(std::string("\x80\x00\x00\x00\x07x-a:b\r\n", 12));
  ASSERT_TRUE(reader.ending().has_value());
  EXPECT_EQ(reader.ending()->code, GrpcCode::kInternal);
}

TEST(GrpcWebStatusTest, TrailersOnlyHeadersBecomeTheStatus) {
  EXPECT_EQ(StatusFromTrailers("16", "Unauthorized%3A%20bad%20token"),
            (GrpcStatus{GrpcCode::kUnauthenticated, "Unauthorized: bad token"}));
  EXPECT_EQ(StatusFromTrailers("0", std::nullopt), (GrpcStatus{GrpcCode::kOk, ""}));
  EXPECT_EQ(StatusFromTrailers("99", std::nullopt).code, GrpcCode::kInternal);
  EXPECT_EQ(StatusFromTrailers("1x", std::nullopt).code, GrpcCode::kInternal);
  EXPECT_EQ(StatusFromTrailers(std::nullopt, std::nullopt).code, GrpcCode::kInternal);
}

TEST(GrpcWebStatusTest, PercentDecodingLeavesMalformedEscapesAlone) {
  EXPECT_EQ(PercentDecodeGrpcMessage("a%2"), "a%2");
  EXPECT_EQ(PercentDecodeGrpcMessage("%zz%41"), "%zzA");
  EXPECT_EQ(PercentDecodeGrpcMessage(PercentEncodeGrpcMessage("x%y z\n")), "x%y z\n");
}

}  // namespace
}  // namespace edgelite::protocol
