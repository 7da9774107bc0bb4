// Command-line flags of the SDK benchmark programs.
#include "flags.h"

#include <cstdio>
#include <cstdlib>

#include "child_process.h"

namespace edgelite::bench {

void Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  ChildProcess::StopRunning();
  std::exit(1);
}

Flags::Flags(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") {
      for (++i; i < argc; ++i) command_.emplace_back(argv[i]);
      break;
    }
    if (word.rfind("--", 0) != 0 || i + 1 >= argc) Fail("bad argument '" + word + "'");
    values_[word.substr(2)] = argv[++i];
  }
}

const std::string& Flags::String(const std::string& name) const {
  auto found = values_.find(name);
  if (found == values_.end()) Fail("--" + name + " is required");
  return found->second;
}

std::string Flags::StringOr(const std::string& name, const std::string& fallback) const {
  auto found = values_.find(name);
  return found == values_.end() ? fallback : found->second;
}

double Flags::Number(const std::string& name) const {
  const std::string& text = String(name);
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0')
    Fail("--" + name + " must be a number, not '" + text + "'");
  return value;
}

double Flags::NumberOr(const std::string& name, double fallback) const {
  return Has(name) ? Number(name) : fallback;
}

}  // namespace edgelite::bench
