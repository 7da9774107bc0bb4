// HttpClient over libcurl's easy interface. Each request resets the handle's options (which keeps
// its connection cache) and sets them all again, so no request inherits another's settings. The
// callbacks libcurl calls are C functions: every exception is caught inside them and turned into a
// Status, since one unwinding through libcurl's frames would be undefined behaviour.
#include "client/http_client.h"

#include <curl/curl.h>

#include <charconv>
#include <exception>
#include <new>
#include <optional>
#include <system_error>

#include "common/text.h"

namespace edgelite::client {

struct HttpClient::EasyHandle {
  CURL* curl = nullptr;
  ~EasyHandle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

namespace {

using Clock = std::chrono::steady_clock;
using OnBody = std::function<bool(std::string_view)>;

// libcurl must be initialised once per process before any handle exists, and (in older releases)
// not concurrently with anything else; a function-local static gives both. It is never cleaned
// up: other threads may still hold handles when the process ends.
CURLcode GlobalInitialisation() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  return code;
}

// "500 ms", "10 s", "2 min": a duration as a person reads it in an error message.
std::string DescribeDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + " min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// What one exchange's callbacks share with Perform.
struct Transfer {
  const OnBody* on_body = nullptr;
  HttpResponse response;
  bool stopped_by_caller = false;
  bool idle_expired = false;
  std::optional<Status> callback_failure;  // an exception inside a callback, as a Status
  std::chrono::milliseconds idle_timeout{0};
  Clock::time_point last_activity = Clock::now();
  curl_off_t bytes_moved = 0;  // down + up, as the progress callback last saw them
  const std::atomic<bool>* cancel = nullptr;
};

// Runs `body`, a callback's work; an exception becomes the transfer's failure and `false`.
template <typename Body>
bool Guarded(Transfer& transfer, Body&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    transfer.callback_failure = Status::ResourceExhausted("out of memory reading an HTTP response");
  } catch (const std::exception& e) {
    transfer.callback_failure =
        Status::Internal(std::string("an HTTP response callback threw: ") + e.what());
  } catch (...) {
    transfer.callback_failure = Status::Internal("an HTTP response callback threw");
  }
  return false;
}

bool IsSuccess(int status) {
  return status >= 200 && status < 300;
}

// One header line. A status line starts a new header block (after a 1xx response, say), whose
// headers replace those of any block before it.
size_t OnHeaderLine(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t length = size * count;
  const bool ok = Guarded(transfer, [&] {
    std::string_view line(data, length);
    while (line.ends_with('\n') || line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with("HTTP/")) {
      transfer.response.headers.clear();
      // "HTTP/1.1 200 OK" or "HTTP/2 200"; Perform takes the final status from libcurl, this one
      // decides whether the body is streamed.
      int status = 0;
      if (const size_t space = line.find(' '); space != std::string_view::npos) {
        const std::string_view code = line.substr(space + 1, 3);
        std::from_chars(code.data(), code.data() + code.size(), status);
      }
      transfer.response.status = status;
      return true;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;  // the blank line that ends the block
    transfer.response.headers.emplace_back(AsciiLowercase(TrimSpaces(line.substr(0, colon))),
                                           std::string(TrimSpaces(line.substr(colon + 1))));
    return true;
  });
  return ok ? length : 0;
}

size_t OnBodyPiece(char* data, size_t size, size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const size_t length = size * count;
  const bool ok = Guarded(transfer, [&] {
    if (!transfer.on_body || !IsSuccess(transfer.response.status)) {
      transfer.response.body.append(data, length);
      return true;
    }
    if ((*transfer.on_body)(std::string_view(data, length))) return true;
    transfer.stopped_by_caller = true;
    return false;
  });
  // Anything but `length` makes libcurl end the exchange with CURLE_WRITE_ERROR.
  return ok ? length : CURL_WRITEFUNC_ERROR;
}

// Called by libcurl at least once a second while an exchange runs: ends it once no byte has moved
// for the idle timeout.
int OnProgress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t uploaded) {
  auto& transfer = *static_cast<Transfer*>(user);
  if (transfer.cancel && transfer.cancel->load()) {
    transfer.stopped_by_caller = true;
    return 1;
  }
  const Clock::time_point now = Clock::now();
  if (downloaded + uploaded != transfer.bytes_moved) {
    transfer.bytes_moved = downloaded + uploaded;
    transfer.last_activity = now;
    return 0;
  }
  if (transfer.idle_timeout.count() == 0 || now - transfer.last_activity < transfer.idle_timeout) {
    return 0;
  }
  transfer.idle_expired = true;
  return 1;
}

bool IsTlsFailure(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return true;
    default:
      return false;
  }
}

