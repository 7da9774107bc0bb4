// The Beast listener: accept loop, one coroutine per connection, idle stream expiry, signals.
#include "server/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/text.h"
#include "hrana/json_codec.h"
#include "server/client_presence.h"
#include "server/request_runner.h"
#include "server/response_compression.h"
#include "server/streamed_body.h"
#include "server/websocket_transport.h"

namespace edgelite::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

// A transfer coding other than chunked (gzip, deflate, ...) in a Transfer-Encoding value.
std::optional<std::string> UnsupportedTransferCoding(std::string_view value) {
  while (!value.empty()) {
    std::string_view coding = TrimSpaces(TakeListElement(value));
    if (!coding.empty() && !EqualsIgnoringCase(coding, "chunked")) {
      return std::string(coding.substr(0, 40));
    }
  }
  return std::nullopt;
}

constexpr auto kIdleKeepAlive = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr size_t kHeaderLimit = 64 * 1024;
// How long shutdown waits for streamed responses to write their endings before the I/O threads
// stop; a client that does not take its ending by then is cut off.
constexpr auto kStreamEndingGrace = std::chrono::seconds(1);

// The status line and headers of a response, written by hand: every field is ours, and Beast's
// generic serializer cost about a sixth of the CPU of a whole point read.
std::string ResponseHead(const HttpResponse& response, unsigned version, bool keep_alive) {
  std::string head;
  head.reserve(160);
  auto append_number = [&head](uint64_t number) {
    char digits[24];
    head.append(digits, std::to_chars(digits, digits + sizeof digits, number).ptr);
  };
  head += version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ";
  append_number(static_cast<unsigned>(response.status));
  head += ' ';
  head += std::string_view(http::obsolete_reason(static_cast<http::status>(response.status)));
  head += "\r\n";
  auto append_field = [&head](std::string_view name, std::string_view value) {
    head.append(name).append(": ").append(value).append("\r\n");
  };
  if (!response.content_type.empty()) append_field("content-type", response.content_type);
  for (const auto& [name, value] : response.headers) append_field(name, value);
  append_field("access-control-allow-origin", "*");  // CORS as sqld: any origin
  if (!response.streamed_body) {
    head += "content-length: ";
    append_number(response.body.size());
    head += "\r\n";
  } else if (version >= 11) {
    head += "transfer-encoding: chunked\r\n";
  }  // else HTTP/1.0: the body ends where the connection does
  if (!keep_alive) {
    head += "connection: close\r\n";
  } else if (version < 11) {
    head += "connection: keep-alive\r\n";
  }
  head += "\r\n";
  return head;
}

asio::awaitable<boost::system::error_code> WriteResponse(beast::tcp_stream& stream,
                                                         const HttpResponse& response,
                                                         unsigned version, bool keep_alive) {
  std::string head = ResponseHead(response, version, keep_alive);
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(response.body)};
  stream.expires_after(kWriteTimeout);
  auto [error, written] = co_await asio::async_write(stream, buffers, kAsTuple);
  co_return error;
}

// A streamed response can stay silent for long (a replica's LogEntries at the end of the log sends
// nothing until the next commit), so a client that leaves would go unnoticed until a write fails.
// This watches the connection meanwhile, without taking anything from it, and abandons the body as
// soon as the client closes or resets it; a client that sends bytes is still there, and the watch
// ends.
class DepartureWatch {
 public:
  DepartureWatch(tcp::socket& socket, StreamedBody& body)
      : socket_(socket), state_(std::make_shared<State>()) {
    Watch(socket, body, state_);
  }
  ~DepartureWatch() {
    state_->over = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);  // the response is written: nothing but the watch is pending
  }
  DepartureWatch(const DepartureWatch&) = delete;
  DepartureWatch& operator=(const DepartureWatch&) = delete;

  bool client_left() const { return state_->client_left; }

 private:
  // Shared with the wait, which may complete after the watch (and the body) are gone.
  struct State {
    bool over = false;
    bool client_left = false;
  };

  static void Watch(tcp::socket& socket, StreamedBody& body, std::shared_ptr<State> state) {
    socket.async_wait(tcp::socket::wait_read,
                      [&socket, &body, state](const boost::system::error_code&) {
                        if (state->over) return;
                        switch (PeekPeer(socket.native_handle())) {
                          case PeerActivity::kLeft:
                            state->client_left = true;
                            body.Abandon();
                            return;
                          case PeerActivity::kQuiet:
                            Watch(socket, body, state);
                            return;
                          case PeerActivity::kSentBytes:
                            return;
                        }
                      });
  }

  tcp::socket& socket_;
  std::shared_ptr<State> state_;
};

