// Socket helpers; every descriptor is close-on-exec so servers the benchmark script starts later
// never inherit them.
#include "socket_util.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgelite::bench {

bool ResolveEndpoint(const std::string& host, int port, Endpoint* out, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  std::memcpy(&out->address, found->ai_addr, found->ai_addrlen);
  out->length = found->ai_addrlen;
  freeaddrinfo(found);
  return true;
}

int OpenConnection(const Endpoint& endpoint, bool non_blocking, std::string* error) {
  const int flags = SOCK_STREAM | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0);
  const int fd = socket(endpoint.address.ss_family, flags, 0);
  if (fd < 0) {
    *error = ErrnoMessage("socket");
    return -1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length) != 0 &&
      !(non_blocking && errno == EINPROGRESS)) {
    *error = ErrnoMessage("connect");
    close(fd);
    return -1;
  }
  return fd;
}

int ConnectError(int fd) {
  int value = 0;
  socklen_t length = sizeof(value);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0) return errno;
  return value;
}

std::string ErrnoMessage(const char* what) {
  return ErrnoMessage(what, errno);
}

std::string ErrnoMessage(const char* what, int error_number) {
  return std::string(what) + ": " + std::strerror(error_number);
}

}  // namespace edgelite::bench