// The Status for a failed exchange: what went wrong, where, and what to check.
Status TransportFailure(CURL* curl, CURLcode code, const char* error_buffer,
                        const Transfer& transfer, const HttpRequest& request) {
  const std::string& url = request.url;
  const std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_CONNECT: {
      long os_error = 0;
      curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_error);
      const std::string cause =
          os_error ? std::error_code(int(os_error), std::generic_category()).message() : detail;
      return Status::Unavailable("cannot reach " + url + ": " + cause +
                                 "; is the server running, and is the URL right?");
    }
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Status::Unavailable("cannot reach " + url + ": " + detail +
                                 "; check the host name in the URL");
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connected_after = 0;
      curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_after);
      if (connected_after == 0) {
        return Status::Unavailable("cannot reach " + url + ": not connected within the connect " +
                                   "timeout of " + DescribeDuration(request.connect_timeout) +
                                   " (" + detail + ")");
      }
      return Status::Unavailable("no complete response from " + url + " within the timeout of " +
                                 DescribeDuration(request.timeout) + " (" + detail + ")");
    }
    case CURLE_ABORTED_BY_CALLBACK:
      if (transfer.idle_expired) {
        return Status::Unavailable(url + " sent nothing for " +
                                   DescribeDuration(request.idle_timeout) +
                                   " (the idle timeout); the server or the network may be down");
      }
      break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Status::Unavailable("lost the connection to " + url + ": " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument("cannot send a request to \"" + url + "\": " + detail);
    case CURLE_OUT_OF_MEMORY:
      return Status::ResourceExhausted("out of memory sending a request to " + url);
    default:
      break;
  }
  if (IsTlsFailure(code)) {
    std::string message = "TLS error talking to " + url + ": " + detail;
    if (code == CURLE_PEER_FAILED_VERIFICATION) {
      message += "; the server's certificate is not trusted by the system's CA store";
    }
    return Status::Unavailable(std::move(message));
  }
  return Status::Unavailable("the request to " + url + " failed: " + detail);
}

using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// Appends one line in libcurl's syntax: "Name: value"; "Name;" for an empty value; "Name:" to
// remove a header libcurl would add by itself.
bool AppendHeaderLine(HeaderList& list, const std::string& line) {
  curl_slist* appended = curl_slist_append(list.get(), line.c_str());
  if (!appended) return false;
  (void)list.release();  // `appended` is the same list, grown
  list.reset(appended);
  return true;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (header_name == name) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient() = default;
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  return Perform(request, nullptr);
}

Result<HttpResponse> HttpClient::SendStreaming(
    const HttpRequest& request, const std::function<bool(std::string_view)>& on_body) {
  return Perform(request, &on_body);
}

Result<HttpResponse> HttpClient::Perform(const HttpRequest& request, const OnBody* on_body) {
  try {
    if (CURLcode code = GlobalInitialisation(); code != CURLE_OK) {
      return Status::Internal(std::string("cannot initialise libcurl: ") +
                              curl_easy_strerror(code));
    }
    if (!handle_) {
      auto handle = std::make_unique<EasyHandle>();
      handle->curl = curl_easy_init();
      if (!handle->curl) return Status::Internal("cannot create a libcurl handle");
      handle_ = std::move(handle);
    }
    CURL* curl = handle_->curl;
    curl_easy_reset(curl);

    Transfer transfer;
    transfer.on_body = on_body;
    transfer.idle_timeout = request.idle_timeout;
    char error_buffer[CURL_ERROR_SIZE] = {};

    HeaderList headers(nullptr, &curl_slist_free_all);
    bool has_content_type = false;
    bool appended = true;
    for (const auto& [name, value] : request.headers) {
      has_content_type = has_content_type || EqualsIgnoringCase(name, "content-type");
      appended =
          appended && AppendHeaderLine(headers, value.empty() ? name + ";" : name + ": " + value);
    }
    // No "Expect: 100-continue" (a round trip spent waiting before a large body), and not the
    // form content type libcurl gives a POST body of its own accord.
    appended = appended && AppendHeaderLine(headers, "Expect:");
    if (!has_content_type) appended = appended && AppendHeaderLine(headers, "Content-Type:");
    if (!appended) return Status::ResourceExhausted("out of memory building request headers");

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      }
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(request.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 10L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBodyPiece);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    transfer.cancel = request.cancel;
    if (request.idle_timeout.count() > 0 || request.cancel) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &OnProgress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    }

    const CURLcode code = curl_easy_perform(curl);
    // The handle keeps the address of the error buffer, which dies with this frame.
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (transfer.callback_failure) return std::move(*transfer.callback_failure);
    bool stopped = (code == CURLE_WRITE_ERROR || code == CURLE_ABORTED_BY_CALLBACK) &&
                   transfer.stopped_by_caller;
    if (code != CURLE_OK && !stopped) {
      return TransportFailure(curl, code, error_buffer, transfer, request);
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    transfer.response.status = int(status);
    return std::move(transfer.response);
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory sending a request to " + request.url);
  }
}

}  // namespace edgelite::client
