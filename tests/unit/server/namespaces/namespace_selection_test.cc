// Namespace names and how a request selects one.
#include "server/namespaces/namespace_selection.h"

#include <gtest/gtest.h>

#include "server/namespaces/namespace_name.h"

namespace edgelite::server {
namespace {

HttpRequest Request(std::string target, std::vector<std::pair<std::string, std::string>> headers) {
  HttpRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers = std::move(headers);
  return request;
}

const NamespaceRouting kEnabled{true, true};

TEST(NamespaceNameTest, NamesThatCouldLeaveTheDataDirectoryAreRefused) {
  EXPECT_TRUE(CheckNamespaceName("my-app").ok());
  EXPECT_TRUE(CheckNamespaceName("données").ok());
  for (std::string_view bad :
       std::initializer_list<std::string_view>{"", ".", "..", "a/b", "a\\b",
                                               std::string_view("a\0b", 3), "\x01", "\xff\xfe",
                                               "\xc0\xaf"}) {
    EXPECT_EQ(CheckNamespaceName(bad).kind(), ErrorKind::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(CheckNamespaceName(std::string(kMaxNamespaceNameBytes + 1, 'a')).ok());
  EXPECT_TRUE(CheckNamespaceName(std::string(kMaxNamespaceNameBytes, 'a')).ok());
}

TEST(NamespaceSelectionTest, ThePathWinsThenTheHeadersThenTheHost) {
  auto path = SelectNamespace(
      Request("/db/my%20app//wal_log.ReplicationLog/Hello", {{"x-namespace-bin", "MTI3"}}),
      kEnabled);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(path->name, "my app");
  EXPECT_EQ(path->target, "/wal_log.ReplicationLog/Hello");

  auto binary = SelectNamespace(
      Request("/v2/pipeline", {{"x-namespace-bin", "YWxwaGE"}, {"x-namespace", "beta"}}), kEnabled);
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(binary->name, "alpha");
  EXPECT_EQ(binary->target, "/v2/pipeline");
  auto plain = SelectNamespace(Request("/v2/pipeline", {{"x-namespace", "beta"}, {"host", "c.d.e"}}),
                               kEnabled);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->name, "beta");
  auto host = SelectNamespace(Request("/v2/pipeline", {{"host", "gamma.db.example.com:8080"}}),
                              kEnabled);
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->name, "gamma");
  // An IP address or a name without a dot names nothing: the default database.
  for (std::string_view address : {"127.0.0.1:8080", "localhost:8080", "[::1]:8080"}) {
    auto fallback =
        SelectNamespace(Request("/v2/pipeline", {{"host", std::string(address)}}), kEnabled);
    ASSERT_TRUE(fallback.ok());
    EXPECT_EQ(fallback->name, "default") << address;
  }
  auto refused = SelectNamespace(Request("/v2/pipeline", {{"host", "127.0.0.1"}}),
                                 NamespaceRouting{true, false});
  EXPECT_EQ(refused.status().kind(), ErrorKind::kInvalidArgument);
}

TEST(NamespaceSelectionTest, MalformedSelectionsAreInvalid) {
  for (auto request : {Request("/v2/pipeline", {{"x-namespace-bin", "!!"}}),
                       Request("/v2/pipeline", {{"x-namespace", ".."}}),
                       Request("/db/alpha", {}), Request("/db/%zz/v2/pipeline", {}),
                       Request("/db/a%2Fb/v2/pipeline", {}), Request("/db//v2/pipeline", {})}) {
    auto selected = SelectNamespace(request, kEnabled);
    EXPECT_EQ(selected.status().kind(), ErrorKind::kInvalidArgument) << request.target;
  }
}

TEST(NamespaceSelectionTest, WithoutNamespacesEverythingIsTheDefaultDatabase) {
  const NamespaceRouting disabled{false, true};
  auto headers = SelectNamespace(
      Request("/v2/pipeline", {{"x-namespace", "other"}, {"host", "x.example.com"}}), disabled);
  ASSERT_TRUE(headers.ok());
  EXPECT_EQ(headers->name, "default");
  auto prefixed = SelectNamespace(Request("/db/default/v2/pipeline", {}), disabled);
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->target, "/v2/pipeline");
  EXPECT_EQ(SelectNamespace(Request("/db/other/v2/pipeline", {}), disabled).status().kind(),
            ErrorKind::kNotFound);
}

}  // namespace
}  // namespace edgelite::server
