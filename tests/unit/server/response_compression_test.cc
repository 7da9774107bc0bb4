// Response compression: which Accept-Encoding values get gzip, which bodies are worth it, and that
// the output is a gzip stream a client can decode back to the same bytes.
#include "server/response_compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace edgelite::server {
namespace {

std::string Gunzip(const std::string& compressed) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(ResponseCompressionTest, AcceptEncodingValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=zero"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(ResponseCompressionTest, SmallBodiesAndStreamsStayAsTheyAre) {
  EXPECT_FALSE(GzipIfWorthIt(std::string(100, 'a'), "application/json"));
  EXPECT_FALSE(GzipIfWorthIt(std::string(100'000, 'a'), "text/event-stream"));
  EXPECT_FALSE(GzipIfWorthIt(std::string(100'000, 'a'), "application/grpc-web+proto"));
}

TEST(ResponseCompressionTest, LargeBodyRoundTrips) {
  std::string body;
  for (int i = 0; i < 5000; ++i)
    body += R"({"type":"integer","value":")" + std::to_string(i) + "\"},";
  auto compressed = GzipIfWorthIt(body, "application/json");
  ASSERT_TRUE(compressed);
  EXPECT_LT(compressed->size(), body.size() / 4);
  EXPECT_EQ(Gunzip(*compressed), body);
}

}  // namespace
}  // namespace edgelite::server
