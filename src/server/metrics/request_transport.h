// RequestTransport: how a request reached the server, the label of its latency in the metrics.
#pragma once

#include <cstddef>
#include <string_view>

namespace edgelite::server {

enum class RequestTransport { kHttp, kWebSocket, kGrpc };
constexpr size_t kRequestTransports = 3;

constexpr std::string_view RequestTransportLabel(RequestTransport transport) {
  switch (transport) {
    case RequestTransport::kHttp: return "http";
    case RequestTransport::kWebSocket: return "ws";
    case RequestTransport::kGrpc: return "grpc";
  }
  return "http";
}

}  // namespace edgelite::server
