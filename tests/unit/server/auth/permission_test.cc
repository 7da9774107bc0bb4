// Grant decisions: which permissions each kind of grant gives on which namespaces.
#include "server/auth/permission.h"

#include <gtest/gtest.h>

namespace edgelite::auth {
namespace {

constexpr Permission kAll[] = {Permission::kRead, Permission::kWrite, Permission::kAttachRead};

NamespaceScope Names(std::vector<std::string> names) {
  return NamespaceScope(std::move(names), false);
}

TEST(GrantTest, FullAccessAllowsEverythingEverywhere) {
  Grant grant = Grant::FullAccess();
  EXPECT_TRUE(grant.is_full_access());
  for (Permission p : kAll) {
    EXPECT_TRUE(grant.Allows(p, "default"));
    EXPECT_TRUE(grant.Allows(p, "any-other"));
  }
  EXPECT_TRUE(grant.AllowsSchemaDdl("child"));
}

TEST(GrantTest, LegacyWriteIncludesReadButNeverAttach) {
  Grant grant = Grant::Legacy(Permission::kWrite, std::nullopt);
  EXPECT_FALSE(grant.is_full_access());
  EXPECT_TRUE(grant.Allows(Permission::kRead, "a"));
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "b"));
  EXPECT_FALSE(grant.Allows(Permission::kAttachRead, "a"));
  EXPECT_FALSE(grant.AllowsSchemaDdl("a"));
}

TEST(GrantTest, LegacyReadOnlyDeniesWriteAndAttach) {
  Grant grant = Grant::Legacy(Permission::kRead, std::nullopt);
  EXPECT_TRUE(grant.Allows(Permission::kRead, "default"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "default"));
  EXPECT_FALSE(grant.Allows(Permission::kAttachRead, "default"));
}

TEST(GrantTest, LegacyAttachReadIncludesReadButNotWrite) {
  Grant grant = Grant::Legacy(Permission::kAttachRead, std::nullopt);
  EXPECT_TRUE(grant.Allows(Permission::kRead, "default"));
  EXPECT_TRUE(grant.Allows(Permission::kAttachRead, "default"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "default"));
}

TEST(GrantTest, LegacyNamespaceLimitsEveryPermissionToThatNamespace) {
  Grant grant = Grant::Legacy(Permission::kWrite, "db1");
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "db1"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "db1"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "db2"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "db"));  // no prefix matching
  EXPECT_FALSE(grant.Allows(Permission::kRead, "db1x"));
}

TEST(GrantTest, FineGrainedReadOnlyScope) {
  FineGrainedScopes scopes;
  scopes.read_only = Names({"a", "b"});
  Grant grant = Grant::FineGrained(scopes);
  EXPECT_TRUE(grant.Allows(Permission::kRead, "a"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "b"));
  EXPECT_FALSE(grant.Allows(Permission::kRead, "c"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "a"));
  EXPECT_FALSE(grant.Allows(Permission::kAttachRead, "a"));
}

TEST(GrantTest, FineGrainedEachClaimGrantsWhatSqldGrants) {
  struct Case {
    NamespaceScope FineGrainedScopes::*field;
    bool read, write, attach, ddl;
  };
  const Case cases[] = {
      {&FineGrainedScopes::read_only, true, false, false, false},
      {&FineGrainedScopes::read_write, true, true, false, false},
      {&FineGrainedScopes::read_only_attach, true, false, true, false},
      {&FineGrainedScopes::read_write_attach, true, true, true, false},
      {&FineGrainedScopes::ddl, true, true, false, true},
  };
  for (const Case& c : cases) {
    FineGrainedScopes scopes;
    scopes.*c.field = Names({"ns"});
    Grant grant = Grant::FineGrained(scopes);
    SCOPED_TRACE(grant.ToString());
    EXPECT_EQ(grant.Allows(Permission::kRead, "ns"), c.read);
    EXPECT_EQ(grant.Allows(Permission::kWrite, "ns"), c.write);
    EXPECT_EQ(grant.Allows(Permission::kAttachRead, "ns"), c.attach);
    EXPECT_EQ(grant.AllowsSchemaDdl("ns"), c.ddl);
    for (Permission p : kAll) EXPECT_FALSE(grant.Allows(p, "other"));
  }
}

TEST(GrantTest, FineGrainedScopesCombinePerNamespace) {
  FineGrainedScopes scopes;
  scopes.read_write = Names({"foo"});
  scopes.read_only_attach = Names({"bar"});
  Grant grant = Grant::FineGrained(scopes);
  EXPECT_TRUE(grant.Allows(Permission::kWrite, "foo"));
  EXPECT_FALSE(grant.Allows(Permission::kAttachRead, "foo"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "bar"));
  EXPECT_TRUE(grant.Allows(Permission::kRead, "bar"));
  EXPECT_TRUE(grant.Allows(Permission::kAttachRead, "bar"));
}

TEST(GrantTest, EmptyFineGrainedGrantAllowsNothing) {
  Grant grant = Grant::FineGrained({});
  for (Permission p : kAll) EXPECT_FALSE(grant.Allows(p, "default"));
  EXPECT_FALSE(grant.AllowsSchemaDdl("default"));
}

TEST(GrantTest, ScopeCoveringAllNamespacesMatchesAnyName) {
  FineGrainedScopes scopes;
  scopes.read_only = NamespaceScope({}, /*all_namespaces=*/true);
  Grant grant = Grant::FineGrained(scopes);
  EXPECT_TRUE(grant.Allows(Permission::kRead, "anything"));
  EXPECT_FALSE(grant.Allows(Permission::kWrite, "anything"));
}

TEST(GrantTest, EqualityComparesContentNotIdentity) {
  FineGrainedScopes scopes;
  scopes.read_write = Names({"x"});
  EXPECT_EQ(Grant::FineGrained(scopes), Grant::FineGrained(scopes));
  EXPECT_EQ(Grant::Legacy(Permission::kRead, "a"), Grant::Legacy(Permission::kRead, "a"));
  EXPECT_NE(Grant::Legacy(Permission::kRead, "a"), Grant::Legacy(Permission::kRead, "b"));
  EXPECT_NE(Grant::Legacy(Permission::kRead, std::nullopt),
            Grant::Legacy(Permission::kWrite, std::nullopt));
  EXPECT_NE(Grant::Legacy(Permission::kWrite, std::nullopt), Grant::FullAccess());
  EXPECT_NE(Grant::FineGrained({}), Grant::FineGrained(scopes));
}

TEST(GrantTest, DescribesItselfForLogs) {
  EXPECT_EQ(Grant::FullAccess().ToString(), "full access");
  EXPECT_EQ(Grant::Legacy(Permission::kRead, "db").ToString(), "legacy ro on namespace `db`");
  EXPECT_EQ(Grant::Legacy(Permission::kWrite, std::nullopt).ToString(),
            "legacy rw on all namespaces");
  FineGrainedScopes scopes;
  scopes.read_only = Names({"a", "b"});
  scopes.ddl = Names({"c"});
  EXPECT_EQ(Grant::FineGrained(scopes).ToString(), "fine-grained {ro: [a, b], ddl: [c]}");
}

TEST(PermissionTest, NamesMatchSqldsForbiddenMessage) {
  EXPECT_EQ(PermissionName(Permission::kRead), "Read");
  EXPECT_EQ(PermissionName(Permission::kWrite), "Write");
  EXPECT_EQ(PermissionName(Permission::kAttachRead), "AttachRead");
}

}  // namespace
}  // namespace edgelite::auth
