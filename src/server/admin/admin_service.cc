// The admin routes and their JSON.
#include "server/admin/admin_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "common/byte_size.h"
#include "hrana/json_codec.h"
#include "server/await_callback.h"

namespace edgelite::server {
namespace {

namespace json = boost::json;

HttpResponse Error(int status, std::string_view message) {
  return HttpResponse::Json(status, hrana::json::EncodeRequestError(message));
}

HttpResponse Failure(const Status& status) {
  return Error(HttpStatusFor(status), status.message());
}

// The path's segments, percent-decoded; nullopt when one is malformed.
std::optional<std::vector<std::string>> Segments(std::string_view path) {
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto decoded = boost::urls::make_pct_string_view(path.substr(start, end - start));
    if (!decoded) return std::nullopt;
    segments.push_back(decoded->decode());
    start = end + 1;
  }
  return segments;
}

// 1048576, "1048576" or "10MB": bytes, as sqld's ByteSize.
std::optional<uint64_t> ByteSize(const json::value& value) {
  if (value.is_uint64()) return value.as_uint64();
  if (value.is_int64() && value.as_int64() >= 0) return uint64_t(value.as_int64());
  if (!value.is_string()) return std::nullopt;
  return ParseByteSize(value.as_string());
}

// Applies the fields of a create or config body to `config`; the error names the bad field.
Status ApplyFields(const json::object& body, metadata::DatabaseConfig& config, bool creating) {
  for (const auto& [key, value] : body) {
    if (key == "block_reads" || key == "block_writes" || key == "allow_attach") {
      if (!value.is_bool()) return Status::InvalidArgument(fmt::format("`{}` must be a boolean", std::string_view(key)));
      if (key == "block_reads") config.set_block_reads(value.as_bool());
      if (key == "block_writes") config.set_block_writes(value.as_bool());
      if (key == "allow_attach") config.set_allow_attach(value.as_bool());
    } else if (key == "block_reason" || key == "jwt_key" || key == "heartbeat_url") {
      if (value.is_null()) {
        if (key == "block_reason") config.clear_block_reason();
        if (key == "jwt_key") config.clear_jwt_key();
        if (key == "heartbeat_url") config.clear_heartbeat_url();
        continue;
      }
      if (!value.is_string()) return Status::InvalidArgument(fmt::format("`{}` must be a string", std::string_view(key)));
      std::string text(value.as_string());
      if (key == "block_reason") config.set_block_reason(text);
      if (key == "jwt_key") {
        if (auto checked = NamespaceAuthenticator(text); !checked.ok()) {
          return Status::InvalidArgument("`jwt_key` is not a usable Ed25519 public key: " +
                                         checked.status().message());
        }
        config.set_jwt_key(text);
      }
      if (key == "heartbeat_url") config.set_heartbeat_url(text);
    } else if (key == "max_db_size") {
      if (value.is_null()) {
        config.set_max_db_pages(0);
        continue;
      }
      auto bytes = ByteSize(value);
      if (!bytes) return Status::InvalidArgument("`max_db_size` must be a size: bytes, or a string like \"10MB\"");
      config.set_max_db_pages(*bytes / 4096);
    } else if (key == "txn_timeout_s" || key == "max_row_size") {
      if (!value.is_uint64() && !(value.is_int64() && value.as_int64() >= 0)) {
        return Status::InvalidArgument(fmt::format("`{}` must be a non-negative integer", std::string_view(key)));
      }
      uint64_t number = value.is_uint64() ? value.as_uint64() : uint64_t(value.as_int64());
      if (key == "txn_timeout_s") config.set_txn_timeout_s(number);
      if (key == "max_row_size") config.set_max_row_size(number);
    } else if (key == "durability_mode") {
      std::string_view mode = value.is_string() ? std::string_view(value.as_string()) : "";
      if (mode == "relaxed") config.set_durability_mode(metadata::RELAXED);
      else if (mode == "strong") config.set_durability_mode(metadata::STRONG);
      else if (mode == "extra") config.set_durability_mode(metadata::EXTRA);
      else if (mode == "off") config.set_durability_mode(metadata::OFF);
      else return Status::InvalidArgument("`durability_mode` is one of relaxed, strong, extra, off");
    } else if (creating && key == "dump_url") {
      continue;  // read by Create
    } else if (creating && (key == "bottomless_db_id" || key == "shared_schema" ||
                            key == "shared_schema_name")) {
      if (!value.is_null()) {
        return Status::InvalidArgument(fmt::format("`{}` is not supported by this server yet", std::string_view(key)));
      }
    } else {
      return Status::InvalidArgument(fmt::format("unknown field `{}`", std::string_view(key)));
    }
  }
  return Status::Ok();
}

// sqld's NaiveDateTime ("2024-01-01T00:00:00", optionally with a fraction), read as UTC, or Unix
// milliseconds.
std::optional<int64_t> UnixMillis(const json::value& value) {
  if (value.is_int64()) return value.as_int64();
  if (value.is_uint64()) return int64_t(value.as_uint64());
  if (!value.is_string()) return std::nullopt;
  std::string text(value.as_string());
  std::tm time{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &time.tm_year, &time.tm_mon,
                  &time.tm_mday, &time.tm_hour, &time.tm_min, &time.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  int64_t millis = 0;
  std::string_view rest = std::string_view(text).substr(size_t(consumed));
  if (rest.starts_with('.')) {
    std::string digits(rest.substr(1, 3));
    while (digits.size() < 3) digits += '0';
    if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    millis = std::stoi(digits);
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front()))) {
      rest.remove_prefix(1);
    }
  }
  if (rest == "Z") rest = {};
  if (!rest.empty()) return std::nullopt;
  time.tm_year -= 1900;
  time.tm_mon -= 1;
  return int64_t(timegm(&time)) * 1000 + millis;
}

