// Dot-command lines: names, arguments, quoting, and the errors a user sees for bad ones.
#include "cli/shell/dot_command.h"

#include <gtest/gtest.h>

namespace edgelite::cli::shell {
namespace {

TEST(DotCommand, ParsesNameAndArguments) {
  auto command = ParseDotCommand("  .mode   box ");
  ASSERT_TRUE(command.ok()) << command.status().message();
  EXPECT_EQ(command->name, "mode");
  EXPECT_EQ(command->arguments, std::vector<std::string>{"box"});
  auto bare = ParseDotCommand(".tables");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->name, "tables");
  EXPECT_TRUE(bare->arguments.empty());
}

TEST(DotCommand, QuotesKeepBlanks) {
  auto command = ParseDotCommand(R"(.read 'my file.sql' "a \"b\" \\c" plain)");
  ASSERT_TRUE(command.ok()) << command.status().message();
  EXPECT_EQ(command->arguments, (std::vector<std::string>{"my file.sql", R"(a "b" \c)", "plain"}));
  // Single quotes take everything literally.
  auto literal = ParseDotCommand(R"(.nullvalue '\N')");
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(literal->arguments, std::vector<std::string>{R"(\N)"});
}

TEST(DotCommand, RejectsUnterminatedQuotesAndMissingNames) {
  auto open_quote = ParseDotCommand(".read 'unfinished");
  ASSERT_FALSE(open_quote.ok());
  EXPECT_NE(open_quote.status().message().find("unterminated ' quote"), std::string::npos);
  auto no_name = ParseDotCommand(". mode");
  ASSERT_FALSE(no_name.ok());
  EXPECT_NE(no_name.status().message().find(".help"), std::string::npos);
}

TEST(DotCommand, RecognisesDotLines) {
  EXPECT_TRUE(IsDotCommandLine(".help"));
  EXPECT_TRUE(IsDotCommandLine("   .quit"));
  EXPECT_FALSE(IsDotCommandLine("SELECT .5;"));
  EXPECT_FALSE(IsDotCommandLine(""));
}

TEST(DotCommand, Switches) {
  EXPECT_TRUE(*ParseSwitch("headers", "on"));
  EXPECT_FALSE(*ParseSwitch("timer", "off"));
  auto bad = ParseSwitch("timer", "maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), ".timer takes on or off, not \"maybe\"");
}

}  // namespace
}  // namespace edgelite::cli::shell
