// The config file's format, reading and writing (see config_file.h).
#include "cli/config/config_file.h"

#include <fstream>
#include <sstream>

#include "cli/config/private_directories.h"
#include "wal/posix_file.h"
#include "common/text.h"

namespace edgelite::cli {
namespace {

constexpr std::string_view kHeader =
    "# edgelite settings, written by `edgelite config set KEY VALUE`.\n"
    "# One `key = value` per line; flags and EDGELITE_* environment variables take precedence.\n";

std::string LineError(const std::filesystem::path& path, size_t line, std::string_view problem) {
  return path.string() + ":" + std::to_string(line) + ": " + std::string(problem) +
         "; fix or remove that line (each line is `key = value`, keys: " + ValidConfigKeysText() +
         "), or delete the file and set the values again with `edgelite config set`";
}

}  // namespace

std::string ValidConfigKeysText() {
  std::string text;
  for (std::string_view key : kConfigKeys) {
    if (!text.empty()) text += ", ";
    text += key;
  }
  return text;
}

bool IsConfigKey(std::string_view key) {
  for (std::string_view known : kConfigKeys) {
    if (key == known) return true;
  }
  return false;
}

Result<ConfigFile> ConfigFile::Load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return ConfigFile();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Io("cannot read the config file " + path.string() +
                      ": check its permissions (it should belong to you, mode 0600)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

Result<ConfigFile> ConfigFile::Parse(std::string_view text, const std::filesystem::path& path) {
  ConfigFile config;
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);  // a file edited on Windows
    line = TrimSpaces(line);
    if (line.empty() || line.starts_with('#')) continue;
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return Status::InvalidArgument(
          LineError(path, line_number, "`" + std::string(line) + "` has no `=`"));
    }
    std::string_view key = TrimSpaces(line.substr(0, equals));
    std::string_view value = TrimSpaces(line.substr(equals + 1));
    if (!IsConfigKey(key)) {
      return Status::InvalidArgument(
          LineError(path, line_number, "unknown key `" + std::string(key) + "`"));
    }
    if (config.values_.contains(key)) {
      return Status::InvalidArgument(
          LineError(path, line_number, "`" + std::string(key) + "` is set a second time"));
    }
    config.values_.emplace(std::string(key), std::string(value));
  }
  return config;
}

std::optional<std::string> ConfigFile::Get(std::string_view key) const {
  auto found = values_.find(key);
  if (found == values_.end()) return std::nullopt;
  return found->second;
}

Status ConfigFile::Set(std::string_view key, std::string value) {
  if (!IsConfigKey(key)) {
    return Status::InvalidArgument("unknown config key `" + std::string(key) +
                                   "`; the keys are: " + ValidConfigKeysText());
  }
  if (value.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("the value for `" + std::string(key) +
                                   "` holds a line break; a config value is one line");
  }
  // Spaces around a value are dropped when the file is read, so storing them would not round-trip.
  value = std::string(TrimSpaces(value));
  if (value.empty()) {
    return Status::InvalidArgument("the value for `" + std::string(key) + "` is empty");
  }
  values_.insert_or_assign(std::string(key), std::move(value));
  return Status::Ok();
}

std::string ConfigFile::Serialize() const {
  std::string text(kHeader);
  for (std::string_view key : kConfigKeys) {
    if (auto value = Get(key)) text += std::string(key) + " = " + *value + "\n";
  }
  return text;
}

Status ConfigFile::Save(const std::filesystem::path& path) const {
  if (Status created = CreatePrivateDirectories(path.parent_path()); !created.ok()) {
    return Status::Io("cannot create the config directory: " + created.message());
  }
  const std::string text = Serialize();
  Status written = wal::WriteFileAtomically(path, text.data(), text.size(), {.mode = 0600});
  if (!written.ok()) {
    return Status::Io("cannot write the config file " + path.string() + ": " + written.message());
  }
  return Status::Ok();
}

}  // namespace edgelite::cli
