// The config file: what `config set` saves reads back the same, it is private (0600 in a 0700
// directory) and replaced atomically, and a damaged file is reported by file and line.
#include "cli/config/config_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "unit/temp_directory.h"

namespace edgelite::cli {
namespace {

mode_t PermissionBits(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 0777;
}

TEST(ConfigFile, SavedValuesReadBackTheSame) {
  test::TempDirectory directory;
  const std::filesystem::path path = directory / "fresh/edgelite/config";
  ConfigFile config;
  ASSERT_TRUE(config.Set("server", "http://db.example.com:8080").ok());
  ASSERT_TRUE(config.Set("admin-key", "s3cret=with#odd chars").ok());
  ASSERT_TRUE(config.Set("signing-key", "/keys/jwt_private.pem").ok());
  ASSERT_TRUE(config.Set("server", "http://replaced:8080").ok());
  ASSERT_TRUE(config.Save(path).ok());

  Result<ConfigFile> loaded = ConfigFile::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->Get("server"), "http://replaced:8080");
  EXPECT_EQ(loaded->Get("admin-key"), "s3cret=with#odd chars");
  EXPECT_EQ(loaded->Get("signing-key"), "/keys/jwt_private.pem");
  EXPECT_EQ(loaded->Get("admin-url"), std::nullopt);
  EXPECT_EQ(loaded->Serialize(), config.Serialize());
}

TEST(ConfigFile, IsPrivateAndReplacedWithoutLeftovers) {
  test::TempDirectory directory;
  const std::filesystem::path path = directory / "xdg/edgelite/config";
  ConfigFile config;
  ASSERT_TRUE(config.Set("admin-key", "first").ok());
  ASSERT_TRUE(config.Save(path).ok());
  EXPECT_EQ(PermissionBits(path), 0600u);
  EXPECT_EQ(PermissionBits(path.parent_path()), 0700u);
  EXPECT_EQ(PermissionBits(path.parent_path().parent_path()), 0700u);

  ASSERT_TRUE(config.Set("admin-key", "second").ok());
  ASSERT_TRUE(config.Save(path).ok());
  EXPECT_EQ(PermissionBits(path), 0600u);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(path.parent_path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u) << "a temporary file was left beside the config file";
  EXPECT_EQ(ConfigFile::Load(path)->Get("admin-key"), "second");
}

TEST(ConfigFile, AMissingFileIsAnEmptyConfig) {
  test::TempDirectory directory;
  Result<ConfigFile> loaded = ConfigFile::Load(directory / "nothing/here");
  ASSERT_TRUE(loaded.ok());
  for (std::string_view key : kConfigKeys) EXPECT_EQ(loaded->Get(key), std::nullopt);
}

TEST(ConfigFile, HandEditedFilesWithCommentsBlankLinesAndCrLfAreRead) {
  Result<ConfigFile> config = ConfigFile::Parse(
      "# my settings\r\n\r\n   server=http://a:1   \r\n\tadmin-url =  http://b:2\n# end", "cfg");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->Get("server"), "http://a:1");
  EXPECT_EQ(config->Get("admin-url"), "http://b:2");
}

TEST(ConfigFile, AMalformedLineIsReportedWithFileAndLine) {
  struct Case {
    std::string text;
    std::string expected;  // in the message, after "<file>:<line>: "
  };
  for (const Case& c : {
           Case{"server = http://a\njust words\n", "/etc/cfg:2: `just words` has no `=`"},
           Case{"\n\nserver-url = http://a\n", "/etc/cfg:3: unknown key `server-url`"},
           Case{"server = a\nserver = b\n", "/etc/cfg:2: `server` is set a second time"},
       }) {
    Result<ConfigFile> config = ConfigFile::Parse(c.text, "/etc/cfg");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << config.status().message();
    // And what to do about it: the valid keys.
    EXPECT_NE(config.status().message().find("server, admin-url, admin-key, signing-key"),
              std::string::npos)
        << config.status().message();
  }
}

TEST(ConfigFile, SetRefusesUnknownKeysAndValuesThatCannotBeReadBack) {
  ConfigFile config;
  Status unknown = config.Set("url", "http://a");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.message().find("`url`"), std::string::npos);
  EXPECT_NE(unknown.message().find("server, admin-url, admin-key, signing-key"), std::string::npos)
      << unknown.message();
  EXPECT_FALSE(config.Set("admin-key", "two\nlines").ok());
  EXPECT_FALSE(config.Set("admin-key", "  ").ok());
  EXPECT_EQ(config.Get("admin-key"), std::nullopt);
}

}  // namespace
}  // namespace edgelite::cli
