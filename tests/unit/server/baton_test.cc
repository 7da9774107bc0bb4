// Batons must round-trip and must not be forgeable or transferable between server processes.
#include "server/baton.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace edgelite::server {
namespace {

TEST(BatonTest, RoundTrips) {
  BatonCodec codec;
  std::string baton = codec.Encode({42, 7});
  auto decoded = codec.Decode(baton);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->stream_id, 42u);
  EXPECT_EQ(decoded->sequence, 7u);
}

TEST(BatonTest, RejectsTamperingAndForeignKeys) {
  BatonCodec codec;
  BatonCodec other;
  std::string baton = codec.Encode({42, 7});
  EXPECT_FALSE(other.Decode(baton));
  auto bytes = *base64::Decode(baton);
  bytes[15] ^= 1;  // the sequence number
  EXPECT_FALSE(codec.Decode(base64::Encode(bytes)));
  EXPECT_FALSE(codec.Decode("not a baton"));
  EXPECT_FALSE(codec.Decode(""));
  EXPECT_FALSE(codec.Decode(baton.substr(0, baton.size() - 4)));
}

}  // namespace
}  // namespace edgelite::server
