// Request formatting; the header set is the minimum that sqld, edgelite and nginx all accept.
#include "http_request_writer.h"

namespace edgelite::bench {

HttpRequestWriter::HttpRequestWriter(std::string_view host, int port, std::string_view auth_token) {
  common_headers_ = "Host: ";
  common_headers_ += host;
  common_headers_ += ':';
  common_headers_ += std::to_string(port);
  common_headers_ += "\r\n";
  if (!auth_token.empty()) {
    common_headers_ += "Authorization: Bearer ";
    common_headers_ += auth_token;
    common_headers_ += "\r\n";
  }
}

void HttpRequestWriter::Post(std::string_view path, std::string_view json_body,
                             std::string* out) const {
  out->clear();
  out->reserve(path.size() + common_headers_.size() + json_body.size() + 96);
  *out += "POST ";
  *out += path;
  *out += " HTTP/1.1\r\n";
  *out += common_headers_;
  *out += "Content-Type: application/json\r\nContent-Length: ";
  *out += std::to_string(json_body.size());
  *out += "\r\n\r\n";
  *out += json_body;
}

void HttpRequestWriter::Get(std::string_view path, std::string* out) const {
  out->clear();
  *out += "GET ";
  *out += path;
  *out += " HTTP/1.1\r\n";
  *out += common_headers_;
  *out += "\r\n";
}

}  // namespace edgelite::bench