// A streamed body: the head with the first piece (or, if the body failed before any, its error
// response instead), then each piece as it comes, as a chunk (HTTP/1.1) or as is (HTTP/1.0, which
// ends the body by closing the connection). A body that fails later is cut short by closing the
// connection without the last chunk. Clears `keep_alive` when the connection must close.
asio::awaitable<boost::system::error_code> WriteStreamedResponse(beast::tcp_stream& stream,
                                                                 const HttpResponse& response,
                                                                 unsigned version,
                                                                 bool& keep_alive) {
  StreamedBody& body = *response.streamed_body;
  // However this ends (a failed write, a timeout, shutdown), the producer stops.
  struct AbandonAtExit {
    StreamedBody& body;
    ~AbandonAtExit() { body.Abandon(); }
  } abandon{body};
  DepartureWatch departure(stream.socket(), body);
  const bool chunked = version >= 11;
  bool head_sent = false;
  while (true) {
    StreamedBody::Piece piece = co_await body.Next();
    if (departure.client_left()) co_return asio::error::connection_aborted;
    std::string framing;
    if (!head_sent) {
      if (piece.failure)
        co_return co_await WriteResponse(stream, *piece.failure, version, keep_alive);
      keep_alive = keep_alive && chunked;
      framing = ResponseHead(response, version, keep_alive);
      head_sent = true;
    }
    if (piece.end) {
      if (piece.failure) co_return asio::error::connection_aborted;
      if (chunked) framing += "0\r\n\r\n";
    } else if (chunked && !piece.data.empty()) {
      framing += fmt::format("{:x}\r\n", piece.data.size());
    }
    if (!framing.empty() || !piece.data.empty()) {
      std::string_view trailer = chunked && !piece.data.empty() ? "\r\n" : "";
      std::array<asio::const_buffer, 3> buffers{asio::buffer(framing), asio::buffer(piece.data),
                                                asio::buffer(trailer)};
      stream.expires_after(kWriteTimeout);
      auto [error, written] = co_await asio::async_write(stream, buffers, kAsTuple);
      if (error) co_return error;
    }
    if (piece.end) co_return boost::system::error_code();
  }
}

