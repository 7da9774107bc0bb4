// Base64 as Hrana (standard, padding optional) and JWTs (URL-safe) need it.
#include "common/base64.h"

#include <gtest/gtest.h>

namespace edgelite::base64 {
namespace {

TEST(Base64Test, EncodesWithoutPadding) {
  EXPECT_EQ(Encode(""), "");
  EXPECT_EQ(Encode("f"), "Zg");
  EXPECT_EQ(Encode("fo"), "Zm8");
  EXPECT_EQ(Encode("foo"), "Zm9v");
  EXPECT_EQ(Encode("\xfb\xff", Alphabet::kStandard), "+/8");
  EXPECT_EQ(Encode("\xfb\xff", Alphabet::kUrlSafe), "-_8");
}

TEST(Base64Test, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(Decode("Zm8"), "fo");
  EXPECT_EQ(Decode("Zm8="), "fo");
  EXPECT_EQ(Decode("Zg=="), "f");
  EXPECT_FALSE(Decode("Zm8=", Alphabet::kStandard, Padding::kForbidden));
  EXPECT_FALSE(Decode("Zg="));     // wrong amount of padding
  EXPECT_FALSE(Decode("Z"));       // impossible length
  EXPECT_FALSE(Decode("Zm9v!"));   // outside the alphabet
  EXPECT_FALSE(Decode("-_8"));     // URL-safe characters in standard text
  EXPECT_EQ(Decode("-_8", Alphabet::kUrlSafe), "\xfb\xff");
  EXPECT_FALSE(Decode("Zh"));      // non-zero trailing bits
}

}  // namespace
}  // namespace edgelite::base64
