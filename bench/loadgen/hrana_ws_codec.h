// The Hrana-over-WebSocket messages of the ws-point-read workload, in the three encodings a
// client can negotiate: JSON text frames (subprotocols hrana2 and hrana3, which agree on every
// message used here) and protobuf binary frames (hrana3-protobuf, package hrana.ws of the Hrana 3
// specification). The client sends `hello`, then `open_stream` and `execute` requests; it reads
// `hello_ok`/`hello_error` and `response_ok`/`response_error` back, and for an execute response
// it needs only the request id and the number of rows, so that is all decoding extracts.
#ifndef EDGELITE_BENCH_LOADGEN_HRANA_WS_CODEC_H_
#define EDGELITE_BENCH_LOADGEN_HRANA_WS_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "options.h"

namespace edgelite::bench {

struct ServerMessage {
  enum class Kind { kHelloOk, kHelloError, kResponseOk, kResponseError, kMalformed };
  Kind kind = Kind::kMalformed;
  int64_t request_id = -1;             // For responses.
  std::optional<size_t> execute_rows;  // Rows in the result, for a response_ok to `execute`.
  std::string error;                   // Server's message for errors; what was wrong if malformed.
};

class HranaWsCodec {
 public:
  explicit HranaWsCodec(WsProtocol protocol) : protocol_(protocol) {}

  // Protobuf travels in binary frames, JSON in text frames; the server rejects the other kind.
  bool binary() const { return protocol_ == WsProtocol::kHrana3Protobuf; }

  // Each replaces `out` with one message's payload. An empty `jwt` is sent as null (no auth).
  void Hello(std::string_view jwt, std::string* out) const;
  void OpenStream(int32_t request_id, int32_t stream_id, std::string* out) const;
  // `execute` of "SELECT v FROM bench WHERE id = ?" with `id` as its integer argument.
  void ExecutePointRead(int32_t request_id, int32_t stream_id, int64_t id, std::string* out) const;

  ServerMessage Decode(std::string_view payload) const;

 private:
  ServerMessage DecodeJson(std::string_view payload) const;
  ServerMessage DecodeProtobuf(std::string_view payload) const;

  WsProtocol protocol_;
};

}  // namespace edgelite::bench

#endif  // EDGELITE_BENCH_LOADGEN_HRANA_WS_CODEC_H_
