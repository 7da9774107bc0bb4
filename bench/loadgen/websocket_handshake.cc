// Header names are compared case-insensitively (RFC 9110); the Upgrade and Connection values are
// tokens, also case-insensitive. Sec-WebSocket-Accept is compared exactly: it is base64.
#include "websocket_handshake.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "fast_random.h"
#include "sha1.h"

namespace edgelite::bench {
namespace {

// RFC 6455 section 1.3: the server appends this to the client's key before hashing.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
// A handshake answer larger than this is not a WebSocket server talking.
constexpr size_t kMaxHeaderBytes = 16 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool ContainsTokenIgnoreCase(std::string_view list, std::string_view token) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view item = list.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    start = end + 1;
  }
  return false;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

WebSocketHandshake::WebSocketHandshake(std::string_view host, int port, std::string_view path,
                                       std::string_view subprotocol, uint64_t key_seed)
    : subprotocol_(subprotocol) {
  FastRandom random(key_seed);
  uint8_t nonce[16];
  for (uint8_t& byte : nonce) byte = static_cast<uint8_t>(random.Next() >> 56);
  const std::string key = Base64Encode(nonce, sizeof(nonce));
  const auto digest = Sha1(key + std::string(kAcceptGuid));
  expected_accept_ = Base64Encode(digest.data(), digest.size());

  request_ = "GET ";
  request_ += path;
  request_ += " HTTP/1.1\r\nHost: ";
  request_ += host;
  request_ += ':';
  request_ += std::to_string(port);
  request_ +=
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: ";
  request_ += key;
  request_ += "\r\n";
  if (!subprotocol_.empty()) {
    request_ += "Sec-WebSocket-Protocol: ";
    request_ += subprotocol_;
    request_ += "\r\n";
  }
  request_ += "\r\n";
}

WebSocketHandshake::Progress WebSocketHandshake::Parse(std::string_view buffer) {
  const size_t header_end = buffer.find("\r\n\r\n");
  if (header_end == std::string_view::npos) {
    if (buffer.size() > kMaxHeaderBytes) return Fail("handshake response headers too long");
    return Progress::kNeedMore;
  }
  const std::string_view head = buffer.substr(0, header_end + 2);  // Keeps the last CRLF.

  size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") {
    return Fail("not an HTTP response: " + std::string(status_line.substr(0, 80)));
  }
  status_ = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  if (status_ != 101) {
    // Show what the server said on one line: sqld explains a subprotocol mismatch in the body
    // (whatever part of it has arrived with the headers).
    std::string message = "WebSocket upgrade refused: " + std::string(status_line);
    const std::string_view body = buffer.substr(header_end + 4, 200);
    if (!body.empty()) message += ": " + std::string(body);
    return Fail(std::move(message));
  }

  bool upgrade = false, connection = false, accept_ok = false;
  std::string_view protocol;
  std::string accept_seen;
  size_t position = line_end + 2;
  while (position < head.size()) {
    line_end = head.find("\r\n", position);
    const std::string_view line = head.substr(position, line_end - position);
    position = line_end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "upgrade")) {
      upgrade = EqualsIgnoreCase(value, "websocket");
    } else if (EqualsIgnoreCase(name, "connection")) {
      connection = ContainsTokenIgnoreCase(value, "upgrade");
    } else if (EqualsIgnoreCase(name, "sec-websocket-accept")) {
      accept_seen = value;
      accept_ok = value == expected_accept_;
    } else if (EqualsIgnoreCase(name, "sec-websocket-protocol")) {
      protocol = value;
    }
  }
  if (!upgrade) return Fail("101 response without \"Upgrade: websocket\"");
  if (!connection) return Fail("101 response without \"Connection: upgrade\"");
  if (!accept_ok) {
    return Fail("Sec-WebSocket-Accept is '" + accept_seen + "', expected '" + expected_accept_ +
                "'");
  }
  if (!EqualsIgnoreCase(protocol, subprotocol_)) {
    return Fail("server chose subprotocol '" + std::string(protocol) + "', we asked for '" +
                subprotocol_ + "'");
  }
  consumed_ = header_end + 4;
  return Progress::kComplete;
}

WebSocketHandshake::Progress WebSocketHandshake::Fail(std::string message) {
  error_ = std::move(message);
  return Progress::kError;
}

}  // namespace edgelite::bench
