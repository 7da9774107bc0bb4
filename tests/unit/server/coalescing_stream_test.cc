// CoalescingStream over a real loopback TCP connection: corked writes wait for the flush and then
// leave together, bytes keep their order whatever mix of corked and plain writes made them, and a
// connection that failed fails every later write.
#include "server/coalescing_stream.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace edgelite::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class CoalescingStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io_);
    client.connect(acceptor.local_endpoint());
    peer_ = std::make_unique<tcp::socket>(acceptor.accept());
    stream_ = std::make_unique<CoalescingStream>(std::move(client));
  }

  // Runs handlers until none is ready.
  void Drain() {
    io_.restart();
    io_.poll();
  }

  // Runs handlers until `done` holds; fails rather than hang if it never does.
  template <class Predicate>
  void RunUntil(Predicate done) {
    io_.restart();
    for (int i = 0; i < 100000 && !done(); ++i) {
      if (io_.run_one_for(std::chrono::milliseconds(10)) == 0) io_.restart();
    }
    ASSERT_TRUE(done());
  }

  size_t PeerAvailable() {
    Drain();
    return peer_->available();
  }

  std::string PeerRead(size_t size) {
    std::string data(size, '\0');
    asio::read(*peer_, asio::buffer(data));
    return data;
  }

  // Writes `text` and returns where the completion will land.
  std::shared_ptr<std::optional<error_code>> Write(const std::string& text) {
    auto outcome = std::make_shared<std::optional<error_code>>();
    stream_->async_write_some(asio::buffer(text),
                              [outcome](error_code error, size_t) { *outcome = error; });
    return outcome;
  }

  asio::io_context io_;
  std::unique_ptr<tcp::socket> peer_;
  std::unique_ptr<CoalescingStream> stream_;
};

TEST_F(CoalescingStreamTest, CorkedWritesCompleteAtOnceAndLeaveTogetherOnFlush) {
  stream_->Cork();
  auto first = Write("hello ");
  auto second = Write("world");
  Drain();
  ASSERT_TRUE(first->has_value() && second->has_value());
  EXPECT_FALSE(first->value());
  EXPECT_EQ(PeerAvailable(), 0u);  // nothing sent before the flush

  std::optional<error_code> flushed;
  stream_->async_flush([&](error_code error) { flushed = error; });
  EXPECT_EQ(PeerRead(11), "hello world");
  Drain();
  ASSERT_TRUE(flushed.has_value());
  EXPECT_FALSE(*flushed);
}

TEST_F(CoalescingStreamTest, PlainWritesWaitUntilSentAndKeepTheirOrder) {
  // Big enough not to fit the socket buffers until the peer reads.
  const std::string big(8 << 20, 'b');
  auto plain = Write(big);
  Drain();
  EXPECT_FALSE(plain->has_value());  // still being sent
  stream_->Cork();
  auto corked = Write("after");
  std::optional<error_code> flushed;
  stream_->async_flush([&](error_code error) { flushed = error; });

  std::thread reader([&] {
    EXPECT_EQ(PeerRead(big.size()), big);
    EXPECT_EQ(PeerRead(5), "after");
  });
  RunUntil([&] { return flushed.has_value(); });
  reader.join();
  Drain();
  EXPECT_FALSE(*flushed);
  ASSERT_TRUE(plain->has_value());
  EXPECT_FALSE(plain->value());
}

TEST_F(CoalescingStreamTest, AFailedSendFailsEveryLaterWrite) {
  peer_.reset();  // the other end is gone: sending ends in a reset or a broken pipe
  for (int i = 0; i < 100; ++i) {
    auto outcome = Write(std::string(64 << 10, 'x'));
    RunUntil([&] { return outcome->has_value(); });
    if (outcome->value()) break;
  }
  auto late = Write("late");
  RunUntil([&] { return late->has_value(); });
  EXPECT_TRUE(late->value());

  stream_->Cork();
  auto corked = Write("corked");
  RunUntil([&] { return corked->has_value(); });
  EXPECT_TRUE(corked->value());
}

}  // namespace
}  // namespace edgelite::server
