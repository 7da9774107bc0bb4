// The Beast listener: accept loop, one coroutine per connection, idle stream expiry, signals.
#include "server/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>
#include <vector>

#include "hrana/json_codec.h"
#include "server/request_runner.h"

namespace edgelite::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

namespace {

constexpr auto kIdleKeepAlive = std::chrono::seconds(60);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr size_t kHeaderLimit = 64 * 1024;

void AddCorsHeaders(http::response<http::string_body>& response) {
  response.set(http::field::access_control_allow_origin, "*");
}

Result<tcp::endpoint> ParseListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("listen address '{}' has no port; expected HOST:PORT", text));
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) {
    return Status::InvalidArgument(fmt::format("listen address '{}': '{}' is not an IP address",
                                               text, host));
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

}  // namespace

struct HttpServer::Impl {
  Impl(const ServerConfig& config, HranaHttpService* service, StreamRegistry* streams)
      : config(config), service(service), streams(streams), acceptor(io), reaper(io), signals(io) {}

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(tcp::socket socket);
  asio::awaitable<void> ExpireIdleStreams();
  void Shutdown();

  const ServerConfig& config;
  HranaHttpService* service;
  StreamRegistry* streams;
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer reaper;
  asio::signal_set signals;
  std::atomic<size_t> connections{0};
  std::atomic<bool> stopped{false};
};

HttpServer::HttpServer(const ServerConfig& config, HranaHttpService* service,
                       StreamRegistry* streams)
    : impl_(std::make_unique<Impl>(config, service, streams)) {}

HttpServer::~HttpServer() = default;

Result<std::string> HttpServer::Bind() {
  auto endpoint = ParseListenAddress(impl_->config.http_listen_addr);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code error;
  impl_->acceptor.open(endpoint->protocol(), error);
  if (!error) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) impl_->acceptor.bind(*endpoint, error);
  if (!error) impl_->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Status::Io(fmt::format("cannot listen on {}: {}", impl_->config.http_listen_addr,
                                  error.message()));
  }
  auto bound = impl_->acceptor.local_endpoint();
  std::string host = bound.address().to_string();
  if (bound.address().is_v6()) host = "[" + host + "]";
  return fmt::format("{}:{}", host, bound.port());
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
  asio::co_spawn(impl.io, impl.Accept(), asio::detached);
  asio::co_spawn(impl.io, impl.ExpireIdleStreams(), asio::detached);

  int threads = impl.config.io_threads;
  if (threads <= 0) threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&impl] { impl.io.run(); });
  impl.io.run();
  for (auto& worker : workers) worker.join();
}

void HttpServer::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->Shutdown(); });
}

void HttpServer::Impl::Shutdown() {
  if (stopped.exchange(true)) return;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  reaper.cancel();
  signals.cancel();
  io.stop();
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  while (!stopped) {
    auto [error, socket] = co_await acceptor.async_accept(asio::make_strand(io), kAsTuple);
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
    asio::co_spawn(executor, Serve(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::Serve(tcp::socket socket) {
  connections.fetch_add(1);
  struct Counted {
    std::atomic<size_t>& count;
    ~Counted() { count.fetch_sub(1); }
  } counted{connections};

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
        bool too_large = read_error == http::error::body_limit ||
                         read_error == http::error::header_limit;
        http::response<http::string_body> response{
            too_large ? http::status::payload_too_large : http::status::bad_request, 11};
        response.set(http::field::content_type, "text/plain; charset=utf-8");
        response.body() = too_large ? fmt::format("Request is larger than the limit of {} bytes",
                                                  config.max_request_size)
                                    : "Malformed HTTP request: " + read_error.message();
        response.keep_alive(false);
        AddCorsHeaders(response);
        response.prepare_payload();
        spdlog::info("rejected HTTP request: {}", read_error.message());
        stream.expires_after(kWriteTimeout);
        co_await http::async_write(stream, response, kAsTuple);
      }
      break;
    }
    http::request<http::string_body> raw = parser.release();
    bool keep_alive = raw.keep_alive();
    unsigned version = raw.version();

    http::response<http::string_body> response;
    if (raw.method() == http::verb::options) {
      // CORS preflight: anything goes, as with sqld.
      response.result(http::status::ok);
      response.set(http::field::access_control_allow_methods, "*");
      response.set(http::field::access_control_allow_headers, "*");
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
      stream.expires_never();
      HttpResponse handled = co_await service->Handle(std::move(request));
      if (handled.status >= 400 && handled.status != 404) {
        spdlog::info("{} {} -> {}: {}", raw.method_string(), raw.target(), handled.status,
                     handled.body.substr(0, 200));
      }
      response.result(static_cast<unsigned>(handled.status));
      if (!handled.content_type.empty()) response.set(http::field::content_type, handled.content_type);
      for (auto& [name, value] : handled.headers) response.set(name, value);
      response.body() = std::move(handled.body);
    }
    response.version(version);
    response.keep_alive(keep_alive && !stopped);
    AddCorsHeaders(response);
    response.prepare_payload();
    stream.expires_after(kWriteTimeout);
    auto [write_error, written] = co_await http::async_write(stream, response, kAsTuple);
    if (write_error || !response.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> HttpServer::Impl::ExpireIdleStreams() {
  while (!stopped) {
    reaper.expires_after(std::chrono::milliseconds(500));
    auto [error] = co_await reaper.async_wait(kAsTuple);
    if (error || stopped) co_return;
    for (std::shared_ptr<Stream>& stream : streams->TakeExpired(std::chrono::steady_clock::now())) {
      Stream& ref = *stream;
      // The shared_ptr rides along so the stream lives until its transaction is gone.
      ReleaseStream(ref, [keep = std::move(stream)] {});
    }
  }
}

}  // namespace edgelite::server
