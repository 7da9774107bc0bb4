// Incremental HTTP/1.1 response parsing for the load generator. Header names are matched without
// regard to case (sqld sends them in lower case, nginx in mixed case).
#include "http_response_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace edgelite::bench {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool ContainsTokenIgnoringCase(std::string_view list, std::string_view token) {
  // Header values such as "keep-alive, Upgrade" are comma-separated token lists.
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (EqualsIgnoringCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void HttpResponseParser::Reset() {
  stage_ = Stage::kHeaders;
  position_ = 0;
  status_ = 0;
  keep_alive_ = true;
  content_length_ = 0;
  chunk_remaining_ = 0;
  chunked_body_.clear();
  body_ = {};
  consumed_ = 0;
  error_.clear();
}

HttpResponseParser::Progress HttpResponseParser::Fail(std::string message) {
  error_ = std::move(message);
  return Progress::kError;
}

HttpResponseParser::Progress HttpResponseParser::Parse(std::string_view buffer) {
  if (stage_ == Stage::kHeaders) {
    const Progress progress = ParseHeaders(buffer);
    if (progress != Progress::kComplete) return progress;
  }
  switch (stage_) {
    case Stage::kHeaders:
      return Progress::kNeedMore;  // Unreachable: ParseHeaders moved past this stage.
    case Stage::kFixedBody:
      if (buffer.size() - position_ < content_length_) return Progress::kNeedMore;
      body_ = buffer.substr(position_, content_length_);
      consumed_ = position_ + content_length_;
      return Progress::kComplete;
    case Stage::kUntilClose:
      return Progress::kNeedMore;
    case Stage::kChunkSize:
    case Stage::kChunkData:
    case Stage::kChunkTrailer:
      return ParseChunked(buffer);
  }
  return Progress::kNeedMore;
}

HttpResponseParser::Progress HttpResponseParser::OnEndOfStream(std::string_view buffer) {
  if (stage_ == Stage::kUntilClose) {
    body_ = buffer.substr(position_);
    consumed_ = buffer.size();
    keep_alive_ = false;
    return Progress::kComplete;
  }
  return Fail(stage_ == Stage::kHeaders && buffer.empty()
                  ? "connection closed by the server before a response"
                  : "connection closed by the server in the middle of a response");
}

HttpResponseParser::Progress HttpResponseParser::ParseHeaders(std::string_view buffer) {
  // Resume the search for the blank line a few bytes back, since "\r\n\r\n" may straddle reads.
  const size_t search_from = position_ >= 3 ? position_ - 3 : 0;
  const size_t end = buffer.find("\r\n\r\n", search_from);
  if (end == std::string_view::npos) {
    position_ = buffer.size();
    if (buffer.size() > 64 * 1024) return Fail("response headers longer than 64 KiB");
    return Progress::kNeedMore;
  }
  std::string_view head = buffer.substr(0, end);
  const size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  // "HTTP/1.1 200 OK": the version decides the default for keep-alive.
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/" || status_line[8] != ' ') {
    return Fail("malformed status line: " + std::string(status_line.substr(0, 80)));
  }
  const bool http10 = status_line.substr(5, 3) == "1.0";
  keep_alive_ = !http10;
  const auto [status_end, status_error] =
      std::from_chars(status_line.data() + 9, status_line.data() + 12, status_);
  if (status_error != std::errc() || status_end != status_line.data() + 12) {
    return Fail("malformed status code: " + std::string(status_line.substr(0, 80)));
  }

  bool has_length = false;
  bool chunked = false;
  while (!head.empty()) {
    const size_t next = head.find("\r\n");
    const std::string_view line = head.substr(0, next);
    head = next == std::string_view::npos ? std::string_view() : head.substr(next + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Fail("malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoringCase(name, "content-length")) {
      const auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), content_length_);
      if (ec != std::errc() || ptr != value.data() + value.size()) {
        return Fail("malformed Content-Length");
      }
      has_length = true;
    } else if (EqualsIgnoringCase(name, "transfer-encoding")) {
      chunked = ContainsTokenIgnoringCase(value, "chunked");
    } else if (EqualsIgnoringCase(name, "connection")) {
      if (ContainsTokenIgnoringCase(value, "close")) keep_alive_ = false;
      if (ContainsTokenIgnoringCase(value, "keep-alive")) keep_alive_ = true;
    }
  }

  position_ = end + 4;
  if (status_ < 200) return Fail("unexpected informational response " + std::to_string(status_));
  if (status_ == 204 || status_ == 304) {
    content_length_ = 0;
    stage_ = Stage::kFixedBody;
  } else if (chunked) {
    // Transfer-Encoding wins over Content-Length (RFC 9112 section 6.3).
    stage_ = Stage::kChunkSize;
  } else if (has_length) {
    stage_ = Stage::kFixedBody;
  } else {
    stage_ = Stage::kUntilClose;
  }
  return Progress::kComplete;
}

HttpResponseParser::Progress HttpResponseParser::ParseChunked(std::string_view buffer) {
  while (true) {
    switch (stage_) {
      case Stage::kChunkSize: {
        const size_t line_end = buffer.find("\r\n", position_);
        if (line_end == std::string_view::npos) return Progress::kNeedMore;
        std::string_view line = buffer.substr(position_, line_end - position_);
        line = line.substr(0, line.find(';'));  // Chunk extensions carry nothing we need.
        line = Trim(line);
        size_t size = 0;
        const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || ptr != line.data() + line.size()) {
          return Fail("malformed chunk size");
        }
        position_ = line_end + 2;
        chunk_remaining_ = size;
        stage_ = size == 0 ? Stage::kChunkTrailer : Stage::kChunkData;
        break;
      }
      case Stage::kChunkData: {
        if (buffer.size() - position_ < chunk_remaining_ + 2) return Progress::kNeedMore;
        chunked_body_.append(buffer.substr(position_, chunk_remaining_));
        position_ += chunk_remaining_;
        if (buffer.substr(position_, 2) != "\r\n") return Fail("chunk not followed by CRLF");
        position_ += 2;
        stage_ = Stage::kChunkSize;
        break;
      }
      case Stage::kChunkTrailer: {
        // Trailer fields (rare) end with an empty line; skip them one line at a time.
        const size_t line_end = buffer.find("\r\n", position_);
        if (line_end == std::string_view::npos) return Progress::kNeedMore;
        const bool empty_line = line_end == position_;
        position_ = line_end + 2;
        if (empty_line) {
          body_ = chunked_body_;
          consumed_ = position_;
          return Progress::kComplete;
        }
        break;
      }
      default:
        return Fail("chunk parser in an unexpected stage");
    }
  }
}

}  // namespace edgelite::bench
