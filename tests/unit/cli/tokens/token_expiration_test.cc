// `--expiration`: `never`, single units and Turso-style compound durations are read; anything
// else is refused with a message showing the accepted forms.
#include "cli/tokens/token_expiration.h"

#include <gtest/gtest.h>

namespace edgelite::cli {
namespace {

using std::chrono::seconds;

std::optional<seconds> Parse(std::string_view text) {
  Result<std::optional<seconds>> parsed = ParseTokenExpiration(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
  return parsed.ok() ? *parsed : std::optional<seconds>(seconds(-1));
}

TEST(TokenExpiration, NeverMeansNoExpiry) {
  EXPECT_EQ(Parse("never"), std::nullopt);
}

TEST(TokenExpiration, ReadsUnitsAndCompoundDurations) {
  EXPECT_EQ(Parse("7d"), seconds(7 * 86400));
  EXPECT_EQ(Parse("12h"), seconds(12 * 3600));
  EXPECT_EQ(Parse("30m"), seconds(1800));
  EXPECT_EQ(Parse("45s"), seconds(45));
  EXPECT_EQ(Parse("2w"), seconds(14 * 86400));
  EXPECT_EQ(Parse("7d3h2m1s"), seconds(7 * 86400 + 3 * 3600 + 2 * 60 + 1));
  EXPECT_EQ(Parse("90m"), seconds(5400));
}

TEST(TokenExpiration, RefusesWhatIsNotADuration) {
  for (std::string_view bad : {"", "7", "d", "7x", "0d", "-1d", " 7d", "7d ", "7D", "Never", "1.5h",
                               "99999999999999999999d", "101y", "36600d1s"}) {
    Result<std::optional<seconds>> parsed = ParseTokenExpiration(bad);
    ASSERT_FALSE(parsed.ok()) << "accepted `" << bad << "`";
    EXPECT_NE(parsed.status().message().find("`" + std::string(bad) + "`"), std::string::npos)
        << parsed.status().message();
    EXPECT_NE(parsed.status().message().find("use `never` or a duration such as 7d"),
              std::string::npos)
        << parsed.status().message();
  }
}

}  // namespace
}  // namespace edgelite::cli
