// Every output mode against golden text: alignment by display width, NULLs, numbers, CSV quoting,
// JSON escaping, and the headers switch.
#include "cli/shell/output_format.h"

#include <gtest/gtest.h>

#include <limits>

#include "cli/shell/display_width.h"
#include "cli/shell/value_text.h"

namespace edgelite::cli::shell {
namespace {

Rows Sample() {
  Rows rows;
  rows.columns = {{"id", "INTEGER"}, {"name", "TEXT"}, {"score", std::nullopt}};
  rows.rows = {{int64_t{1}, std::string("alice"), 2.5},
               {int64_t{22}, Null{}, 1.0},
               {int64_t{3}, std::string("日本語"), Null{}}};
  return rows;
}

OutputFormat Mode(OutputMode mode, bool headers = true, std::string null_text = "NULL") {
  return OutputFormat{mode, headers, std::move(null_text)};
}

TEST(OutputFormat, TableAlignsByDisplayWidthAndRightAlignsNumbers) {
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kTable)),
            "+----+--------+-------+\n"
            "| id | name   | score |\n"
            "+----+--------+-------+\n"
            "|  1 | alice  |   2.5 |\n"
            "| 22 | NULL   |   1.0 |\n"
            "|  3 | 日本語 | NULL  |\n"
            "+----+--------+-------+\n");
}

TEST(OutputFormat, BoxDrawsWithLineCharactersAndCanDropHeaders) {
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kBox)),
            "┌────┬────────┬───────┐\n"
            "│ id │ name   │ score │\n"
            "├────┼────────┼───────┤\n"
            "│  1 │ alice  │   2.5 │\n"
            "│ 22 │ NULL   │   1.0 │\n"
            "│  3 │ 日本語 │ NULL  │\n"
            "└────┴────────┴───────┘\n");
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kBox, false)),
            "┌────┬────────┬──────┐\n"
            "│  1 │ alice  │  2.5 │\n"
            "│ 22 │ NULL   │  1.0 │\n"
            "│  3 │ 日本語 │ NULL │\n"
            "└────┴────────┴──────┘\n");
}

TEST(OutputFormat, TableEscapesControlCharactersAndCountsCombiningMarksAsZero) {
  Rows rows;
  rows.columns = {{"v", std::nullopt}};
  rows.rows = {{std::string("a\nb\tc")}, {std::string("e\xCC\x81")}, {Blob{"\x01\xff"}}};
  EXPECT_EQ(FormatRows(rows, Mode(OutputMode::kTable)),
            "+---------+\n"
            "| v       |\n"
            "+---------+\n"
            "| a\\nb\\tc |\n"
            "| e\xCC\x81       |\n"
            "| X'01ff' |\n"
            "+---------+\n");
}

TEST(OutputFormat, ListIsSqliteShellsDefault) {
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kList, false, "")),
            "1|alice|2.5\n22||1.0\n3|日本語|\n");
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kList, true, "NULL")),
            "id|name|score\n1|alice|2.5\n22|NULL|1.0\n3|日本語|NULL\n");
}

TEST(OutputFormat, CsvQuotesWhatNeedsQuotingAndLeavesNullEmpty) {
  Rows rows;
  rows.columns = {{"a,b", std::nullopt}, {"c", std::nullopt}};
  rows.rows = {{std::string("say \"hi\""), Null{}},
               {std::string("line\nbreak"), std::string(" padded ")},
               {std::string("plain"), int64_t{-7}}};
  EXPECT_EQ(FormatRows(rows, Mode(OutputMode::kCsv)),
            "\"a,b\",c\r\n"
            "\"say \"\"hi\"\"\",\r\n"
            "\"line\nbreak\",\" padded \"\r\n"
            "plain,-7\r\n");
}

TEST(OutputFormat, JsonEscapesAndTypesValues) {
  Rows rows;
  rows.columns = {
      {"t", std::nullopt}, {"n", std::nullopt}, {"r", std::nullopt}, {"b", std::nullopt}};
  rows.rows = {{std::string("q\"\\\n\x01é"), Null{}, 0.5, Blob{"\x0a"}},
               {std::string(""), int64_t{42}, -std::numeric_limits<double>::infinity(), Null{}}};
  EXPECT_EQ(FormatRows(rows, Mode(OutputMode::kJson)),
            "[{\"t\":\"q\\\"\\\\\\n\\u0001é\",\"n\":null,\"r\":0.5,\"b\":\"X'0a'\"},\n"
            "{\"t\":\"\",\"n\":42,\"r\":-9e999,\"b\":null}]\n");
}

TEST(OutputFormat, LineModeAlignsNamesAndSeparatesRows) {
  EXPECT_EQ(FormatRows(Sample(), Mode(OutputMode::kLine)),
            "   id = 1\n"
            " name = alice\n"
            "score = 2.5\n"
            "\n"
            "   id = 22\n"
            " name = NULL\n"
            "score = 1.0\n"
            "\n"
            "   id = 3\n"
            " name = 日本語\n"
            "score = NULL\n");
}

TEST(OutputFormat, ResultsWithoutRowsPrintNothing) {
  Rows rows;
  rows.columns = {{"a", std::nullopt}};
  for (OutputMode mode : {OutputMode::kTable, OutputMode::kBox, OutputMode::kList, OutputMode::kCsv,
                          OutputMode::kJson, OutputMode::kLine}) {
    EXPECT_EQ(FormatRows(rows, Mode(mode)), "") << OutputModeName(mode);
  }
}

TEST(OutputFormat, NullShowsAsNullWhereAlignedAndEmptyInLists) {
  OutputFormat format;
  for (OutputMode mode : {OutputMode::kTable, OutputMode::kBox, OutputMode::kLine}) {
    format.mode = mode;
    EXPECT_EQ(NullText(format), "NULL");
  }
  format.mode = OutputMode::kList;
  EXPECT_EQ(NullText(format), "");
  format.null_text = "(null)";
  EXPECT_EQ(NullText(format), "(null)");
}

TEST(OutputFormat, ModeNamesRoundTrip) {
  for (std::string_view name : {"list", "table", "box", "csv", "json", "line"}) {
    auto mode = ParseOutputMode(name);
    ASSERT_TRUE(mode.has_value()) << name;
    EXPECT_EQ(OutputModeName(*mode), name);
  }
  EXPECT_FALSE(ParseOutputMode("columns").has_value());
}

TEST(ValueText, RealsLookLikeReals) {
  EXPECT_EQ(RealText(1.0), "1.0");
  EXPECT_EQ(RealText(0.1), "0.1");
  EXPECT_EQ(RealText(1.0 / 3), "0.333333333333333");
  EXPECT_EQ(RealText(1e20), "1.0e+20");
  EXPECT_EQ(RealText(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(RealText(std::numeric_limits<double>::infinity()), "Inf");
}

TEST(DisplayWidth, CountsTerminalColumns) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("日本"), 4u);
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1u);         // e + combining acute
  EXPECT_EQ(DisplayWidth("\xF0\x9F\x98\x80"), 2u);  // 😀
  EXPECT_EQ(DisplayWidth("\xFF\xFE"), 2u);          // invalid bytes: one each
  EXPECT_EQ(DisplayWidth("\xE6\x97"), 2u);          // a truncated sequence
}

}  // namespace
}  // namespace edgelite::cli::shell
