// AwaitCallback: suspends the calling coroutine until `start` calls the callback it is given
// (possibly on another thread, e.g. a worker's), then resumes it on the coroutine's executor with
// the value. How work that may block leaves an I/O thread.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <utility>

namespace edgelite::server {

// A plain function rather than a coroutine: g++ 12 destroys temporaries passed to coroutine
// parameters twice.
template <typename T, typename Start>
boost::asio::awaitable<T> AwaitCallback(Start start) {
  namespace asio = boost::asio;
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([shared, executor](T value) {
          asio::post(executor,
                     [shared, value = std::move(value)]() mutable { (*shared)(std::move(value)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace edgelite::server
