// Parsing database URLs with Boost.URL (RFC 3986, percent-decoding, query parameters with `+` as a
// space as in a form), then applying @libsql/client's rules for schemes and parameters.
#include "client/database_url.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "common/text.h"

namespace edgelite::client {
namespace {

namespace urls = boost::urls;

constexpr std::string_view kSupportedSchemes = "libsql:, https:, http:, wss: or ws:";

Status Invalid(std::string_view url, std::string_view problem) {
  return Status::InvalidArgument("invalid database URL \"" + std::string(url) +
                                 "\": " + std::string(problem));
}

}  // namespace

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view url) {
  auto parsed = urls::parse_uri(url);
  if (!parsed) {
    return Invalid(url, "it is not a URL (" + parsed.error().message() + "); expected e.g. " +
                            "libsql://db.example.com or http://127.0.0.1:8080");
  }
  const urls::url_view& view = *parsed;
  // Schemes are case-insensitive; scheme_id() knows all of them but libsql.
  const std::string scheme(view.scheme());
  const urls::scheme id = view.scheme_id();
  const bool libsql = EqualsIgnoringCase(scheme, "libsql");
  if (id == urls::scheme::file) {
    return Invalid(url, "a file: URL names a local database file; a remote database takes " +
                            std::string(kSupportedSchemes));
  }
  if (!libsql && id != urls::scheme::https && id != urls::scheme::http && id != urls::scheme::wss &&
      id != urls::scheme::ws) {
    return Invalid(url, "the scheme \"" + scheme + ":\" is not supported; use " +
                            std::string(kSupportedSchemes));
  }
  if (!view.has_authority() || view.encoded_host().empty()) {
    return Invalid(url, "it has no host; write " + scheme + "://<host>[:<port>]");
  }
  if (view.has_userinfo()) {
    return Invalid(url,
                   "credentials before the host are not supported; pass a token as "
                   "?authToken=<token> or in the client's configuration");
  }
  if (view.has_fragment()) return Invalid(url, "URL fragments (#...) are not supported");
  if (view.has_port() && view.port_number() == 0) {
    return Invalid(url,
                   "the port \"" + std::string(view.port()) + "\" is not a number from 1 to 65535");
  }

  DatabaseUrl out;
  std::optional<bool> tls;
  for (const urls::param& param : view.params()) {
    if (param.key == "authToken") {
      out.auth_token = std::string(param.value);
    } else if (param.key == "tls") {
      if (param.value != "0" && param.value != "1") {
        return Invalid(url, "the tls query parameter takes \"0\" or \"1\", not \"" +
                                std::string(param.value) + "\"");
      }
      tls = param.value == "1";
    } else {
      return Invalid(url, "unsupported query parameter \"" + std::string(param.key) +
                              "\"; only authToken and tls are accepted");
    }
  }

  if (libsql) {
    // @libsql/client refuses ?tls=0 without a port too, rather than guess port 80.
    if (tls.has_value() && !*tls && !view.has_port()) {
      return Invalid(url, "a libsql: URL with ?tls=0 must give an explicit port");
    }
    out.tls = tls.value_or(true);
  } else {
    const bool scheme_has_tls = id == urls::scheme::https || id == urls::scheme::wss;
    if (tls && *tls != scheme_has_tls) {
      return Invalid(url, "a " + scheme + ": URL cannot opt " +
                              (scheme_has_tls ? "out of TLS with ?tls=0" : "into TLS with ?tls=1"));
    }
    out.tls = scheme_has_tls;
  }

  out.host = view.host_address();
  std::string_view path = view.encoded_path();
  while (path.ends_with('/')) path.remove_suffix(1);
  out.base_url = std::string(out.tls ? "https://" : "http://") +
                 std::string(view.encoded_host_and_port()) + std::string(path);
  return out;
}

std::string EndpointUrl(std::string_view base_url, std::string_view path) {
  const std::size_t query_start = base_url.find('?');
  std::string_view query;
  if (query_start != std::string_view::npos) {
    query = base_url.substr(query_start);
    base_url = base_url.substr(0, query_start);
  }
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  while (path.starts_with('/')) path.remove_prefix(1);
  std::string url;
  url.reserve(base_url.size() + 1 + path.size() + query.size());
  url.append(base_url).append("/").append(path).append(query);
  return url;
}

}  // namespace edgelite::client
