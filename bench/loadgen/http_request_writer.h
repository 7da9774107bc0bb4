// HttpRequestWriter produces the bytes of the HTTP/1.1 requests the load generator sends. The
// header lines that never change (Host, Authorization, Content-Type) are formatted once, so each
// request costs only a couple of appends; keep-alive is HTTP/1.1's default and is not spelled out.
#ifndef EDGELITE_BENCH_LOADGEN_HTTP_REQUEST_WRITER_H_
#define EDGELITE_BENCH_LOADGEN_HTTP_REQUEST_WRITER_H_

#include <string>
#include <string_view>

namespace edgelite::bench {

class HttpRequestWriter {
 public:
  HttpRequestWriter(std::string_view host, int port, std::string_view auth_token);

  // Replaces `out` with a POST of a JSON body to `path`.
  void Post(std::string_view path, std::string_view json_body, std::string* out) const;

  // Replaces `out` with a GET of `path`.
  void Get(std::string_view path, std::string* out) const;

 private:
  std::string common_headers_;  // "Host: ...\r\n" plus Authorization when a token is set.
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_HTTP_REQUEST_WRITER_H_
