// Beast glue for Hrana over WebSocket. A connection is one coroutine reading frames into the
// session and one writing the frames the session produces, both on the connection's own thread;
// they meet in a small outbox. The writer sends whatever the outbox holds with one write system
// call (CoalescingStream). Ping/pong is Beast's (automatic pongs, and pings of our own when the
// peer is quiet, so a vanished client is noticed and its streams released).
#include "server/websocket_transport.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <tuple>

#include "server/coalescing_stream.h"
#include "server/hrana_ws_session.h"

namespace edgelite::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

// A peer that sends nothing for this long is pinged, and dropped if the ping goes unanswered for
// as long again.
constexpr auto kIdleTimeout = std::chrono::seconds(60);
// Requests received but not yet answered (plus answers not yet written) above which the connection
// stops reading, so that a client pipelining without bound is held back by TCP flow control.
constexpr size_t kMaxInFlight = 1024;
// Bytes of answers not yet written above which no more requests start and none are read: a client
// that does not read its answers holds this much (plus the answers of requests already running).
constexpr size_t kMaxQueuedAnswerBytes = 4 * 1024 * 1024;
// Bytes of requests received and not yet started above which the connection stops reading.
constexpr size_t kMaxQueuedRequestBytes = 16 * 1024 * 1024;
// RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the close code.
constexpr size_t kMaxCloseReason = 123;
// Bytes of answers the writer gathers into one write before sending them.
constexpr size_t kMaxWriteBatch = 256 * 1024;

using WebSocket = websocket::stream<CoalescingStream>;

