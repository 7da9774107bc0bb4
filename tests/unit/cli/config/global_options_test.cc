// Global options: a flag beats its environment variable, which beats the config file, which beats
// the default; where the config file lives; and the database URLs built from a server address.
#include "cli/config/global_options.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <fstream>

#include "cli/config/config_file.h"
#include "unit/cli/scoped_environment.h"
#include "unit/temp_directory.h"

namespace edgelite::cli {
namespace {

class GlobalOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    environment_.Set("XDG_CONFIG_HOME", directory_.path().string());
    for (const char* name : {"EDGELITE_SERVER", "EDGELITE_ADMIN_URL", "EDGELITE_ADMIN_KEY",
                             "EDGELITE_SIGNING_KEY_FILE"}) {
      environment_.Clear(name);
    }
  }

  // Parses `command_line` (global options, then `db`) as `edgelite` would, then resolves.
  GlobalOptions Parse(const std::string& command_line) {
    CLI::App app;
    GlobalOptions options;
    AddGlobalOptions(app, options);
    app.add_subcommand("db");
    app.parse(command_line + " db", false);
    Status resolved = ResolveGlobalOptions(options);
    EXPECT_TRUE(resolved.ok()) << resolved.message();
    return options;
  }

  void WriteConfig(const std::string& text) {
    std::filesystem::create_directories(ConfigFilePath().parent_path());
    std::ofstream(ConfigFilePath()) << text;
  }

  test::TempDirectory directory_;
  test::ScopedEnvironment environment_;
};

TEST_F(GlobalOptionsTest, DefaultsMatchTheServersDefaultsWhenNothingIsSet) {
  GlobalOptions options = Parse("");
  EXPECT_EQ(options.server, "http://127.0.0.1:8080");
  EXPECT_EQ(options.admin_url, "http://127.0.0.1:9090");
  EXPECT_EQ(options.admin_key, "");
  EXPECT_EQ(options.signing_key_file, "");
}

TEST_F(GlobalOptionsTest, FlagBeatsEnvironmentBeatsConfigFileBeatsDefault) {
  WriteConfig(
      "server = http://config:1\n"
      "admin-url = http://config:2\n"
      "admin-key = config-key\n");
  environment_.Set("EDGELITE_SERVER", "http://env:1");
  environment_.Set("EDGELITE_ADMIN_URL", "http://env:2");

  GlobalOptions options = Parse("--server http://flag:1");
  EXPECT_EQ(options.server, "http://flag:1");    // flag over environment
  EXPECT_EQ(options.admin_url, "http://env:2");  // environment over config file
  EXPECT_EQ(options.admin_key, "config-key");    // config file over default
  EXPECT_EQ(options.signing_key_file, "");       // nothing anywhere
}

TEST_F(GlobalOptionsTest, EveryOptionHasItsEnvironmentVariable) {
  environment_.Set("EDGELITE_SERVER", "http://env:1");
  environment_.Set("EDGELITE_ADMIN_URL", "http://env:2");
  environment_.Set("EDGELITE_ADMIN_KEY", "env-key");
  environment_.Set("EDGELITE_SIGNING_KEY_FILE", "/keys/jwt_private.pem");
  GlobalOptions options = Parse("");
  EXPECT_EQ(options.server, "http://env:1");
  EXPECT_EQ(options.admin_url, "http://env:2");
  EXPECT_EQ(options.admin_key, "env-key");
  EXPECT_EQ(options.signing_key_file, "/keys/jwt_private.pem");

  GlobalOptions flags =
      Parse("--server http://f:1 --admin-url http://f:2 --admin-key flag-key --signing-key /f.pem");
  EXPECT_EQ(flags.server, "http://f:1");
  EXPECT_EQ(flags.admin_url, "http://f:2");
  EXPECT_EQ(flags.admin_key, "flag-key");
  EXPECT_EQ(flags.signing_key_file, "/f.pem");
}

TEST_F(GlobalOptionsTest, AMalformedConfigFileIsAnErrorNamingTheFileAndLine) {
  WriteConfig("# settings\nserver = http://config:1\nthis line is wrong\n");
  GlobalOptions options;
  Status resolved = ResolveGlobalOptions(options);
  ASSERT_FALSE(resolved.ok());
  EXPECT_NE(resolved.message().find(ConfigFilePath().string() + ":3:"), std::string::npos)
      << resolved.message();

  // With every option given on the command line the file is not needed, so it does not matter.
  GlobalOptions complete{"http://a", "http://b", "key", "/k.pem"};
  EXPECT_TRUE(ResolveGlobalOptions(complete).ok());
}

TEST_F(GlobalOptionsTest, TheConfigFileFollowsXdgConfigHomeThenHome) {
  EXPECT_EQ(ConfigFilePath(), directory_.path() / "edgelite" / "config");
  environment_.Set("HOME", "/home/someone");
  environment_.Clear("XDG_CONFIG_HOME");
  EXPECT_EQ(ConfigFilePath(), std::filesystem::path("/home/someone/.config/edgelite/config"));
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  environment_.Set("XDG_CONFIG_HOME", "relative/dir");
  EXPECT_EQ(ConfigFilePath(), std::filesystem::path("/home/someone/.config/edgelite/config"));
}

TEST(DatabaseUrlFor, PutsTheNameInThePathWithTheFinalSlash) {
  EXPECT_EQ(DatabaseUrlFor("http://127.0.0.1:8080", "my-app"), "http://127.0.0.1:8080/db/my-app/");
  EXPECT_EQ(DatabaseUrlFor("https://db.example.com//", "a_b.c~d"),
            "https://db.example.com/db/a_b.c~d/");
}

TEST(DatabaseUrlFor, PercentEncodesWhatAPathSegmentCannotCarry) {
  EXPECT_EQ(DatabaseUrlFor("http://h", "my app"), "http://h/db/my%20app/");
  EXPECT_EQ(DatabaseUrlFor("http://h", "a?b#c%d"), "http://h/db/a%3Fb%23c%25d/");
  EXPECT_EQ(DatabaseUrlFor("http://h", "caf\xC3\xA9"), "http://h/db/caf%C3%A9/");
}

}  // namespace
}  // namespace edgelite::cli
