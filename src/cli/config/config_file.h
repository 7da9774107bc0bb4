// ConfigFile: the settings file that `edgelite config set` writes and every management command
// reads (through ResolveGlobalOptions) for what its flags and environment left unset.
//
// The format is plain text, one setting per line, so that a user can also edit it by hand:
//
//     # comments start with `#`; blank lines are ignored
//     server = http://127.0.0.1:8080
//     signing-key = /home/me/keys/jwt_private.pem
//
// A line is `KEY = VALUE`; spaces around both are dropped, and the value is the rest of the line
// (it may itself contain `=` or `#`). Keys are the ones kConfigKeys lists, each at most once. The
// file holds the admin key, so it is written with mode 0600 inside a 0700 directory, and atomically
// (a temporary file renamed over the old one), so an interrupted `config set` never leaves half a
// file behind.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "edgelite/status.h"

namespace edgelite::cli {

// The settings a config file may hold, in the order `config list` shows them.
inline constexpr std::array<std::string_view, 4> kConfigKeys = {"server", "admin-url", "admin-key",
                                                                "signing-key"};

// "server, admin-url, admin-key, signing-key": for error messages about unknown keys.
std::string ValidConfigKeysText();

// Whether `key` is one of kConfigKeys.
bool IsConfigKey(std::string_view key);

class ConfigFile {
 public:
  // Reads `path`. A missing file is an empty config, not an error; a line that is not
  // `KEY = VALUE`, an unknown key or a repeated one is an error naming the file and the line.
  static Result<ConfigFile> Load(const std::filesystem::path& path);
  // Parses `text` as the contents of `path` (which only names the file in error messages).
  static Result<ConfigFile> Parse(std::string_view text, const std::filesystem::path& path);

  std::optional<std::string> Get(std::string_view key) const;
  // Fails for a key that is not in kConfigKeys, and for an empty value or one with a line break
  // (neither could be read back).
  Status Set(std::string_view key, std::string value);

  // The file's text: a header comment, then one `key = value` line per setting.
  std::string Serialize() const;
  // Writes the file atomically with mode 0600, creating its directory (mode 0700) if needed.
  Status Save(const std::filesystem::path& path) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace edgelite::cli
