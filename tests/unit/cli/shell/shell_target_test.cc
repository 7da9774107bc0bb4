// How `db shell TARGET` is read (URL, path, NAME), where a token comes from, and the advice given
// when the target cannot be reached or refuses the token.
#include "cli/shell/shell_target.h"

#include <gtest/gtest.h>

#include "unit/cli/scoped_environment.h"

namespace edgelite::cli::shell {
namespace {

TEST(ShellTarget, ClassifiesUrlsPathsAndNames) {
  for (std::string_view url :
       {"http://h:8080/db/x/", "https://h", "libsql://db.example.com", "ws://h", "wss://h"}) {
    EXPECT_EQ(ClassifyTarget(url), TargetForm::kUrl) << url;
  }
  for (std::string_view path :
       {"./app", "/tmp/x", "app.db", "app.sqlite", "app.sqlite3", ":memory:"}) {
    EXPECT_EQ(ClassifyTarget(path), TargetForm::kPath) << path;
  }
  for (std::string_view name : {"my-app", "staging", "default"}) {
    EXPECT_EQ(ClassifyTarget(name), TargetForm::kName) << name;
  }
}

TEST(ShellTarget, NamesResolveOnTheServerWithTheGivenToken) {
  test::ScopedEnvironment environment;
  environment.Set("EDGELITE_AUTH_TOKEN", "from-env");
  GlobalOptions global;
  global.server = "http://127.0.0.1:8080";
  auto target = ResolveShellTarget({"my-app", "", ""}, global);
  ASSERT_TRUE(target.ok()) << target.status().message();
  EXPECT_EQ(target->kind, TargetKind::kRemote);
  EXPECT_EQ(target->url, DatabaseUrlFor(global.server, "my-app"));
  EXPECT_EQ(target->auth_token, "from-env");
  EXPECT_EQ(target->token_origin, "EDGELITE_AUTH_TOKEN");

  auto flagged = ResolveShellTarget({"my-app", "replica.db", "from-flag"}, global);
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->kind, TargetKind::kReplica);
  EXPECT_EQ(flagged->path, "replica.db");
  EXPECT_EQ(flagged->token_origin, "--auth-token");
  const OpenOptions options = OpenOptionsFor(*flagged);
  EXPECT_EQ(options.path, "replica.db");
  EXPECT_EQ(options.sync_url, flagged->url);
  EXPECT_EQ(options.auth_token, "from-flag");
}

TEST(ShellTarget, AReplicaOfALocalFileIsRefused) {
  auto target = ResolveShellTarget({"app.db", "copy.db", ""}, GlobalOptions{});
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.status().message().find("give a database NAME or URL"), std::string::npos);
}

TEST(ShellTarget, FailuresSayWhatToDo) {
  test::ScopedEnvironment environment;
  environment.Clear("EDGELITE_AUTH_TOKEN");
  GlobalOptions global;
  global.server = "http://127.0.0.1:1";
  auto target = ResolveShellTarget({"ghost", "", ""}, global);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(ExplainTargetFailure(Status::NotFound("http://127.0.0.1:1/db/ghost/ was not found "
                                                  "(HTTP 404); check the database URL"),
                                 *target),
            "there is no database \"ghost\" on http://127.0.0.1:1 (http://127.0.0.1:1/db/ghost/ "
            "was not found (HTTP 404)); create it with `edgelite db create ghost` or see the "
            "databases with `edgelite db list`");
  const std::string no_token = ExplainTargetFailure(
      Status::Unauthenticated("the server at U requires an auth token (HTTP 401); pass one as "
                              "authToken"),
      *target);
  EXPECT_EQ(no_token.find("authToken"), std::string::npos) << no_token;
  EXPECT_NE(no_token.find("--auth-token"), std::string::npos) << no_token;
  EXPECT_NE(no_token.find("--signing-key"), std::string::npos) << no_token;
  const std::string unreachable = ExplainTargetFailure(
      Status::Unavailable("cannot reach http://127.0.0.1:1/db/ghost/"), *target);
  EXPECT_NE(unreachable.find("--server"), std::string::npos) << unreachable;
}

}  // namespace
}  // namespace edgelite::cli::shell
