// The Boost.Beast side of Hrana over WebSocket: takes over a connection whose HTTP request asked
// for an upgrade, negotiates the subprotocol, completes the handshake and then carries frames
// between the socket and a HranaWsSession, which holds all the protocol logic. Only the listener
// includes this header; Beast's WebSocket code stays in websocket_transport.cc.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/hrana_http_service.h"

namespace edgelite::server {

// The value of the `server` header of the handshake's answer, as sqld sends it: upgrades on the
// HTTP port and connections to the WebSocket-only listener (--hrana-listen-addr) tell themselves
// apart.
inline constexpr const char* kUpgradeServerName = "sqld-hrana-upgrade";
inline constexpr const char* kTcpServerName = "sqld-hrana-tcp";

// Whether `request` asks to become a WebSocket (a GET with the upgrade headers).
bool IsWebSocketUpgrade(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

// Serves one Hrana WebSocket connection until it ends. `request` is the upgrade request already
// read from `stream`; a request whose subprotocols are all unknown gets a 400 answer instead.
boost::asio::awaitable<void> ServeHranaWebSocket(
    boost::beast::tcp_stream stream,
    boost::beast::http::request<boost::beast::http::string_body> request,
    const HranaHttpService& service, const char* server_name);

}  // namespace edgelite::server