Result<json::object> ParseBody(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  boost::system::error_code error;
  json::value value = json::parse(body, error);
  if (error || !value.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object");
  }
  return std::move(value.as_object());
}

std::string ConfigJson(const metadata::DatabaseConfig& config) {
  json::object out;
  out["block_reads"] = config.block_reads();
  out["block_writes"] = config.block_writes();
  out["block_reason"] = config.has_block_reason() ? json::value(config.block_reason()) : nullptr;
  out["max_db_size"] = config.max_db_pages() > 0 ? json::value(config.max_db_pages() * 4096) : nullptr;
  out["heartbeat_url"] = config.has_heartbeat_url() ? json::value(config.heartbeat_url()) : nullptr;
  out["jwt_key"] = config.has_jwt_key() ? json::value(config.jwt_key()) : nullptr;
  out["allow_attach"] = config.allow_attach();
  out["txn_timeout_s"] = config.has_txn_timeout_s() ? json::value(config.txn_timeout_s()) : nullptr;
  static constexpr const char* kModes[] = {"relaxed", "strong", "extra", "off"};
  int mode = config.has_durability_mode() ? int(config.durability_mode()) : 0;
  out["durability_mode"] = kModes[mode >= 0 && mode < 4 ? mode : 0];
  return json::serialize(out);
}

}  // namespace

boost::asio::awaitable<HttpResponse> AdminService::Handle(HttpRequest request) {
  return AwaitCallback<HttpResponse>([this, request = std::move(request)](auto done) mutable {
    workers_.Submit([this, request = std::move(request), done]() { done(HandleOnWorker(request)); });
  });
}

HttpResponse AdminService::HandleOnWorker(const HttpRequest& request) {
  if (auth_key_) {
    const std::string* authorization = request.Header("authorization");
    if (!authorization || *authorization != "Basic " + *auth_key_) return HttpResponse::Empty(401);
  }
  auto segments = Segments(request.Path());
  if (!segments) return Error(400, "the path is not valid percent-encoding");
  const std::vector<std::string>& s = *segments;
  const std::string& method = request.method;
  if (s.size() == 1 && s[0].empty() && method == "GET") {
    return HttpResponse::Text(200, "Welcome to the sqld admin API");
  }
  if (s.size() == 2 && s[0] == "v1" && s[1] == "namespaces" && method == "GET") return List();
  if (s.size() == 1 && s[0] == "metrics" && method == "GET") {
    ServerSample server;
    server.active_namespaces = namespaces_->active();
    if (streams_) server.stream_handles = streams_->size();
    HttpResponse response =
        HttpResponse::Text(200, RenderMetrics(server, namespaces_->Samples()));
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  }
  if (s.size() >= 3 && s[0] == "v1" && s[1] == "namespaces") {
    const std::string& name = s[2];
    if (s.size() == 4 && s[3] == "create" && method == "POST") return Create(name, request.body);
    if (s.size() == 3 && method == "DELETE") return Delete(name);
    if (s.size() == 5 && s[3] == "fork" && method == "POST") return Fork(name, s[4], request.body);
    if (s.size() == 4 && s[3] == "config" && method == "GET") return GetConfig(name);
    if (s.size() == 4 && s[3] == "stats" && method == "GET") {
      auto stats = namespaces_->StatsJson(name);
      if (!stats.ok()) return Failure(stats.status());
      return HttpResponse::Json(200, std::move(stats).value());
    }
    if (s.size() == 5 && s[3] == "stats" && method == "DELETE") {
      if (Status reset = namespaces_->ResetStats(name, s[4]); !reset.ok()) {
        return Failure(reset);
      }
      return HttpResponse::Json(200, "{}");
    }
    if (s.size() == 4 && s[3] == "config" && method == "POST") {
      return SetConfig(name, request.body);
    }
    if (s.size() == 4 && s[3] == "checkpoint" && method == "POST") return Checkpoint(name);
  }
  return HttpResponse::Empty(404);
}

