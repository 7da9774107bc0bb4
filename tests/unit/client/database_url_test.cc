// Tests for reading database URLs: each form @libsql/client accepts gives the same server address
// here (scheme, TLS, path prefix, token), each form it refuses is refused with a message that says
// what to write instead, and endpoints are joined to a base URL with or without its slash.
#include "client/database_url.h"

#include <gtest/gtest.h>

#include <string>

namespace edgelite::client {
namespace {

DatabaseUrl Parsed(std::string_view url) {
  auto parsed = ParseDatabaseUrl(url);
  EXPECT_TRUE(parsed.ok()) << url << ": " << parsed.status().message();
  return parsed.ok() ? std::move(parsed).value() : DatabaseUrl{};
}

std::string Refusal(std::string_view url) {
  auto parsed = ParseDatabaseUrl(url);
  EXPECT_FALSE(parsed.ok()) << url << " was accepted as " << parsed->base_url;
  if (parsed.ok()) return "<accepted>";
  EXPECT_EQ(parsed.status().kind(), ErrorKind::kInvalidArgument);
  return parsed.status().message();
}

TEST(DatabaseUrl, LibsqlMeansHttps) {
  const DatabaseUrl url = Parsed("libsql://my-db.turso.io");
  EXPECT_EQ(url.base_url, "https://my-db.turso.io");
  EXPECT_EQ(url.host, "my-db.turso.io");
  EXPECT_TRUE(url.tls);
  EXPECT_FALSE(url.auth_token);
  EXPECT_EQ(Parsed("libsql://db.example.com:8443?tls=1").base_url, "https://db.example.com:8443");
}

TEST(DatabaseUrl, LibsqlWithTlsOffMeansHttpOnAnExplicitPort) {
  const DatabaseUrl url = Parsed("libsql://127.0.0.1:8080?tls=0");
  EXPECT_EQ(url.base_url, "http://127.0.0.1:8080");
  EXPECT_FALSE(url.tls);
  EXPECT_EQ(Refusal("libsql://db.example.com?tls=0"),
            "invalid database URL \"libsql://db.example.com?tls=0\": a libsql: URL with ?tls=0 "
            "must give an explicit port");
}

TEST(DatabaseUrl, HttpAndHttpsAreTakenAsTheyAre) {
  EXPECT_EQ(Parsed("http://127.0.0.1:8080").base_url, "http://127.0.0.1:8080");
  EXPECT_FALSE(Parsed("http://127.0.0.1:8080").tls);
  EXPECT_EQ(Parsed("https://db.example.com").base_url, "https://db.example.com");
  EXPECT_EQ(Parsed("http://127.0.0.1:8080?tls=0").base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(Refusal("http://db.example.com?tls=1"),
            "invalid database URL \"http://db.example.com?tls=1\": a http: URL cannot opt into "
            "TLS with ?tls=1");
  EXPECT_EQ(Refusal("https://db.example.com?tls=0"),
            "invalid database URL \"https://db.example.com?tls=0\": a https: URL cannot opt out "
            "of TLS with ?tls=0");
}

TEST(DatabaseUrl, WebSocketSchemesMeanTheirHttpCounterparts) {
  EXPECT_EQ(Parsed("ws://localhost:8080").base_url, "http://localhost:8080");
  EXPECT_EQ(Parsed("wss://db.example.com").base_url, "https://db.example.com");
}

TEST(DatabaseUrl, SchemesIgnoreCase) {
  EXPECT_EQ(Parsed("LIBSQL://db.example.com").base_url, "https://db.example.com");
  EXPECT_EQ(Parsed("Http://127.0.0.1:8080").base_url, "http://127.0.0.1:8080");
}

TEST(DatabaseUrl, PathIsAPrefixWithoutItsTrailingSlash) {
  EXPECT_EQ(Parsed("http://127.0.0.1:8080/").base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(Parsed("http://host:8080/some/prefix").base_url, "http://host:8080/some/prefix");
  EXPECT_EQ(Parsed("https://host/some/prefix/?authToken=t").base_url, "https://host/some/prefix");
}

TEST(DatabaseUrl, Ipv6HostsKeepTheirBrackets) {
  const DatabaseUrl url = Parsed("http://[::1]:8080");
  EXPECT_EQ(url.base_url, "http://[::1]:8080");
  EXPECT_EQ(url.host, "::1");
}

TEST(DatabaseUrl, AuthTokenComesFromTheQuery) {
  EXPECT_EQ(Parsed("libsql://db.example.com?authToken=eyJhbGciOiJFZERTQSJ9.e30.c2ln").auth_token,
            "eyJhbGciOiJFZERTQSJ9.e30.c2ln");
  // Decoded as a form value: %XX escapes, and + for a space.
  EXPECT_EQ(Parsed("libsql://db.example.com?authToken=a%2Bb+c").auth_token, "a+b c");
  const DatabaseUrl both = Parsed("libsql://127.0.0.1:8080?authToken=t&tls=0");
  EXPECT_EQ(both.auth_token, "t");
  EXPECT_EQ(both.base_url, "http://127.0.0.1:8080");
}

TEST(DatabaseUrl, RefusesOtherQueryParameters) {
  EXPECT_EQ(Refusal("libsql://db.example.com?foo=1"),
            "invalid database URL \"libsql://db.example.com?foo=1\": unsupported query parameter "
            "\"foo\"; only authToken and tls are accepted");
  EXPECT_EQ(Refusal("libsql://db.example.com?tls=yes"),
            "invalid database URL \"libsql://db.example.com?tls=yes\": the tls query parameter "
            "takes \"0\" or \"1\", not \"yes\"");
}

TEST(DatabaseUrl, RefusesOtherSchemesNamingTheAcceptedOnes) {
  EXPECT_EQ(Refusal("ftp://db.example.com"),
            "invalid database URL \"ftp://db.example.com\": the scheme \"ftp:\" is not "
            "supported; use libsql:, https:, http:, wss: or ws:");
  EXPECT_EQ(Refusal("file:local.db"),
            "invalid database URL \"file:local.db\": a file: URL names a local database file; a "
            "remote database takes libsql:, https:, http:, wss: or ws:");
}

TEST(DatabaseUrl, RefusesWhatIsNotARemoteAddress) {
  EXPECT_NE(Refusal("not a url").find("it is not a URL"), std::string::npos);
  EXPECT_NE(Refusal("").find("it is not a URL"), std::string::npos);
  EXPECT_EQ(Refusal("libsql:db.example.com"),
            "invalid database URL \"libsql:db.example.com\": it has no host; write "
            "libsql://<host>[:<port>]");
  EXPECT_EQ(Refusal("https://user:secret@db.example.com"),
            "invalid database URL \"https://user:secret@db.example.com\": credentials before the "
            "host are not supported; pass a token as ?authToken=<token> or in the client's "
            "configuration");
  EXPECT_EQ(Refusal("https://db.example.com/#x"),
            "invalid database URL \"https://db.example.com/#x\": URL fragments (#...) are not "
            "supported");
  EXPECT_EQ(Refusal("http://127.0.0.1:70000"),
            "invalid database URL \"http://127.0.0.1:70000\": the port \"70000\" is not a number "
            "from 1 to 65535");
  EXPECT_NE(Refusal("http://127.0.0.1:0").find("the port \"0\""), std::string::npos);
}

TEST(EndpointUrl, JoinsWithOneSlash) {
  EXPECT_EQ(EndpointUrl("http://127.0.0.1:8080", "/v3-protobuf/pipeline"),
            "http://127.0.0.1:8080/v3-protobuf/pipeline");
  EXPECT_EQ(EndpointUrl("http://127.0.0.1:8080/", "/v3-protobuf/pipeline"),
            "http://127.0.0.1:8080/v3-protobuf/pipeline");
  EXPECT_EQ(EndpointUrl("http://host/some/prefix", "v3-protobuf/pipeline"),
            "http://host/some/prefix/v3-protobuf/pipeline");
}

TEST(EndpointUrl, KeepsTheBasesQueryAfterThePath) {
  EXPECT_EQ(EndpointUrl("https://host/prefix/?token=x", "/v3-protobuf/pipeline"),
            "https://host/prefix/v3-protobuf/pipeline?token=x");
}

}  // namespace
}  // namespace edgelite::client