Result<tcp::endpoint> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("listen address '{}' has no port; expected HOST:PORT", text));
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) {
    return Status::InvalidArgument(
        fmt::format("listen address '{}': '{}' is not an IP address", text, host));
  }
  unsigned long port = 0;
  try {
    port = std::stoul(text.substr(colon + 1));
  } catch (...) {
    port = 65536;
  }
  if (port > 65535) {
    return Status::InvalidArgument(fmt::format("listen address '{}' has an invalid port", text));
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

// One io_context per I/O thread, each run by exactly that thread: a connection lives on one thread
// for its whole life, so its handlers never need a strand and no thread wakes another to run them
// (with one shared io_context on two cores, cross-thread hand-offs cost a quarter of the
// throughput).
class IoContextPool {
 public:
  explicit IoContextPool(int size) {
    for (int i = 0; i < size; ++i) contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
  asio::io_context& first() { return *contexts_.front(); }
  // Round robin: where the next accepted connection lives.
  asio::io_context& next() { return *contexts_[next_++ % contexts_.size()]; }
  void Run() {
    std::vector<std::thread> workers;
    for (size_t i = 1; i < contexts_.size(); ++i) {
      workers.emplace_back([context = contexts_[i].get()] {
        auto guard = asio::make_work_guard(*context);
        context->run();
      });
    }
    first().run();
    for (auto& worker : workers) worker.join();
  }
  void Stop() {
    for (auto& context : contexts_) context->stop();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  size_t next_ = 0;  // only touched by the accept loop
};

int IoThreadCount(const ServerConfig& config) {
  if (config.io_threads > 0) return config.io_threads;
  return static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
}

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerConfig& config, HranaHttpService* service, StreamRegistry* streams,
       AdminService* admin)
      : config(config),
        service(service),
        streams(streams),
        admin(admin),
        pool(IoThreadCount(config)),
        io(pool.first()),
        acceptor(io),
        hrana_acceptor(io),
        admin_acceptor(io),
        reaper(io),
        signals(io),
        stream_ending_grace(io) {}

  // What a listener serves: the user API, sqld's WebSocket-only Hrana port (every connection must
  // upgrade), or the admin API.
  enum class Port { kUser, kWebSocketOnly, kAdmin };
  // Accepts connections on `listener` until shutdown.
  asio::awaitable<void> Accept(tcp::acceptor& listener, Port port);
  asio::awaitable<void> Serve(tcp::socket socket, Port port);
  asio::awaitable<void> ExpireIdleStreams();
  void Shutdown();

  // The streamed bodies being sent: shutdown stops them, and the I/O threads stop once the last
  // one has written its ending (or the grace period is over).
  void StartStreaming(StreamedBody& body);
  void EndStreaming(StreamedBody& body);
  void StopPoolLocked();
  struct Streaming {
    Impl& impl;
    StreamedBody& body;
    Streaming(Impl& impl, StreamedBody& body) : impl(impl), body(body) {
      impl.StartStreaming(body);
    }
    ~Streaming() { impl.EndStreaming(body); }
  };

  const ServerConfig& config;
  HranaHttpService* service;
  StreamRegistry* streams;
  AdminService* admin;
  // Declared before the pool, whose destruction ends the connections still streaming: they
  // unregister here.
  std::atomic<bool> stopped{false};
  std::mutex streaming_mutex;
  std::set<StreamedBody*> streaming;  // under streaming_mutex
  bool pool_stopped = false;          // under streaming_mutex
  IoContextPool pool;
  asio::io_context& io;  // the first thread's: accepting, signals, the stream reaper
  tcp::acceptor acceptor;
  tcp::acceptor hrana_acceptor;  // open only with --hrana-listen-addr
  tcp::acceptor admin_acceptor;  // open only with --admin-listen-addr
  asio::steady_timer reaper;
  asio::signal_set signals;
  asio::steady_timer stream_ending_grace;
  std::atomic<size_t> connections{0};
};

HttpServer::HttpServer(const ServerConfig& config, HranaHttpService* service,
                       StreamRegistry* streams, AdminService* admin)
    : impl_(std::make_unique<Impl>(config, service, streams, admin)) {}

HttpServer::~HttpServer() = default;

namespace {

// Opens `listener` on `address`; returns the address bound.
Result<std::string> Listen(tcp::acceptor& listener, const std::string& address) {
  auto endpoint = ParseListenAddress(address);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code error;
  listener.open(endpoint->protocol(), error);
  if (!error) listener.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) listener.bind(*endpoint, error);
  if (!error) listener.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Status::Io(fmt::format("cannot listen on {}: {}", address, error.message()));
  auto bound = listener.local_endpoint();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return fmt::format("{}:{}", host, bound.port());
}

}  // namespace

Result<HttpServer::BoundAddresses> HttpServer::Bind() {
  BoundAddresses bound;
  auto http = Listen(impl_->acceptor, impl_->config.http_listen_addr);
  if (!http.ok()) return http.status();
  bound.http = std::move(http).value();
  if (impl_->config.hrana_listen_addr) {
    auto hrana = Listen(impl_->hrana_acceptor, *impl_->config.hrana_listen_addr);
    if (!hrana.ok()) return hrana.status();
    bound.hrana = std::move(hrana).value();
  }
  if (impl_->config.admin_listen_addr && impl_->admin) {
    auto admin = Listen(impl_->admin_acceptor, *impl_->config.admin_listen_addr);
    if (!admin.ok()) return admin.status();
    bound.admin = std::move(admin).value();
  }
  return bound;
}

