// The bincode bytes of SQL values must be exactly what sqld's Rust code produces and accepts:
// embedded replicas decode result values and encode parameters with it.
#include "protocol/bincode_value.h"

#include <gtest/gtest.h>

#include <limits>

namespace edgelite::replication {
namespace {

using namespace std::string_literals;

TEST(BincodeValueTest, EncodesTheExamplesOfTheSpec) {
  EXPECT_EQ(EncodeBincodeValue(Null{}), "\x00\x00\x00\x00"s);
  EXPECT_EQ(EncodeBincodeValue(int64_t{1}), "\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"s);
  EXPECT_EQ(EncodeBincodeValue("ab"s),
            "\x03\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"
            "ab"s);
}

TEST(BincodeValueTest, EncodesRealsAndBlobsLittleEndian) {
  // 1.5 is 0x3FF8000000000000.
  EXPECT_EQ(EncodeBincodeValue(1.5), "\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf8\x3f"s);
  EXPECT_EQ(EncodeBincodeValue(Blob{"\x00\xff"s}),
            "\x04\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\xff"s);
  EXPECT_EQ(EncodeBincodeValue(int64_t{-2}), "\x01\x00\x00\x00\xfe\xff\xff\xff\xff\xff\xff\xff"s);
}

TEST(BincodeValueTest, RoundTripsEveryKindOfValue) {
  std::vector<Value> values = {Null{},
                               int64_t{0},
                               std::numeric_limits<int64_t>::min(),
                               std::numeric_limits<int64_t>::max(),
                               -0.25,
                               std::numeric_limits<double>::infinity(),
                               ""s,
                               "héllo"s,
                               Blob{""},
                               Blob{std::string(1000, '\x01')}};
  for (const Value& value : values) {
    auto decoded = DecodeBincodeValue(EncodeBincodeValue(value));
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(*decoded, value);
  }
}

TEST(BincodeValueTest, RefusesMalformedBytes) {
  auto expect_error = [](std::string bytes, std::string_view fragment) {
    auto decoded = DecodeBincodeValue(bytes);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(decoded.status().message().find(fragment), std::string::npos)
        << decoded.status().message();
  };
  expect_error("", "variant tag is truncated");
  expect_error("\x05\x00\x00\x00"s, "unknown variant tag 5");
  expect_error("\x01\x00\x00\x00\x01\x00"s, "integer is truncated");
  // A length far beyond the bytes present.
  expect_error(
      "\x03\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"
      "ab"s,
      "text is truncated");
  expect_error("\x00\x00\x00\x00\x00"s, "1 unexpected bytes");
}

}  // namespace
}  // namespace edgelite::replication
