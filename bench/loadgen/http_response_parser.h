// HttpResponseParser reads one HTTP/1.1 response at a time from the bytes a connection has
// received so far, so the load generator can tell when a response is complete and whether the
// server wants the connection kept alive. It understands Content-Length, chunked transfer coding
// and bodies delimited by connection close; it is incremental (call Parse again after more bytes
// arrive) and remembers how far it got, so a response split over many reads is not re-parsed from
// the start. It is deliberately small: the generator never sends Expect or HEAD, and it does not
// ask for compression, so those paths are not needed.
#ifndef EDGELITE_BENCH_LOADGEN_HTTP_RESPONSE_PARSER_H_
#define EDGELITE_BENCH_LOADGEN_HTTP_RESPONSE_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace edgelite::bench {

class HttpResponseParser {
 public:
  enum class Progress { kNeedMore, kComplete, kError };

  // Parses the response at the start of `buffer`, which must hold every byte received since the
  // response began (earlier calls saw prefixes of it). On kComplete, consumed() bytes of `buffer`
  // belong to this response; body() stays valid until the buffer changes or Reset() is called.
  Progress Parse(std::string_view buffer);

  // The peer closed the connection. Completes a response whose body runs to end of stream.
  Progress OnEndOfStream(std::string_view buffer);

  // Forgets the current response so the parser can read the next one.
  void Reset();

  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  std::string_view body() const { return body_; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

 private:
  enum class Stage { kHeaders, kFixedBody, kChunkSize, kChunkData, kChunkTrailer, kUntilClose };

  Progress ParseHeaders(std::string_view buffer);
  Progress ParseChunked(std::string_view buffer);
  Progress Fail(std::string message);

  Stage stage_ = Stage::kHeaders;
  size_t position_ = 0;  // How far into the response parsing has advanced.
  int status_ = 0;
  bool keep_alive_ = true;
  size_t content_length_ = 0;
  size_t chunk_remaining_ = 0;
  std::string chunked_body_;  // Reassembled body for chunked responses.
  std::string_view body_;
  size_t consumed_ = 0;
  std::string error_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_HTTP_RESPONSE_PARSER_H_