void HttpServer::Run() {
  Impl& impl = *impl_;
  impl.signals.add(SIGINT);
  impl.signals.add(SIGTERM);
  impl.signals.async_wait([&impl](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}, shutting down", signal);
    impl.Shutdown();
  });
  asio::co_spawn(impl.io, impl.Accept(impl.acceptor, Impl::Port::kUser), asio::detached);
  if (impl.hrana_acceptor.is_open()) {
    asio::co_spawn(impl.io, impl.Accept(impl.hrana_acceptor, Impl::Port::kWebSocketOnly),
                   asio::detached);
  }
  if (impl.admin_acceptor.is_open()) {
    asio::co_spawn(impl.io, impl.Accept(impl.admin_acceptor, Impl::Port::kAdmin), asio::detached);
  }
  asio::co_spawn(impl.io, impl.ExpireIdleStreams(), asio::detached);
  impl.pool.Run();
}

void HttpServer::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->Shutdown(); });
}

void HttpServer::Impl::Shutdown() {
  if (stopped.exchange(true)) return;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  hrana_acceptor.close(ignored);
  admin_acceptor.close(ignored);
  reaper.cancel();
  signals.cancel();
  std::lock_guard lock(streaming_mutex);
  for (StreamedBody* body : streaming) body->Stop();
  if (streaming.empty()) {
    StopPoolLocked();
    return;
  }
  // Replicas' LogEntries streams end with UNAVAILABLE trailers that tell them to reconnect; the
  // last stream to end stops the I/O threads (EndStreaming).
  stream_ending_grace.expires_after(kStreamEndingGrace);
  stream_ending_grace.async_wait([this](const boost::system::error_code&) {
    std::lock_guard lock(streaming_mutex);
    StopPoolLocked();
  });
}

void HttpServer::Impl::StopPoolLocked() {
  if (std::exchange(pool_stopped, true)) return;
  pool.Stop();
}

void HttpServer::Impl::StartStreaming(StreamedBody& body) {
  std::lock_guard lock(streaming_mutex);
  streaming.insert(&body);
  if (stopped) body.Stop();  // started after Shutdown looked
}

void HttpServer::Impl::EndStreaming(StreamedBody& body) {
  std::lock_guard lock(streaming_mutex);
  streaming.erase(&body);
  if (stopped && streaming.empty()) StopPoolLocked();
}

