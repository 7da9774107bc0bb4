// BlockingHttpClient sends one request at a time over a keep-alive connection and waits for the
// answer, with a timeout. The setup and wait-ready commands use it: they are sequential
// conversations (open a transaction, insert in batches, commit) where an event loop would only add
// noise. It reconnects by itself if the server closed the previous connection.
#ifndef EDGELITE_BENCH_LOADGEN_BLOCKING_HTTP_CLIENT_H_
#define EDGELITE_BENCH_LOADGEN_BLOCKING_HTTP_CLIENT_H_

#include <string>

#include "http_response_parser.h"
#include "socket_util.h"

namespace edgelite::bench {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class BlockingHttpClient {
 public:
  BlockingHttpClient(const Endpoint& endpoint, double timeout_seconds)
      : endpoint_(endpoint), timeout_seconds_(timeout_seconds) {}
  ~BlockingHttpClient() { Close(); }
  BlockingHttpClient(const BlockingHttpClient&) = delete;
  BlockingHttpClient& operator=(const BlockingHttpClient&) = delete;

  // Sends `request` (complete HTTP bytes) and reads one response; false with `error` set if the
  // connection failed, timed out or the reply was not valid HTTP.
  bool RoundTrip(const std::string& request, HttpResponse* response, std::string* error);

 private:
  bool EnsureConnected(std::string* error);
  void Close();

  Endpoint endpoint_;
  double timeout_seconds_;
  int fd_ = -1;
  std::string in_;
  HttpResponseParser parser_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_BLOCKING_HTTP_CLIENT_H_
