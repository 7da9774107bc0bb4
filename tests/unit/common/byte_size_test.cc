// Sizes with units, as sqld's flags and admin API take them.
#include "common/byte_size.h"

#include <gtest/gtest.h>

namespace edgelite {
namespace {

TEST(ByteSizeTest, CountsAndUnits) {
  EXPECT_EQ(ParseByteSize("1048576"), 1048576u);
  EXPECT_EQ(ParseByteSize("10MB"), 10'000'000u);
  EXPECT_EQ(ParseByteSize("10mb"), 10'000'000u);
  EXPECT_EQ(ParseByteSize("512 KiB"), 512u * 1024);
  EXPECT_EQ(ParseByteSize("1GiB"), 1024ull * 1024 * 1024);
  EXPECT_EQ(ParseByteSize("7B"), 7u);
}

TEST(ByteSizeTest, AnythingElseIsNotASize) {
  for (const char* bad : {"", "MB", "-1", "1.5MB", "10 XB", "ten", " 10", "99999999999999999999",
                          "18446744073709551615GB"}) {
    EXPECT_FALSE(ParseByteSize(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace edgelite