asio::awaitable<void> HttpServer::Impl::Accept(tcp::acceptor& listener, Port port) {
  while (!stopped) {
    auto [error, socket] = co_await listener.async_accept(pool.next(), kAsTuple);
    if (error) {
      if (error == asio::error::operation_aborted || stopped) co_return;
      // Out of file descriptors and the like: wait a little rather than spin.
      spdlog::warn("accept failed: {}", error.message());
      asio::steady_timer pause(io, std::chrono::milliseconds(50));
      co_await pause.async_wait(kAsTuple);
      continue;
    }
    if (connections.load() >= config.max_concurrent_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), error);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Serve(std::move(socket), port), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::Serve(tcp::socket socket, Port port) {
  const bool websocket_only = port == Port::kWebSocketOnly;
  connections.fetch_add(1);
  struct Counted {
    std::atomic<size_t>& count;
    ~Counted() { count.fetch_sub(1); }
  } counted{connections};

  std::string remote_address;
  boost::system::error_code remote_error;
  if (auto remote = socket.remote_endpoint(remote_error); !remote_error) {
    remote_address = fmt::format("{}:{}", remote.address().to_string(), remote.port());
  }
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(config.max_request_size);
    parser.header_limit(kHeaderLimit);
    stream.expires_after(kIdleKeepAlive);
    auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, kAsTuple);
    if (read_error) {
      // A client that went away or idled out needs no answer; a malformed request gets one.
      bool gone = read_error == http::error::end_of_stream || read_error == beast::error::timeout ||
                  read_error == asio::error::connection_reset || read_error == asio::error::eof ||
                  read_error == asio::error::operation_aborted;
      if (!gone) {
        HttpResponse response =
            HttpResponse::Text(400, "Malformed HTTP request: " + read_error.message());
        if (read_error == http::error::body_limit) {
          response = HttpResponse::Text(
              413, fmt::format("Request body is larger than the limit of {} bytes",
                               config.max_request_size));
        } else if (read_error == http::error::header_limit) {
          response = HttpResponse::Text(
              431,
              fmt::format("Request headers are larger than the limit of {} bytes", kHeaderLimit));
        }
        spdlog::info("rejected HTTP request: {}", read_error.message());
        co_await WriteResponse(stream, response, 11, /*keep_alive=*/false);
      }
      break;
    }
    http::request<http::string_body> raw = parser.release();
    if (auto coding = UnsupportedTransferCoding(raw[http::field::transfer_encoding])) {
      spdlog::info("rejected HTTP request with Transfer-Encoding {}", *coding);
      co_await WriteResponse(
          stream,
          HttpResponse::Text(501, fmt::format("Transfer-Encoding {} is not supported; send the "
                                              "body as is or chunked",
                                              *coding)),
          raw.version(), /*keep_alive=*/false);
      break;
    }
    if (IsWebSocketUpgrade(raw) && port != Port::kAdmin) {  // Hrana over WebSocket takes over
      co_await ServeHranaWebSocket(std::move(stream), std::move(raw), *service,
                                   websocket_only ? kTcpServerName : kUpgradeServerName);
      co_return;
    }
    if (websocket_only) {
      spdlog::info("rejected HTTP request on the WebSocket-only Hrana listener: {} {}",
                   raw.method_string(), raw.target());
      co_await WriteResponse(
          stream,
          HttpResponse::Text(400,
                             "This port serves only Hrana over WebSocket; send HTTP requests to "
                             "the HTTP port (--http-listen-addr)"),
          raw.version(), /*keep_alive=*/false);
      co_return;
    }
    bool keep_alive = raw.keep_alive();
    unsigned version = raw.version();

    HttpResponse response;
    if (raw.method() == http::verb::options) {
      // CORS preflight: anything goes, as with sqld.
      response = HttpResponse::Empty(200);
      response.headers = {{"access-control-allow-methods", "*"},
                          {"access-control-allow-headers", "*"}};
    } else {
      HttpRequest request;
      request.method = std::string(raw.method_string());
      request.target = std::string(raw.target());
      for (const auto& field : raw) {
        std::string name(field.name_string());
        for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        request.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      request.body = std::move(raw.body());
      request.client_socket = stream.socket().native_handle();
      request.remote_address = remote_address;
      stream.expires_never();
      // Not a conditional expression: GCC 12 miscompiles co_await inside one.
      if (port == Port::kAdmin) {
        response = co_await admin->Handle(std::move(request));
      } else {
        response = co_await service->Handle(std::move(request));
      }
      if (response.streamed_body) {
        keep_alive = keep_alive && !stopped;
        Streaming streaming(*this, *response.streamed_body);
        if (co_await WriteStreamedResponse(stream, response, version, keep_alive) || !keep_alive ||
            stopped) {
          break;
        }
        continue;
      }
      if (response.status >= 400 && response.status != 404) {
        spdlog::info("{} {} -> {}: {}", raw.method_string(), raw.target(), response.status,
                     response.body.substr(0, 200));
      }
      if (AcceptsGzip(raw[http::field::accept_encoding])) {
        if (auto compressed = GzipIfWorthIt(response.body, response.content_type)) {
          response.body = std::move(*compressed);
          response.headers.emplace_back("content-encoding", "gzip");
          response.headers.emplace_back("vary", "accept-encoding");
        }
      }
    }
    keep_alive = keep_alive && !stopped;
    if (co_await WriteResponse(stream, response, version, keep_alive) || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> HttpServer::Impl::ExpireIdleStreams() {
  while (!stopped) {
    reaper.expires_after(std::chrono::milliseconds(500));
    auto [error] = co_await reaper.async_wait(kAsTuple);
    if (error || stopped) co_return;
    auto now = std::chrono::steady_clock::now();
    service->CollectIdle(now);
    for (std::shared_ptr<Stream>& stream : streams->TakeExpired(now)) ReleaseStream(*stream);
  }
}

}  // namespace edgelite::server
