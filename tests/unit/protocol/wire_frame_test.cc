// The replication wire frame is sqld's byte layout: a replica built against sqld must apply frames
// from edgelite unchanged.
#include "protocol/wire_frame.h"

#include <gtest/gtest.h>

namespace edgelite::replication {
namespace {

LogFrame SampleFrame() {
  LogFrame frame;
  frame.frame_no = 0x0102030405060708;
  frame.checksum = 0x1112131415161718;
  frame.page_no = 0x21222324;
  frame.size_after = 7;
  frame.page = std::string(kPageSize, '\0');
  for (size_t i = 0; i < kPageSize; ++i) frame.page[i] = char(i * 7);
  return frame;
}

TEST(ReplicationWireFrameTest, LaysOutTheHeaderLittleEndianBeforeThePage) {
  LogFrame frame = SampleFrame();
  auto data = EncodeWireFrame(frame);
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_EQ(data->size(), 4120u);
  EXPECT_EQ(data->substr(0, 8), "\x08\x07\x06\x05\x04\x03\x02\x01");
  EXPECT_EQ(data->substr(8, 8), "\x18\x17\x16\x15\x14\x13\x12\x11");
  EXPECT_EQ(data->substr(16, 4), "\x24\x23\x22\x21");
  EXPECT_EQ(data->substr(20, 4), std::string("\x07\x00\x00\x00", 4));
  EXPECT_EQ(data->substr(24), frame.page);
}

TEST(ReplicationWireFrameTest, RoundTrips) {
  LogFrame frame = SampleFrame();
  auto decoded = DecodeWireFrame(*EncodeWireFrame(frame));
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded->frame_no, frame.frame_no);
  EXPECT_EQ(decoded->checksum, frame.checksum);
  EXPECT_EQ(decoded->page_no, frame.page_no);
  EXPECT_EQ(decoded->size_after, frame.size_after);
  EXPECT_EQ(decoded->page, frame.page);
}

TEST(ReplicationWireFrameTest, RefusesWrongSizes) {
  LogFrame frame = SampleFrame();
  frame.page.resize(100);
  auto encoded = EncodeWireFrame(frame);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.status().kind(), ErrorKind::kInternal);
  auto decoded = DecodeWireFrame(std::string(4119, '\0'));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().kind(), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace edgelite::replication
