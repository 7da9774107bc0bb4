// Batons must round-trip and must not be forgeable, nor transferable between server processes or
// between databases.
#include "server/baton.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace edgelite::server {
namespace {

TEST(BatonTest, RoundTrips) {
  BatonCodec codec;
  std::string baton = codec.Encode("default", {42, 7, false, {}});
  auto decoded = codec.Decode("default", baton);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->stream_id, 42u);
  EXPECT_EQ(decoded->sequence, 7u);
  EXPECT_FALSE(decoded->stateless);
  EXPECT_EQ(decoded->session, sqlite::Session{});
}

// A stateless stream's baton is what revives it once the server has forgotten it.
TEST(BatonTest, CarriesTheStatelessFlagAndTheSessionValues) {
  BatonCodec codec;
  BatonContent content{42, 7, true, {-5, 2, 1'000'000'000'000}};
  std::string baton = codec.Encode("default", content);
  EXPECT_EQ(baton.size(), 98u) << "sent with every request: kept short";
  auto decoded = codec.Decode("default", baton);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->stream_id, 42u);
  EXPECT_EQ(decoded->sequence, 7u);
  EXPECT_TRUE(decoded->stateless);
  EXPECT_EQ(decoded->session, content.session);
}

TEST(BatonTest, RejectsTamperingAndForeignKeys) {
  BatonCodec codec;
  BatonCodec other;
  std::string baton = codec.Encode("default", {42, 7, false, {}});
  EXPECT_FALSE(other.Decode("default", baton));
  auto bytes = *base64::Decode(baton);
  for (size_t at : {15, 16, 24}) {  // the sequence number, the stateless flag, a session value
    std::string tampered = bytes;
    tampered[at] ^= 1;
    EXPECT_FALSE(codec.Decode("default", base64::Encode(tampered))) << "byte " << at;
  }
  EXPECT_FALSE(codec.Decode("default", "not a baton"));
  EXPECT_FALSE(codec.Decode("default", ""));
  EXPECT_FALSE(codec.Decode("default", baton.substr(0, baton.size() - 4)));
  EXPECT_FALSE(codec.Decode("default", base64::Encode(bytes + '\0')));
}

TEST(BatonTest, IsValidOnlyForTheDatabaseItWasIssuedFor) {
  BatonCodec codec;
  std::string baton = codec.Encode("default", {42, 7, true, {}});
  EXPECT_FALSE(codec.Decode("other", baton));
  EXPECT_FALSE(codec.Decode("defaul", baton));
  EXPECT_FALSE(codec.Decode("", baton));
  EXPECT_TRUE(codec.Decode("default", baton));
}

}  // namespace
}  // namespace edgelite::server
