// The hand-over of a body from a worker thread: the producer is held back while the buffer is full
// and let go when the listener abandons the body or the server stops; the listener gets the bytes
// in order, then the end or the failure, and is let go too when it abandons the body meanwhile.
#include "server/body_pipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <thread>

namespace edgelite::server {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Guard = asio::executor_work_guard<asio::io_context::executor_type>;

asio::awaitable<void> TakeNext(BodyPipe* body, std::optional<BodyPipe::Piece>* out, Guard* guard) {
  *out = co_await body->Next();
  guard->reset();
}

// The listener's next piece, or nullopt if none comes within `timeout`.
std::optional<BodyPipe::Piece> NextPiece(BodyPipe& body,
                                         milliseconds timeout = milliseconds(5000)) {
  asio::io_context io;
  Guard guard = asio::make_work_guard(io);
  std::optional<BodyPipe::Piece> piece;
  asio::co_spawn(io, TakeNext(&body, &piece, &guard), asio::detached);
  io.run_for(timeout);
  return piece;
}

std::shared_ptr<BodyPipe> MakeBody(const std::atomic<bool>* give_up = nullptr) {
  return std::make_shared<BodyPipe>([give_up] { return give_up && give_up->load(); });
}

// How long a write that should stay blocked is watched.
constexpr milliseconds kBlockedWatch(200);

TEST(BodyPipeTest, BytesInOrderThenTheEnd) {
  auto body = MakeBody();
  ASSERT_TRUE(body->Write("ab"));
  ASSERT_TRUE(body->Write("cd"));
  body->Finish();
  auto first = NextPiece(*body);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->data, "abcd");
  EXPECT_FALSE(first->end);
  auto last = NextPiece(*body);
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->end);
  EXPECT_FALSE(last->failure);
}

TEST(BodyPipeTest, ListenerWaitsForTheProducer) {
  auto body = MakeBody();
  std::thread producer([body] {
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_TRUE(body->Write("late"));
  });
  auto piece = NextPiece(*body);
  producer.join();
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->data, "late");
}

TEST(BodyPipeTest, FailureBeforeAnyByteIsTheResponse) {
  auto body = MakeBody();
  body->Fail(HttpResponse::Text(503, "busy"));
  body->Finish();  // no effect once ended
  auto piece = NextPiece(*body);
  ASSERT_TRUE(piece);
  EXPECT_TRUE(piece->end);
  ASSERT_TRUE(piece->failure);
  EXPECT_EQ(piece->failure->status, 503);
}

TEST(BodyPipeTest, FailureAfterBytesComesAfterThem) {
  auto body = MakeBody();
  ASSERT_TRUE(body->Write("partial"));
  body->Fail(HttpResponse::Text(500, "broken"));
  auto first = NextPiece(*body);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->data, "partial");
  auto last = NextPiece(*body);
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->end);
  EXPECT_TRUE(last->failure);
}

TEST(BodyPipeTest, FullBufferHoldsTheProducerUntilTheListenerTakesIt) {
  auto body = MakeBody();
  ASSERT_TRUE(body->Write(std::string(BodyPipe::kMaxBuffered, 'a')));
  std::atomic<bool> written{false};
  std::thread producer([&] {
    EXPECT_TRUE(body->Write("b"));
    written = true;
  });
  std::this_thread::sleep_for(kBlockedWatch);
  EXPECT_FALSE(written) << "a write went through while the buffer was full";
  auto piece = NextPiece(*body);
  producer.join();
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->data.size(), BodyPipe::kMaxBuffered);
  EXPECT_TRUE(written);
  auto rest = NextPiece(*body);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->data, "b");
}

TEST(BodyPipeTest, AbandonLetsAWaitingProducerGo) {
  auto body = MakeBody();
  ASSERT_TRUE(body->Write(std::string(BodyPipe::kMaxBuffered, 'a')));
  std::atomic<bool> returned{false};
  std::thread producer([&] {
    EXPECT_FALSE(body->Write("b"));
    returned = true;
  });
  std::this_thread::sleep_for(kBlockedWatch);
  EXPECT_FALSE(returned);
  body->Abandon();
  producer.join();
  EXPECT_FALSE(body->Write("c")) << "writes after the listener left must fail";
}

TEST(BodyPipeTest, AbandonEndsAListenerWaitingForBytes) {
  auto body = MakeBody();
  std::thread listener_gone([&] {
    std::this_thread::sleep_for(kBlockedWatch);
    body->Abandon();
  });
  auto piece = NextPiece(*body);
  listener_gone.join();
  ASSERT_TRUE(piece) << "the wait for bytes outlived the body";
  EXPECT_TRUE(piece->end);
  EXPECT_TRUE(piece->failure) << "an abandoned body must not look complete";
  EXPECT_FALSE(body->Write("a"));
}

TEST(BodyPipeTest, StoppingServerLetsAWaitingProducerGo) {
  std::atomic<bool> stopping{false};
  auto body = MakeBody(&stopping);
  ASSERT_TRUE(body->Write(std::string(BodyPipe::kMaxBuffered, 'a')));
  std::atomic<bool> returned{false};
  std::thread producer([&] {
    EXPECT_FALSE(body->Write("b"));
    returned = true;
  });
  std::this_thread::sleep_for(kBlockedWatch);
  EXPECT_FALSE(returned);
  stopping = true;
  producer.join();
}

}  // namespace
}  // namespace edgelite::server