// A timer used as a wake-up signal between the two coroutines of one connection (same thread, so
// checking the condition and then waiting cannot miss a wake-up).
class Signal {
 public:
  explicit Signal(const asio::any_io_executor& executor) : timer_(executor) {}
  asio::awaitable<void> Wait() {
    timer_.expires_at(asio::steady_timer::time_point::max());
    co_await timer_.async_wait(kAsTuple);
  }
  void Notify() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

std::string TruncateUtf8(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

// The session's transport: frames wait in the outbox until the writer coroutine sends them.
class Connection : public WsTransport {
 public:
  Connection(WebSocket& socket, const asio::any_io_executor& executor)
      : socket_(socket), wake_writer_(executor), wake_reader_(executor), writer_exited_(executor) {}

  void Send(WsFrame frame) override {
    if (close_) return;
    outbox_bytes_ += frame.payload.size();
    outbox_.push_back(std::move(frame));
    wake_writer_.Notify();
  }

  bool Congested() const override { return outbox_bytes_ >= kMaxQueuedAnswerBytes; }

  // Called on the connection's thread once the client has read enough to take more answers.
  void OnDrained(std::function<void()> drained) { drained_ = std::move(drained); }

  void Close(WsCloseCode code, std::string reason) override {
    if (close_) return;
    close_ = websocket::close_reason(static_cast<websocket::close_code>(code),
                                     TruncateUtf8(std::move(reason), kMaxCloseReason));
    wake_writer_.Notify();
  }

  // Whether the reader should pause before taking more requests from the client.
  bool Saturated(const HranaWsSession& session) const {
    // Once the writer has stopped (the client is gone), the reader must go on to see the end.
    return !close_ && writer_running_ && (session.outstanding() + outbox_.size() >= kMaxInFlight || Congested() ||
                       session.queued_bytes() >= kMaxQueuedRequestBytes);
  }
  asio::awaitable<void> WaitForRoom() { co_await wake_reader_.Wait(); }

  asio::awaitable<void> WriteLoop() {
    while (true) {
      if (!outbox_.empty()) {
        CoalescingStream& stream = socket_.next_layer();
        stream.Cork();
        size_t batch = 0;
        boost::system::error_code error;
        while (!error && !outbox_.empty() && batch < kMaxWriteBatch) {
          WsFrame frame = std::move(outbox_.front());
          outbox_.pop_front();
          outbox_bytes_ -= frame.payload.size();
          batch += frame.payload.size();
          socket_.binary(frame.binary);
          std::tie(error, std::ignore) =
              co_await socket_.async_write(asio::buffer(frame.payload), kAsTuple);
        }
        auto [flush_error] = co_await stream.async_flush(kAsTuple);
        if (error || flush_error) break;
        wake_reader_.Notify();
        if (!Congested() && drained_) drained_();
      } else if (close_) {
        co_await socket_.async_close(*close_, kAsTuple);
        break;
      } else if (stopping_) {
        break;
      } else {
        co_await wake_writer_.Wait();
      }
    }
    // Nothing more can be written: make a read still waiting on the socket end as well.
    boost::system::error_code ignored;
    beast::get_lowest_layer(socket_).close(ignored);
    writer_running_ = false;
    writer_exited_.Notify();
    wake_reader_.Notify();
  }

  // Ends the writer (aborting a write the peer does not take) and waits until it has stopped.
  asio::awaitable<void> StopWriter() {
    stopping_ = true;
    wake_writer_.Notify();
    if (writer_running_) {
      boost::system::error_code ignored;
      beast::get_lowest_layer(socket_).close(ignored);
    }
    while (writer_running_) co_await writer_exited_.Wait();
  }

 private:
  WebSocket& socket_;
  std::deque<WsFrame> outbox_;
  size_t outbox_bytes_ = 0;
  std::function<void()> drained_;
  std::optional<websocket::close_reason> close_;
  bool stopping_ = false;
  bool writer_running_ = true;
  Signal wake_writer_;
  Signal wake_reader_;
  Signal writer_exited_;
};

// The answer to an upgrade offering no subprotocol we speak.
asio::awaitable<void> Refuse(beast::tcp_stream& stream, unsigned version, const char* server_name,
                             std::string message, int status = 400,
                             std::string content_type = "text/plain; charset=utf-8") {
  http::response<http::string_body> response{http::int_to_status(unsigned(status)), version};
  response.set(http::field::server, server_name);
  response.set(http::field::content_type, content_type);
  response.set(http::field::access_control_allow_origin, "*");
  response.body() = std::move(message);
  response.keep_alive(false);
  response.prepare_payload();
  stream.expires_after(std::chrono::seconds(30));
  co_await http::async_write(stream, response, kAsTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

bool IsWebSocketUpgrade(const http::request<http::string_body>& request) {
  return websocket::is_upgrade(request);
}

asio::awaitable<void> ServeHranaWebSocket(beast::tcp_stream stream,
                                          http::request<http::string_body> request,
                                          const HranaHttpService& service,
                                          const char* server_name) {
  std::optional<std::string> offered;  // every Sec-WebSocket-Protocol header, joined with ','
  auto [first, last] = request.equal_range(http::field::sec_websocket_protocol);
  for (auto field = first; field != last; ++field) {
    if (offered) {
      *offered += ',';
    } else {
      offered.emplace();
    }
    *offered += field->value();
  }
  auto negotiated = NegotiateSubprotocol(offered);
  if (!negotiated.ok()) {
    co_await Refuse(stream, request.version(), server_name, negotiated.status().message());
    co_return;
  }

  // The namespace, chosen as for HTTP requests (from the upgrade's path and headers).
  HttpRequest selecting;
  selecting.target = std::string(request.target());
  for (const auto& field : request) {
    std::string name(field.name_string());
    for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
    selecting.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  auto database = service.DatabaseFor(selecting);
  if (auto* refusal = std::get_if<HttpResponse>(&database)) {
    co_await Refuse(stream, request.version(), server_name, std::move(refusal->body),
                    refusal->status, refusal->content_type);
    co_return;
  }

  const auto executor = stream.get_executor();
  // Beast's own WebSocket timeouts replace the TCP stream's.
  WebSocket socket(stream.release_socket());
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = kIdleTimeout;
  timeouts.keep_alive_pings = true;
  socket.set_option(timeouts);
  socket.set_option(websocket::stream_base::decorator(
      [server_name, echo = negotiated->echo](websocket::response_type& response) {
        response.set(http::field::server, server_name);
        if (!echo.empty()) response.set(http::field::sec_websocket_protocol, echo);
      }));
  const ServerConfig& config = service.config();
  socket.read_message_max(config.max_request_size);
  socket.auto_fragment(false);
  auto [accept_error] = co_await socket.async_accept(request, kAsTuple);
  if (accept_error) co_return;

  Connection connection(socket, executor);
  WsSessionSettings settings;
  settings.subprotocol = negotiated->subprotocol;
  settings.database = std::get<std::shared_ptr<Database>>(std::move(database));
  settings.authenticator =
      &settings.database->AuthenticatorOr(*service.authenticator(), settings.own_authenticator);
  settings.post = [executor](std::function<void()> task) { asio::post(executor, std::move(task)); };
  settings.max_response_size = config.max_response_size;
  // Cursors are buffered whole (one connection's open cursors together): twice a response.
  settings.max_cursor_size = 2 * config.max_response_size;
  settings.max_sql_bytes = config.max_request_size;
  settings.client_socket = beast::get_lowest_layer(socket).native_handle();
  std::shared_ptr<HranaWsSession> session =
      HranaWsSession::Create(std::move(settings), &connection);
  connection.OnDrained([&session] { session->Resume(); });
  asio::co_spawn(executor, connection.WriteLoop(), asio::detached);

  beast::flat_buffer buffer;
  while (true) {
    while (connection.Saturated(*session)) co_await connection.WaitForRoom();
    buffer.clear();
    auto [error, read] = co_await socket.async_read(buffer, kAsTuple);
    if (error) {
      if (error != websocket::error::closed && error != asio::error::eof &&
          error != asio::error::connection_reset && error != asio::error::operation_aborted &&
          error != beast::error::timeout) {
        spdlog::info("Hrana WebSocket connection ended: {}", error.message());
      }
      break;
    }
    const auto data = buffer.data();
    session->Receive(socket.got_binary(),
                     std::string_view(static_cast<const char*>(data.data()), data.size()));
  }

  // Streams are released (transactions rolled back) before the connection is gone for good.
  Signal shut_down(executor);
  bool done = false;
  session->Shutdown([&] {
    done = true;
    shut_down.Notify();
  });
  while (!done) co_await shut_down.Wait();
  co_await connection.StopWriter();
}

}  // namespace edgelite::server
