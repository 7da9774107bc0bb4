// FormatRows and the modes that need no alignment: list, csv, json and line.
#include "cli/shell/output_format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>
#include <variant>

#include "cli/shell/display_width.h"
#include "cli/shell/grid_format.h"
#include "cli/shell/value_text.h"
#include "hrana/json_writer.h"

namespace edgelite::cli::shell {
namespace {

constexpr std::array<std::pair<std::string_view, OutputMode>, 6> kModes = {{
    {"list", OutputMode::kList},
    {"table", OutputMode::kTable},
    {"box", OutputMode::kBox},
    {"csv", OutputMode::kCsv},
    {"json", OutputMode::kJson},
    {"line", OutputMode::kLine},
}};

std::string FormatList(const Rows& rows, const OutputFormat& format) {
  std::string out;
  auto append_line = [&](auto&& field_of) {
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      if (i > 0) out += '|';
      out += field_of(i);
    }
    out += '\n';
  };
  if (format.headers) append_line([&](size_t i) { return rows.columns[i].name; });
  for (const std::vector<Value>& row : rows.rows) {
    append_line([&](size_t i) { return ValueText(row[i], NullText(format)); });
  }
  return out;
}

std::string CsvField(std::string_view text) {
  const bool quoted = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                      (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quoted) return std::string(text);
  std::string field = "\"";
  for (char c : text) {
    if (c == '"') field += '"';
    field += c;
  }
  field += '"';
  return field;
}

std::string FormatCsv(const Rows& rows, const OutputFormat& format) {
  std::string out;
  auto append_line = [&](auto&& field_of) {
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      if (i > 0) out += ',';
      out += CsvField(field_of(i));
    }
    out += "\r\n";
  };
  if (format.headers) append_line([&](size_t i) { return rows.columns[i].name; });
  for (const std::vector<Value>& row : rows.rows) {
    append_line([&](size_t i) {
      return std::holds_alternative<Null>(row[i]) ? std::string() : ValueText(row[i], "");
    });
  }
  return out;
}

// Escaped as the server's JSON encoder escapes (invalid UTF-8 becomes U+FFFD).
void AppendJsonString(std::string& out, std::string_view text) {
  hrana::json::JsonWriter(out).String(text);
}

void AppendJsonValue(std::string& out, const Value& value) {
  if (std::holds_alternative<Null>(value)) {
    out += "null";
  } else if (const auto* integer = std::get_if<int64_t>(&value)) {
    out += std::to_string(*integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    // JSON has no infinity; 9e999 is what SQLite's own json() writes, and it reads back as one.
    out += std::isinf(*real) ? (*real > 0 ? "9e999" : "-9e999") : RealText(*real);
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    AppendJsonString(out, *text);
  } else {
    AppendJsonString(out, BlobLiteral(std::get<Blob>(value)));
  }
}

std::string FormatJson(const Rows& rows) {
  std::string out = "[";
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    if (r > 0) out += ",\n";
    out += '{';
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(out, rows.columns[i].name);
      out += ':';
      AppendJsonValue(out, rows.rows[r][i]);
    }
    out += '}';
  }
  out += "]\n";
  return out;
}

std::string FormatLine(const Rows& rows, const OutputFormat& format) {
  size_t name_width = 0;
  for (const Column& column : rows.columns) {
    name_width = std::max(name_width, DisplayWidth(column.name));
  }
  std::string out;
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    if (r > 0) out += '\n';
    for (size_t i = 0; i < rows.columns.size(); ++i) {
      const std::string& name = rows.columns[i].name;
      out.append(name_width - DisplayWidth(name), ' ');
      out += name;
      out += " = ";
      out += ValueText(rows.rows[r][i], NullText(format));
      out += '\n';
    }
  }
  return out;
}

}  // namespace

std::optional<OutputMode> ParseOutputMode(std::string_view name) {
  for (const auto& [mode_name, mode] : kModes) {
    if (mode_name == name) return mode;
  }
  return std::nullopt;
}

std::string_view OutputModeName(OutputMode mode) {
  for (const auto& [mode_name, candidate] : kModes) {
    if (candidate == mode) return mode_name;
  }
  return "list";
}

std::string_view OutputModeNames() {
  return "list, table, box, csv, json, line";
}

std::string_view NullText(const OutputFormat& format) {
  if (format.null_text) return *format.null_text;
  return format.mode == OutputMode::kList ? std::string_view() : std::string_view("NULL");
}

std::string FormatRows(const Rows& rows, const OutputFormat& format) {
  if (rows.rows.empty() || rows.columns.empty()) return {};
  switch (format.mode) {
    case OutputMode::kList:
      return FormatList(rows, format);
    case OutputMode::kTable:
      return FormatGrid(rows, format, GridStyle::kAscii);
    case OutputMode::kBox:
      return FormatGrid(rows, format, GridStyle::kBox);
    case OutputMode::kCsv:
      return FormatCsv(rows, format);
    case OutputMode::kJson:
      return FormatJson(rows);
    case OutputMode::kLine:
      return FormatLine(rows, format);
  }
  return {};
}

}  // namespace edgelite::cli::shell