HttpResponse AdminService::Create(const std::string& name, const std::string& body) {
  auto fields = ParseBody(body);
  if (!fields.ok()) return Failure(fields.status());
  metadata::DatabaseConfig config;
  if (Status applied = ApplyFields(*fields, config, true); !applied.ok()) return Failure(applied);
  std::optional<std::string> dump;
  if (const json::value* url = fields->if_contains("dump_url"); url && !url->is_null()) {
    if (!url->is_string()) return Error(400, "`dump_url` must be a string");
    auto read = ReadDump(std::string(url->as_string()), fetch_dump_);
    if (!read.ok()) return Failure(read.status());
    dump = std::move(read).value();
  }
  if (Status created = namespaces_->Create(name, config, dump ? &*dump : nullptr); !created.ok()) {
    return Failure(created);
  }
  return HttpResponse::Json(200, "{}");
}

HttpResponse AdminService::Fork(const std::string& from, const std::string& to,
                                const std::string& body) {
  auto fields = ParseBody(body);
  if (!fields.ok()) return Failure(fields.status());
  ForkPoint point;
  for (const auto& [key, value] : *fields) {
    if (key == "timestamp") {
      auto millis = UnixMillis(value);
      if (!millis) {
        return Error(400, "`timestamp` is a UTC time like \"2024-01-01T00:00:00\" or Unix "
                          "milliseconds");
      }
      point.unix_millis = *millis;
    } else if (key == "frame_no") {
      if (!value.is_uint64() && !(value.is_int64() && value.as_int64() >= 0)) {
        return Error(400, "`frame_no` must be a non-negative integer");
      }
      point.frame_no = value.is_uint64() ? value.as_uint64() : uint64_t(value.as_int64());
    } else if (!value.is_null()) {
      return Error(400, fmt::format("unknown field `{}`", std::string_view(key)));
    }
  }
  auto forked = namespaces_->Fork(from, to, point);
  if (!forked.ok()) return Failure(forked.status());
  // As of an earlier commit: which one it is.
  if (!point.frame_no && !point.unix_millis) return HttpResponse::Json(200, "{}");
  return HttpResponse::Json(200, json::serialize(json::object{{"frame_no", forked->frame_no},
                                                              {"pages", forked->pages}}));
}

HttpResponse AdminService::Delete(const std::string& name) {
  if (Status deleted = namespaces_->Delete(name); !deleted.ok()) return Failure(deleted);
  return HttpResponse::Json(200, "{}");
}

HttpResponse AdminService::Checkpoint(const std::string& name) {
  auto database = namespaces_->Acquire(name);
  if (!database.ok()) return Failure(database.status());
  auto outcome = (*database)->Checkpoint();
  if (!outcome.ok()) return Failure(outcome.status());
  if (!outcome->complete) {
    return Error(503, fmt::format("the checkpoint of `{}` could not finish: readers or a writer "
                                  "held the WAL; retry",
                                  name));
  }
  return HttpResponse::Json(200, "{}");
}

HttpResponse AdminService::GetConfig(const std::string& name) {
  auto config = namespaces_->Config(name);
  if (!config.ok()) return Failure(config.status());
  return HttpResponse::Json(200, ConfigJson(*config));
}

HttpResponse AdminService::SetConfig(const std::string& name, const std::string& body) {
  auto fields = ParseBody(body);
  if (!fields.ok()) return Failure(fields.status());
  auto config = namespaces_->Config(name);
  if (!config.ok()) return Failure(config.status());
  if (Status applied = ApplyFields(*fields, *config, false); !applied.ok()) return Failure(applied);
  if (Status set = namespaces_->SetConfig(name, *config); !set.ok()) return Failure(set);
  return HttpResponse::Json(200, ConfigJson(*config));
}

HttpResponse AdminService::List() {
  auto names = namespaces_->Names();
  if (!names.ok()) return Failure(names.status());
  json::array out;
  for (const std::string& name : *names) out.emplace_back(name);
  return HttpResponse::Json(200, json::serialize(json::object{{"namespaces", std::move(out)}}));
}

}  // namespace edgelite::server
