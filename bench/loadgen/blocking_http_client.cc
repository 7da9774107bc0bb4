// Blocking request/response over one socket; SO_RCVTIMEO/SO_SNDTIMEO bound every wait so a hung
// server makes setup fail with a message instead of hanging the benchmark script.
#include "blocking_http_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>

namespace edgelite::bench {

bool BlockingHttpClient::EnsureConnected(std::string* error) {
  if (fd_ >= 0) return true;
  fd_ = OpenConnection(endpoint_, /*non_blocking=*/false, error);
  if (fd_ < 0) return false;
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(timeout_seconds_);
  timeout.tv_usec =
      static_cast<suseconds_t>((timeout_seconds_ - static_cast<double>(timeout.tv_sec)) * 1e6);
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  return true;
}

void BlockingHttpClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  in_.clear();
  parser_.Reset();
}

bool BlockingHttpClient::RoundTrip(const std::string& request, HttpResponse* response,
                                   std::string* error) {
  if (!EnsureConnected(error)) return false;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoMessage(errno == EAGAIN ? "send (timed out)" : "send");
      Close();
      return false;
    }
    sent += static_cast<size_t>(n);
  }

  in_.clear();
  parser_.Reset();
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    HttpResponseParser::Progress progress;
    if (n > 0) {
      in_.append(buffer, static_cast<size_t>(n));
      progress = parser_.Parse(in_);
    } else if (n == 0) {
      progress = parser_.OnEndOfStream(in_);
    } else {
      if (errno == EINTR) continue;
      *error = errno == EAGAIN || errno == EWOULDBLOCK
                   ? "no response within " + std::to_string(timeout_seconds_) + " s"
                   : ErrnoMessage("recv");
      Close();
      return false;
    }
    if (progress == HttpResponseParser::Progress::kNeedMore) continue;
    if (progress == HttpResponseParser::Progress::kError) {
      *error = parser_.error();
      Close();
      return false;
    }
    response->status = parser_.status();
    response->body.assign(parser_.body());
    if (!parser_.keep_alive()) Close();
    return true;
  }
}

}  // namespace edgelite::bench
