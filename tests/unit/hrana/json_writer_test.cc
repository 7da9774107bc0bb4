// Tests for JsonWriter: the escaping, UTF-8 repair and number formatting that every JSON response
// relies on. Expected outputs are exact strings; the property tests check that any input bytes and
// any finite double come out as valid JSON that reads back to the same thing.
#include "hrana/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace edgelite::hrana::json {
namespace {

std::string WriteString(std::string_view text) {
  std::string out;
  JsonWriter(out).String(text);
  return out;
}

std::string WriteDouble(double value) {
  std::string out;
  JsonWriter(out).Double(value);
  return out;
}

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(JsonWriterString, PlainAsciiIsQuotedUnchanged) {
  EXPECT_EQ(WriteString("hello, world"), "\"hello, world\"");
  EXPECT_EQ(WriteString(""), "\"\"");
  EXPECT_EQ(WriteString("~\x7f"), "\"~\x7f\"");  // DEL is not a control character in JSON
}

TEST(JsonWriterString, EscapesQuoteBackslashAndControlCharacters) {
  EXPECT_EQ(WriteString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(WriteString("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(WriteString("\x01\x1f"), "\"\\u0001\\u001f\"");
  EXPECT_EQ(WriteString(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(WriteString("/"), "\"/\"");
}

TEST(JsonWriterString, PassesValidUtf8Through) {
  const std::string text =
      "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E \xF4\x8F\xBF\xBF \xEF\xBF\xBF";
  EXPECT_EQ(WriteString(text), "\"" + text + "\"");
}

TEST(JsonWriterString, ReplacesEachMaximalIllFormedSubsequence) {
  EXPECT_EQ(WriteString("\xFF"), "\"" + kReplacement + "\"");
  EXPECT_EQ(WriteString("a\xC3"), "\"a" + kReplacement + "\"");    // truncated at end
  EXPECT_EQ(WriteString("\xE2\x82"), "\"" + kReplacement + "\"");  // one subpart, one U+FFFD
  EXPECT_EQ(WriteString("\xE2\x82"
                        "A"),
            "\"" + kReplacement + "A\"");  // the next byte survives
  EXPECT_EQ(WriteString("\xF0\x9F\x98x"), "\"" + kReplacement + "x\"");
  EXPECT_EQ(WriteString("\x80\x80"), "\"" + kReplacement + kReplacement + "\"");  // stray bytes
  // Overlong forms, surrogates and code points above U+10FFFF are ill-formed from the lead byte or
  // the second byte on, so every byte becomes its own replacement.
  EXPECT_EQ(WriteString("\xC0\xAF"), "\"" + kReplacement + kReplacement + "\"");
  EXPECT_EQ(WriteString("\xE0\x80\xAF"), "\"" + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(WriteString("\xED\xA0\x80"), "\"" + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(WriteString("\xF4\x90\x80\x80"),
            "\"" + kReplacement + kReplacement + kReplacement + kReplacement + "\"");
  EXPECT_EQ(WriteString("\xF5"), "\"" + kReplacement + "\"");
  // A repaired byte next to an escape and valid text.
  EXPECT_EQ(WriteString("\"\xFF\xC3\xA9\n"), "\"\\\"" + kReplacement + "\xC3\xA9\\n\"");
}

TEST(JsonWriterString, AnyBytesBecomeValidJson) {
  std::mt19937 random(42);
  for (int round = 0; round < 2000; ++round) {
    std::string bytes(random() % 24, '\0');
    for (char& byte : bytes) byte = char(random() % 256);
    const std::string out = WriteString(bytes);
    boost::json::error_code error;
    const boost::json::value parsed = boost::json::parse(out, error);
    ASSERT_FALSE(error) << "invalid JSON for input of " << bytes.size() << " bytes: " << out;
    ASSERT_TRUE(parsed.is_string());
  }
}

TEST(JsonWriterString, ValidTextRoundTrips) {
  const std::string text = "quote\" back\\slash \x01\x7f \xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E";
  const boost::json::value parsed = boost::json::parse(WriteString(text));
  EXPECT_EQ(std::string(parsed.as_string().c_str(), parsed.as_string().size()), text);
}

TEST(JsonWriterInteger, WritesExtremes) {
  std::string out;
  JsonWriter writer(out);
  writer.Int(std::numeric_limits<int64_t>::min());
  writer.Raw(',');
  writer.Int(std::numeric_limits<int64_t>::max());
  writer.Raw(',');
  writer.Uint(std::numeric_limits<uint64_t>::max());
  writer.Raw(',');
  writer.QuotedInt(-1);
  writer.Raw(',');
  writer.QuotedUint(0);
  EXPECT_EQ(out, "-9223372036854775808,9223372036854775807,18446744073709551615,\"-1\",\"0\"");
}

TEST(JsonWriterDouble, KeepsAFractionOrExponent) {
  EXPECT_EQ(WriteDouble(1.0), "1.0");
  EXPECT_EQ(WriteDouble(0.0), "0.0");
  EXPECT_EQ(WriteDouble(-0.0), "-0.0");
  EXPECT_EQ(WriteDouble(0.5), "0.5");
  EXPECT_EQ(WriteDouble(0.1), "0.1");
  EXPECT_EQ(WriteDouble(-2.5), "-2.5");
  EXPECT_EQ(WriteDouble(123456.0), "123456.0");
  EXPECT_EQ(WriteDouble(1e300), "1e+300");
  EXPECT_EQ(WriteDouble(5e-324), "5e-324");
  EXPECT_EQ(WriteDouble(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(JsonWriterDouble, NonFiniteIsNull) {
  EXPECT_EQ(WriteDouble(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(WriteDouble(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(WriteDouble(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(JsonWriterDouble, EveryFiniteDoubleRoundTripsAsAJsonNumber) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 20000; ++round) {
    const uint64_t bits = random();
    double value;
    std::memcpy(&value, &bits, sizeof(value));
    if (!std::isfinite(value)) continue;
    const std::string out = WriteDouble(value);
    boost::json::error_code error;
    const boost::json::value parsed = boost::json::parse(out, error);
    ASSERT_FALSE(error) << out;
    ASSERT_TRUE(parsed.is_double()) << out;  // never mistaken for an integer
    double read_back = 0;
    std::from_chars(out.data(), out.data() + out.size(), read_back);
    ASSERT_EQ(read_back, value) << out;
  }
}

TEST(JsonWriterOther, BoolNullAndOptionalString) {
  std::string out;
  JsonWriter writer(out);
  writer.Bool(true);
  writer.Bool(false);
  writer.Null();
  writer.OptionalString(std::nullopt);
  writer.OptionalString(std::string("x"));
  EXPECT_EQ(out, "truefalsenullnull\"x\"");
}

}  // namespace
}  // namespace edgelite::hrana::json
