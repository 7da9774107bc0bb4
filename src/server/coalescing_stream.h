// CoalescingStream: the byte stream under a Beast WebSocket, so that a connection can send many
// WebSocket messages with one write system call. Beast writes one message per operation; a client
// that pipelines requests gets its answers in bursts, and a send per answer was a fifth of the
// server's CPU (most of it the kernel delivering each segment over loopback and waking the reader).
//
// While corked, writes are appended to a buffer and complete at once; Flush uncorks and sends all
// of it in one write. Writes made while not corked (the handshake's answer, Beast's own pongs,
// pings and close frames) are sent as soon as nothing else is being sent, and complete once
// written. Bytes always leave in the order they were written, never interleaved.
//
// Only for use inside websocket_transport.cc: every operation runs on the connection's thread.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

namespace edgelite::server {

class CoalescingStream {
 public:
  using executor_type = boost::asio::any_io_executor;
  using next_layer_type = boost::asio::ip::tcp::socket;
  using error_code = boost::system::error_code;

  explicit CoalescingStream(next_layer_type socket)
      : state_(std::make_shared<State>(std::move(socket))) {}
  CoalescingStream(CoalescingStream&&) = default;
  // Closing the socket ends a send still under way (it holds the state until it completes).
  ~CoalescingStream() {
    if (!state_) return;
    error_code ignored;
    state_->socket.close(ignored);
  }

  executor_type get_executor() { return state_->socket.get_executor(); }
  next_layer_type& next_layer() { return state_->socket; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return state_->socket.async_read_some(buffers, std::forward<Token>(token));
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code, size_t)>(
        [this](auto handler, const ConstBuffers& buffers) {
          size_t size = 0;
          for (auto buffer = boost::asio::buffer_sequence_begin(buffers);
               buffer != boost::asio::buffer_sequence_end(buffers); ++buffer) {
            boost::asio::const_buffer bytes(*buffer);
            state_->pending.append(static_cast<const char*>(bytes.data()), bytes.size());
            size += bytes.size();
          }
          Submit(state_, WriteHandler(std::move(handler)), size);
        },
        token, buffers);
  }

  // Holds writes back until the next Flush.
  void Cork() { state_->corked = true; }

  // Uncorks and completes once everything written so far is sent (or sending failed).
  template <class Token>
  auto async_flush(Token&& token) {
    return boost::asio::async_initiate<Token, void(error_code)>(
        [this](auto handler) {
          state_->corked = false;
          state_->waiters.push_back({FlushHandler(std::move(handler)), state_->appended});
          Send(state_);
        },
        token);
  }

 private:
  using WriteHandler = boost::asio::any_completion_handler<void(error_code, size_t)>;
  using FlushHandler = boost::asio::any_completion_handler<void(error_code)>;
  // An operation that completes once the stream's first `until` bytes are sent.
  struct Waiter {
    FlushHandler handler;
    uint64_t until;
  };
  struct State {
    explicit State(next_layer_type socket) : socket(std::move(socket)) {}
    next_layer_type socket;
    std::string pending;    // written, not yet being sent
    std::string in_flight;  // being sent
    uint64_t appended = 0;  // bytes ever written
    uint64_t sent = 0;      // bytes ever sent
    bool corked = false;
    bool sending = false;
    error_code error;  // the failed send's error: every later write fails with it
    std::deque<Waiter> waiters;
  };

  static void Submit(const std::shared_ptr<State>& state, WriteHandler handler, size_t size) {
    state->appended += size;
    if (!state->error && state->corked) {
      boost::asio::post(state->socket.get_executor(),
                        boost::asio::append(std::move(handler), error_code(), size));
      return;
    }
    state->waiters.push_back(
        {FlushHandler([handler = std::move(handler), size](error_code error) mutable {
           std::move(handler)(error, error ? 0 : size);
         }),
         state->appended});
    Send(state);
  }

  // Completes the waiters whose bytes are out, then starts sending what is pending unless a send
  // is under way or the stream is corked.
  static void Send(const std::shared_ptr<State>& state) {
    if (state->sending) return;
    while (!state->waiters.empty() &&
           (state->error || state->waiters.front().until <= state->sent)) {
      boost::asio::post(
          state->socket.get_executor(),
          boost::asio::append(std::move(state->waiters.front().handler), state->error));
      state->waiters.pop_front();
    }
    if (state->error || state->corked || state->pending.empty()) return;
    state->sending = true;
    state->in_flight.swap(state->pending);
    state->pending.clear();
    boost::asio::async_write(state->socket, boost::asio::buffer(state->in_flight),
                             [state](error_code error, size_t written) {
                               state->sending = false;
                               state->sent += written;
                               if (error) state->error = error;
                               Send(state);
                             });
  }

  // Beast's teardown (after a close frame): what is still pending is sent first, then the socket
  // is shut down for sending and what the client still sends is read and dropped until it closes
  // its side. Closing at once would make the kernel answer the unread bytes with a reset, and a
  // client still sending (an oversized message) would lose the close frame that says why. Beast's
  // own TCP teardown (Boost 1.81) stops after one read. Bounded by `kMaxDrainBytes` and by Beast's
  // close timeout, which closes the socket.
  template <class Handler>
  friend void async_teardown(boost::beast::role_type, CoalescingStream& stream,
                             Handler&& handler) {
    stream.async_flush([state = stream.state_,
                        handler = TeardownHandler(std::forward<Handler>(handler))](error_code) mutable {
      error_code ignored;
      state->socket.shutdown(boost::asio::socket_base::shutdown_send, ignored);
      Drain(state, std::move(handler), kMaxDrainBytes);
    });
  }

  using TeardownHandler = boost::asio::any_completion_handler<void(error_code)>;
  static constexpr size_t kMaxDrainBytes = 256 * 1024 * 1024;

  static void Drain(std::shared_ptr<State> state, TeardownHandler handler, size_t budget) {
    auto buffer = std::make_shared<std::array<char, 16 * 1024>>();
    state->socket.async_read_some(
        boost::asio::buffer(*buffer),
        [state, buffer, budget, handler = std::move(handler)](error_code error,
                                                              size_t read) mutable {
          if (!error && read < budget) {
            Drain(std::move(state), std::move(handler), budget - read);
            return;
          }
          error_code ignored;
          state->socket.close(ignored);
          // The end of the client's stream is how a teardown should end.
          std::move(handler)(error == boost::asio::error::eof ? error_code() : error);
        });
  }

  std::shared_ptr<State> state_;
};

}  // namespace edgelite::server
