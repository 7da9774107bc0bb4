// The test HTTP client: non-blocking sockets driven by poll() with deadlines, so that a server that
// never answers costs a test its timeout and not the whole run.
#include "integration/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace edgelite::integration {
namespace {

using Clock = std::chrono::steady_clock;

// A response head larger than this is not something the server would send.
constexpr size_t kMaxHeadBytes = 1 << 20;

std::string ErrnoText(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

int RemainingMillis(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return int(std::max<int64_t>(0, left.count()));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

bool PollFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd entry{fd, events, 0};
    int ready = ::poll(&entry, 1, RemainingMillis(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool HttpResponse::closes_connection() const {
  return Lower(Header("connection")) == "close";
}

Result<size_t> ParseChunkedBody(std::string_view buffer, std::string& body) {
  // The chunks are found first and copied only once the body is complete: a large body arrives
  // in many reads, each followed by a parse.
  std::vector<std::string_view> chunks;
  size_t position = 0;
  while (true) {
    size_t line_end = buffer.find("\r\n", position);
    if (line_end == std::string_view::npos) return size_t(0);
    std::string_view size_line = buffer.substr(position, line_end - position);
    size_line = size_line.substr(0, size_line.find(';'));  // chunk extensions
    size_t size = 0;
    auto parsed = std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
    if (parsed.ec != std::errc() || parsed.ptr != size_line.data() + size_line.size()) {
      return Status::Io("bad chunk size line: " + std::string(size_line.substr(0, 40)));
    }
    size_t data_start = line_end + 2;
    if (size == 0) {
      // No trailers: the body ends with an empty line.
      if (buffer.size() < data_start + 2) return size_t(0);
      if (buffer.substr(data_start, 2) != "\r\n") {
        return Status::Io("trailers after the last chunk");
      }
      body.clear();
      for (std::string_view chunk : chunks) body.append(chunk);
      return data_start + 2;
    }
    if (buffer.size() < data_start + size + 2) return size_t(0);
    if (buffer.substr(data_start + size, 2) != "\r\n") return Status::Io("chunk without its CRLF");
    chunks.push_back(buffer.substr(data_start, size));
    position = data_start + size + 2;
  }
}

Result<size_t> ParseHttpResponse(std::string_view buffer, bool peer_closed, HttpResponse& out) {
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buffer.size() > kMaxHeadBytes) return Status::Io("response head is larger than 1 MiB");
    return size_t(0);
  }
  std::string_view head = buffer.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    return Status::Io("not an HTTP/1.x status line: " + std::string(status_line.substr(0, 80)));
  }
  HttpResponse response;
  auto parsed = std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  if (parsed.ec != std::errc()) {
    return Status::Io("bad status code in: " + std::string(status_line));
  }
  std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? "" : rest.substr(end + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Status::Io("bad header line: " + std::string(line));
    response.headers.emplace_back(Lower(line.substr(0, colon)),
                                  std::string(Trim(line.substr(colon + 1))));
  }
  size_t body_start = head_end + 4;
  std::string coding = Lower(response.Header("transfer-encoding"));
  if (coding == "chunked") {
    // Streamed bodies (GET /dump). One that ends before its last chunk was cut short.
    Result<size_t> end = ParseChunkedBody(buffer.substr(body_start), response.body);
    if (!end.ok()) return end.status();
    if (*end == 0) {
      if (peer_closed) return Status::Io("the connection closed inside a chunked body");
      return size_t(0);
    }
    out = std::move(response);
    return body_start + *end;
  }
  if (!coding.empty()) return Status::Io("unexpected Transfer-Encoding in a response: " + coding);
  std::string length_text = response.Header("content-length");
  size_t body_size = 0;
  if (!length_text.empty()) {
    auto length =
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), body_size);
    if (length.ec != std::errc()) return Status::Io("bad Content-Length: " + length_text);
  } else if (response.status >= 200 && response.status != 204 && response.status != 304) {
    if (!peer_closed) return size_t(0);
    body_size = buffer.size() - body_start;
  }
  if (buffer.size() - body_start < body_size) return size_t(0);
  response.body.assign(buffer.substr(body_start, body_size));
  out = std::move(response);
  return body_start + body_size;
}

