// Parsing `edgelite serve` options into a ServerConfig and running the server.
#include "cli/serve_command.h"

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

#include "client/http_client.h"
#include "common/byte_size.h"
#include "server/database.h"
#include "server/hrana_http_service.h"
#include "server/http_server.h"
#include "server/memory_trimmer.h"
#include "server/namespaces/namespace_name.h"
#include "server/namespaces/namespace_registry.h"
#include "server/request_runner.h"
#include "server/server_config.h"
#include "server/stream_registry.h"

namespace edgelite::cli {
namespace {

struct ServeOptions {
  server::ServerConfig config;
  std::string durability = "relaxed";
  std::string jwt_key_file;
  std::string http_auth;
  std::string max_response_size;
  std::string admin_listen_addr;
  std::string hrana_listen_addr;
  bool no_replication_log = false;
  uint64_t max_log_size_mb = 200;
  std::string execution_trace;
  std::string admin_auth_key;
  bool enable_namespaces = false;
  bool disable_default_namespace = false;
  size_t max_active_namespaces = 100;
};

// What an http(s) `dump_url` serves, through the SDK's HTTP client.
Result<std::string> FetchDump(const std::string& url) {
  client::HttpClient http;
  client::HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.timeout = std::chrono::minutes(10);
  auto response = http.Send(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return Status::InvalidArgument(
        fmt::format("the dump_url {} answered HTTP {}", url, response->status));
  }
  return std::move(response->body);
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// 10,000 concurrent clients need more descriptors than the usual soft limit of 1024.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int Serve(ServeOptions& options) {
  // Results of a megabyte and more get memory of their own from the kernel and give it back when
  // freed. Otherwise glibc raises this threshold as such blocks are freed, serves them from its
  // heaps, and a burst of large answers leaves the process hundreds of megabytes bigger for good.
  mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
  // Fixing that threshold also fixes when the heaps give their top back (128 KiB by default), which
  // would shrink and grow them all the time; MemoryTrimmer returns what stays free instead.
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
  server::ServerConfig& config = options.config;
  if (options.durability == "strong") {
    config.durability = sqlite::Durability::kStrong;
  } else if (options.durability != "relaxed") {
    spdlog::error("--durability must be 'relaxed' or 'strong', not '{}'", options.durability);
    return 2;
  }
  if (!options.max_response_size.empty()) {
    auto size = ParseByteSize(options.max_response_size);
    if (!size) {
      spdlog::error("--max-response-size '{}' is not a size like 10MB", options.max_response_size);
      return 2;
    }
    config.max_response_size = *size;
  }
  if (!options.http_auth.empty()) {
    if (!options.http_auth.starts_with("basic:")) {
      spdlog::error("--http-auth must look like basic:<base64 of user:password>");
      return 2;
    }
    config.auth.http_basic = options.http_auth.substr(6);
  }
  if (!options.jwt_key_file.empty()) {
    auto key = ReadFile(options.jwt_key_file);
    if (!key) {
      spdlog::error("cannot read the JWT key file {}", options.jwt_key_file);
      return 2;
    }
    config.auth.jwt_key_text = std::move(*key);
  } else if (const char* inline_key = std::getenv("SQLD_AUTH_JWT_KEY"); inline_key && *inline_key) {
    config.auth.jwt_key_text = inline_key;
  }
  if (const char* gid = std::getenv("LIBSQL_GID")) config.auth.gid = gid;
  if (!options.hrana_listen_addr.empty()) config.hrana_listen_addr = options.hrana_listen_addr;
  if (!options.admin_listen_addr.empty()) config.admin_listen_addr = options.admin_listen_addr;

  auto authenticator = auth::Authenticator::Create(config.auth);
  if (!authenticator.ok()) {
    spdlog::error("invalid authentication settings: {}", authenticator.status().message());
    return 2;
  }

  RaiseFileLimit();
  std::unique_ptr<server::ExecutionTrace> trace;
  if (!options.execution_trace.empty()) {
    auto opened = server::ExecutionTrace::Open(options.execution_trace);
    if (!opened.ok()) {
      spdlog::error("{}", opened.status().message());
      return 2;
    }
    trace = std::move(opened).value();
    spdlog::warn("--execution-trace: requests run one at a time (debugging only)");
  }
  server::NamespaceRegistryOptions namespace_options;
  // Absolute: namespaces' files are moved and found again by path while the server runs.
  namespace_options.db_path = std::filesystem::absolute(config.db_path);
  namespace_options.database.trace = trace.get();
  namespace_options.database.durability = config.durability;
  namespace_options.database.replication_log = !options.no_replication_log;
  namespace_options.database.max_log_bytes =
      std::max<uint64_t>(options.max_log_size_mb, 1) * 1000 * 1000;
  namespace_options.default_namespace = !options.disable_default_namespace;
  namespace_options.max_active = std::max<size_t>(options.max_active_namespaces, 1);
  server::NamespaceRouting routing{options.enable_namespaces, !options.disable_default_namespace};
  if (!routing.enabled && !routing.default_namespace) {
    spdlog::error("--disable-default-namespace needs --enable-namespaces: without namespaces, "
                  "`default` is the only database");
    return 2;
  }
  auto namespaces = server::NamespaceRegistry::Open(namespace_options);
  if (!namespaces.ok()) {
    spdlog::error("{}", namespaces.status().message());
    return 1;
  }
  if (routing.default_namespace) {
    // Opened now, so that a damaged default database stops the server at start, as before.
    auto opened = (*namespaces)->Acquire(std::string(server::kDefaultNamespace));
    if (!opened.ok()) {
      spdlog::error("{}", opened.status().message());
      return 1;
    }
  }

  server::StreamLimits limits;
  limits.idle_timeout = config.stream_idle_timeout;
  server::StreamRegistry streams(limits);
  // Replication and write forwarding (gRPC-web) on the same port.
  replication::GrpcRoutes grpc(authenticator->get(), &streams, replication::ProxyLimits{});
  server::HranaHttpService service(config, namespaces->get(), routing, authenticator->get(),
                                   &streams, &grpc);
  server::AdminService admin(namespaces->get(),
                             options.admin_auth_key.empty()
                                 ? std::nullopt
                                 : std::optional<std::string>(options.admin_auth_key),
                             &streams, FetchDump);
  server::MemoryTrimmer memory_trimmer;
  server::HttpServer http(config, &service, &streams, &admin);
  auto bound = http.Bind();
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  if (!config.no_welcome) {
    fmt::print(
        "edgelite {}\n  data:  {}\n  url:   http://{}  (libsql://{}?tls=0)\n  auth:  {}\n"
        "  durability: {}\n",
        EDGELITE_VERSION, std::filesystem::absolute(config.db_path).string(), bound->http,
        bound->http,
        (*authenticator)->enabled() ? "required" : "disabled (anyone can read and write)",
        options.durability);
    if (bound->hrana) fmt::print("  hrana: ws://{}  (WebSocket only)\n", *bound->hrana);
    if (bound->admin) fmt::print("  admin: http://{}\n", *bound->admin);
    if (routing.enabled) {
      fmt::print("  namespaces: on (a database's URL: http://{}/db/<name>/)\n", bound->http);
    }
    std::fflush(stdout);
  }
  spdlog::info("listening for incoming user HTTP connection on {}", bound->http);
  if (bound->hrana) {
    spdlog::info("listening for incoming Hrana WebSocket connections on {}", *bound->hrana);
  }
  if (bound->admin) spdlog::info("listening for admin HTTP connections on {}", *bound->admin);
  http.Run();

  // The listener is down: roll back open transactions, then let the writer finish.
  grpc.proxy().DisconnectAll();
  // The streams stay alive until the writer has run their releases.
  auto open_streams = streams.TakeAll();
  for (auto& stream : open_streams) server::ReleaseStream(*stream);
  (*namespaces)->StopAll();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Serve databases over HTTP (Hrana)");
  serve->add_option("--db-path", options->config.db_path, "Data directory")
      ->envname("SQLD_DB_PATH")
      ->capture_default_str();
  serve
      ->add_option("--http-listen-addr", options->config.http_listen_addr,
                   "Address for the user HTTP API")
      ->envname("SQLD_HTTP_LISTEN_ADDR")
      ->capture_default_str();
  serve
      ->add_option("-l,--hrana-listen-addr", options->hrana_listen_addr,
                   "Address for a listener that serves only Hrana over WebSocket (sqld's legacy "
                   "Hrana port)")
      ->envname("SQLD_HRANA_LISTEN_ADDR");
  serve->add_option("--admin-listen-addr", options->admin_listen_addr, "Address for the admin API")
      ->envname("SQLD_ADMIN_LISTEN_ADDR");
  serve
      ->add_option("--auth-jwt-key-file", options->jwt_key_file,
                   "Ed25519 public key(s) (PEM, or raw base64url) that JWTs must be signed with")
      ->envname("SQLD_AUTH_JWT_KEY_FILE");
  serve->add_option("--http-auth", options->http_auth, "HTTP Basic credential: basic:<base64>")
      ->envname("SQLD_HTTP_AUTH");
  serve
      ->add_option("--http-self-url", options->config.http_self_url,
                   "Public URL of this server, sent to clients as the Hrana base_url")
      ->envname("SQLD_HTTP_SELF_URL");
  serve
      ->add_option("--max-response-size", options->max_response_size,
                   "Largest result a request may produce (e.g. 10MB)")
      ->envname("SQLD_MAX_RESPONSE_SIZE");
  serve
      ->add_option("--durability", options->durability,
                   "relaxed (synchronous=NORMAL) or strong (synchronous=FULL)")
      ->envname("EDGELITE_DURABILITY")
      ->capture_default_str();
  serve->add_option("--io-threads", options->config.io_threads, "I/O threads (0: one per core)");
  serve->add_flag("--no-welcome", options->config.no_welcome, "Do not print the start-up banner");
  serve
      ->add_option("--max-log-size", options->max_log_size_mb,
                   "Frame log size in MB after which older frames are compacted into a snapshot")
      ->envname("SQLD_MAX_LOG_SIZE")
      ->capture_default_str();
  serve->add_flag("--no-replication-log", options->no_replication_log,
                  "Do not capture commits into the frame log (no replicas can sync; for measuring "
                  "what capture costs)");
  serve
      ->add_option("--admin-auth-key", options->admin_auth_key,
                   "Key that admin API requests must carry as `Authorization: Basic <key>`")
      ->envname("LIBSQL_ADMIN_AUTH_KEY");
  serve
      ->add_flag("--enable-namespaces", options->enable_namespaces,
                 "Serve many databases: a request names one with the x-namespace header, the "
                 "host name, or a /db/<name>/ URL path")
      ->envname("SQLD_ENABLE_NAMESPACES");
  serve
      ->add_flag("--disable-default-namespace", options->disable_default_namespace,
                 "With --enable-namespaces: a request that names no database is refused")
      ->envname("SQLD_DISABLE_DEFAULT_NAMESPACE");
  serve
      ->add_option("--max-active-namespaces", options->max_active_namespaces,
                   "Databases kept open at once; idle ones are closed to make room")
      ->envname("SQLD_MAX_ACTIVE_NAMESPACES")
      ->capture_default_str();
  serve->add_option("--execution-trace", options->execution_trace,
                    "Debugging: run requests one at a time and write their serial order to this "
                    "file (JSON lines)");
  serve->callback([options, &exit_code] { exit_code = Serve(*options); });
}

}  // namespace edgelite::cli
