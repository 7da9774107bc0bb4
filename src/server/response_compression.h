// Response compression, as sqld's CompressionLayer does it: a body is gzip-encoded when the client
// says it accepts gzip. Small bodies are sent as they are: below about a kilobyte, compressing
// costs more time than it saves on the wire (sqld compresses from 32 bytes; clients accept both).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edgelite::server {

// Whether an Accept-Encoding header value accepts gzip (`gzip`, `x-gzip` or `*` with q > 0).
bool AcceptsGzip(std::string_view accept_encoding);

// The gzip encoding of `body` when compression is worth it for this body and content type
// (never for event streams or gRPC, whose framing the client reads as it arrives); nullopt
// otherwise.
std::optional<std::string> GzipIfWorthIt(std::string_view body, std::string_view content_type);

}  // namespace edgelite::server
