// gzip response bodies with zlib.
#include "server/response_compression.h"

#include <zlib.h>

#include <cctype>
#include <charconv>
#include <cstdlib>

#include "common/text.h"

namespace edgelite::server {
namespace {

constexpr size_t kMinimumCompressedSize = 1024;

// The q-value of one Accept-Encoding element ("gzip;q=0.5"); 1 when absent, 0 when unreadable.
double QualityOf(std::string_view parameters) {
  while (!parameters.empty()) {
    size_t semicolon = parameters.find(';');
    std::string_view parameter = TrimSpaces(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? "" : parameters.substr(semicolon + 1);
    if (parameter.size() >= 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
        parameter[1] == '=') {
      std::string value(TrimSpaces(parameter.substr(2)));
      char* end = nullptr;
      double quality = std::strtod(value.c_str(), &end);
      return end == value.c_str() + value.size() ? quality : 0;
    }
  }
  return 1;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  while (!accept_encoding.empty()) {
    std::string_view element = TakeListElement(accept_encoding);
    size_t semicolon = element.find(';');
    std::string_view coding = TrimSpaces(element.substr(0, semicolon));
    std::string_view parameters =
        semicolon == std::string_view::npos ? "" : element.substr(semicolon + 1);
    if (EqualsIgnoringCase(coding, "gzip") || EqualsIgnoringCase(coding, "x-gzip") ||
        coding == "*") {
      if (QualityOf(parameters) > 0) return true;
    }
  }
  return false;
}

std::optional<std::string> GzipIfWorthIt(std::string_view body, std::string_view content_type) {
  if (body.size() < kMinimumCompressedSize || body.size() > (uInt(-1) >> 1)) return std::nullopt;
  if (content_type.starts_with("text/event-stream") ||
      content_type.starts_with("application/grpc")) {
    return std::nullopt;
  }
  z_stream stream{};
  // 15 window bits + 16: a gzip header and trailer rather than zlib's. Level 1: JSON and row data
  // compress well even at the fastest level, and a large result is not held up by the CPU.
  if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  std::string compressed(deflateBound(&stream, body.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_out = static_cast<uInt>(compressed.size());
  int result = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) return std::nullopt;
  compressed.resize(stream.total_out);
  return compressed;
}

}  // namespace edgelite::server