std::string FormatRequest(std::string_view method, std::string_view target, std::string_view body) {
  std::string request;
  request.reserve(body.size() + 256);
  request.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  if (!body.empty() || method == "POST") {
    request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  request.append("\r\n").append(body);
  return request;
}

Result<int> ConnectLoopback(uint16_t port, std::chrono::steady_clock::time_point deadline) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Io(ErrnoText("socket"));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Status failed;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (errno != EINPROGRESS) {
      failed = Status::Io(ErrnoText("connect"));
    } else if (!PollFor(fd, POLLOUT, deadline)) {
      failed = Status::Io("connect timed out");
    } else {
      int error = 0;
      socklen_t size = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0) failed = Status::Io(std::string("connect: ") + std::strerror(error));
    }
  }
  if (!failed.ok()) {
    ::close(fd);
    return failed;
  }
  return fd;
}

Result<HttpConnection> HttpConnection::Open(uint16_t port) {
  Result<int> fd = ConnectLoopback(port, Clock::now() + kDefaultTimeout);
  if (!fd.ok()) return fd.status();
  return HttpConnection(*fd);
}

HttpConnection::HttpConnection(HttpConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      peer_closed_(other.peer_closed_) {}

HttpConnection& HttpConnection::operator=(HttpConnection&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
    peer_closed_ = other.peer_closed_;
  }
  return *this;
}

HttpConnection::~HttpConnection() {
  Close();
}

void HttpConnection::Close(bool reset) {
  if (fd_ < 0) return;
  if (reset) {
    linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  ::close(fd_);
  fd_ = -1;
}

Status HttpConnection::Send(std::string_view bytes, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(size_t(sent));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return Status::Io(ErrnoText("send"));
    if (!PollFor(fd_, POLLOUT, deadline)) return Status::Io("send timed out");
  }
  return Status::Ok();
}

Result<bool> HttpConnection::ReadSome(Clock::time_point deadline) {
  char chunk[64 * 1024];
  while (true) {
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer_.append(chunk, size_t(got));
      return true;
    }
    if (got == 0 || errno == ECONNRESET) {
      peer_closed_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return Status::Io(ErrnoText("recv"));
    if (!PollFor(fd_, POLLIN, deadline)) return Status::Io("timed out waiting for the server");
  }
}

Result<HttpResponse> HttpConnection::ReadResponse(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    HttpResponse response;
    Result<size_t> consumed = ParseHttpResponse(buffer_, peer_closed_, response);
    if (!consumed.ok()) return consumed.status();
    if (*consumed > 0) {
      buffer_.erase(0, *consumed);
      return response;
    }
    if (peer_closed_) {
      return Status::Io("the server closed the connection after " + std::to_string(buffer_.size()) +
                        " bytes of an incomplete response");
    }
    Result<bool> more = ReadSome(deadline);
    if (!more.ok()) return more.status();
  }
}

Result<HttpResponse> HttpConnection::Request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::chrono::milliseconds timeout) {
  if (Status sent = Send(FormatRequest(method, target, body), timeout); !sent.ok()) return sent;
  return ReadResponse(timeout);
}

bool HttpConnection::Readable(std::chrono::milliseconds wait) {
  if (!buffer_.empty() || peer_closed_) return true;
  return PollFor(fd_, POLLIN, Clock::now() + wait);
}

bool HttpConnection::AwaitClose(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!peer_closed_) {
    Result<bool> more = ReadSome(deadline);
    if (!more.ok()) return false;
  }
  return true;
}

Result<HttpResponse> SendRequest(uint16_t port, std::string_view method, std::string_view target,
                                 std::string_view body, std::chrono::milliseconds timeout) {
  Result<HttpConnection> connection = HttpConnection::Open(port);
  if (!connection.ok()) return connection.status();
  return connection->Request(method, target, body, timeout);
}

}  // namespace edgelite::integration
