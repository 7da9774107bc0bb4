// ScriptedHttpServer: a loopback HTTP/1.1 server for the SDK client's tests, which answers each
// request with the next reply of a script and records what it received (method, target, headers,
// body) and how many connections it accepted. It lets a test see exactly what the client sent,
// count round trips, and play a server that misbehaves (hangs, answers garbage, refuses a baton)
// in ways the real one never does. Keep-alive connections are served; one thread does it all.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace edgelite::client::test {

class ScriptedHttpServer {
 public:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool hang = false;  // read the request, never answer it
  };
  static Reply Hang() {
    Reply reply;
    reply.hang = true;
    return reply;
  }
  struct Request {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    // The value of the first header called `name` (lower case), or "" when absent.
    std::string Header(std::string_view name) const {
      for (const auto& [header, value] : headers) {
        if (header == name) return value;
      }
      return "";
    }
    bool HasHeader(std::string_view name) const {
      for (const auto& header : headers) {
        if (header.first == name) return true;
      }
      return false;
    }
  };

  ScriptedHttpServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~ScriptedHttpServer() {
    stop_ = true;
    thread_.join();
    for (const Connection& connection : connections_) ::close(connection.fd);
    ::close(listener_);
  }

  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Enqueue(Reply reply) {
    std::lock_guard lock(mutex_);
    replies_.push_back(std::move(reply));
  }

  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  int connections_accepted() const { return accepted_; }

 private:
  struct Connection {
    int fd;
    std::string buffer;
  };

  void Serve() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (const Connection& connection : connections_) fds.push_back({connection.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          connections_.push_back({fd, {}});
          ++accepted_;
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        Connection& connection = connections_[i - 1];
        char chunk[65536];
        const ssize_t got = ::recv(connection.fd, chunk, sizeof chunk, 0);
        if (got <= 0) {
          ::close(connection.fd);
          connection.fd = -1;
          continue;
        }
        connection.buffer.append(chunk, std::size_t(got));
        while (AnswerOne(connection)) {
        }
      }
      std::erase_if(connections_, [](const Connection& c) { return c.fd < 0; });
    }
  }

  // Answers the first complete request in the connection's buffer, if there is one.
  bool AnswerOne(Connection& connection) {
    const std::size_t end = connection.buffer.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    Request request;
    std::string_view head(connection.buffer.data(), end);
    std::size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    request.method = std::string(request_line.substr(0, request_line.find(' ')));
    request_line.remove_prefix(request.method.size() + 1);
    request.target = std::string(request_line.substr(0, request_line.find(' ')));
    std::size_t content_length = 0;
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      const std::size_t colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      std::string_view value = line.substr(colon + 1);
      while (value.starts_with(' ')) value.remove_prefix(1);
      if (name == "content-length") {
        std::from_chars(value.data(), value.data() + value.size(), content_length);
      }
      request.headers.emplace_back(std::move(name), std::string(value));
    }
    if (connection.buffer.size() < end + 4 + content_length) return false;
    request.body = connection.buffer.substr(end + 4, content_length);
    connection.buffer.erase(0, end + 4 + content_length);

    Reply reply{500, "text/plain", "the test script has no reply for this request", {}, false};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(request));
      if (!replies_.empty()) {
        reply = std::move(replies_.front());
        replies_.pop_front();
      }
    }
    if (reply.hang) return true;
    std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
    if (!reply.content_type.empty()) response += "Content-Type: " + reply.content_type + "\r\n";
    for (const auto& [name, value] : reply.headers) response += name + ": " + value + "\r\n";
    response += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
    for (std::size_t sent = 0; sent < response.size();) {
      const ssize_t wrote =
          ::send(connection.fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (wrote <= 0) break;
      sent += std::size_t(wrote);
    }
    return true;
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_ = false;
  std::atomic<int> accepted_ = 0;
  std::vector<Connection> connections_;  // the serving thread's
  mutable std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace edgelite::client::test
