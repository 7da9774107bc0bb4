// `edgelite config set|get|list` (see config_command.h). Values are checked when they are set,
// so that a typo is reported by `config set` rather than by every later command.
#include "cli/config/config_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/config/config_file.h"

namespace edgelite::cli {
namespace {

struct ConfigArguments {
  std::string key;
  std::string value;
};

int Fail(const Status& status) {
  fmt::print(stderr, "error: {}\n", status.message());
  return 1;
}

Status CheckKey(std::string_view key) {
  if (IsConfigKey(key)) return Status::Ok();
  return Status::InvalidArgument("unknown config key `" + std::string(key) +
                                 "`; the keys are: " + ValidConfigKeysText());
}

// The value as it is stored: URLs must be http(s), and a key file's path is made absolute, since
// later commands run from other directories.
Result<std::string> NormalizeValue(std::string_view key, const std::string& value) {
  if (key == "server" || key == "admin-url") {
    if (!value.starts_with("http://") && !value.starts_with("https://")) {
      return Status::InvalidArgument(
          "`" + std::string(key) + "` must be an http:// or https:// " + "URL, e.g. " +
          std::string(key == "server" ? kDefaultServer : kDefaultAdminUrl) + ", not `" + value +
          "`");
    }
  }
  if (key == "signing-key" && !value.empty()) {
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(value, error);
    if (!error) return absolute.lexically_normal().string();
  }
  return value;
}

int Set(const ConfigArguments& arguments) {
  if (Status s = CheckKey(arguments.key); !s.ok()) return Fail(s);
  Result<std::string> value = NormalizeValue(arguments.key, arguments.value);
  if (!value.ok()) return Fail(value.status());
  const std::filesystem::path path = ConfigFilePath();
  Result<ConfigFile> config = ConfigFile::Load(path);
  if (!config.ok()) return Fail(config.status());
  if (Status s = config->Set(arguments.key, *value); !s.ok()) return Fail(s);
  if (Status s = config->Save(path); !s.ok()) return Fail(s);
  fmt::print(stderr, "{} = {} (saved in {})\n", arguments.key, *config->Get(arguments.key),
             path.string());
  return 0;
}

int Get(const ConfigArguments& arguments) {
  if (Status s = CheckKey(arguments.key); !s.ok()) return Fail(s);
  const std::filesystem::path path = ConfigFilePath();
  Result<ConfigFile> config = ConfigFile::Load(path);
  if (!config.ok()) return Fail(config.status());
  std::optional<std::string> value = config->Get(arguments.key);
  if (!value) {
    // Exit 1 with nothing on stdout, as `git config` does, so that scripts can test for it.
    fmt::print(stderr, "`{}` is not set in {}; set it with `edgelite config set {} VALUE`\n",
               arguments.key, path.string(), arguments.key);
    return 1;
  }
  fmt::print("{}\n", *value);
  return 0;
}

int List() {
  Result<ConfigFile> config = ConfigFile::Load(ConfigFilePath());
  if (!config.ok()) return Fail(config.status());
  for (std::string_view key : kConfigKeys) {
    if (std::optional<std::string> value = config->Get(key)) fmt::print("{} = {}\n", key, *value);
  }
  return 0;
}

}  // namespace

void AddConfigCommand(CLI::App& app, int& exit_code) {
  auto arguments = std::make_shared<ConfigArguments>();
  const std::string keys = "one of: " + ValidConfigKeysText();
  CLI::App* config =
      app.add_subcommand("config", "Save the server URLs and keys in " + ConfigFilePath().string() +
                                       " so that commands need no global options");
  config->require_subcommand(1);

  CLI::App* set = config->add_subcommand("set", "Save a setting");
  set->add_option("KEY", arguments->key, keys)->required();
  set->add_option("VALUE", arguments->value, "The value")->required();
  set->callback([arguments, &exit_code] { exit_code = Set(*arguments); });

  CLI::App* get = config->add_subcommand("get", "Print a saved setting (exit 1 when it is unset)");
  get->add_option("KEY", arguments->key, keys)->required();
  get->callback([arguments, &exit_code] { exit_code = Get(*arguments); });

  CLI::App* list = config->add_subcommand("list", "Print every saved setting as `key = value`");
  list->callback([&exit_code] { exit_code = List(); });
}

}  // namespace edgelite::cli
