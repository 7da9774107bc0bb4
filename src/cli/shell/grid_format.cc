// Aligned grids for `.mode table` and `.mode box`.
#include "cli/shell/grid_format.h"

#include <algorithm>
#include <vector>

#include "cli/shell/display_width.h"
#include "cli/shell/value_text.h"

namespace edgelite::cli::shell {
namespace {

// The pieces a grid is drawn with: corners and joints for the top, middle and bottom rules, the
// horizontal line, and the vertical bar.
struct GridCharacters {
  std::string_view top_left, top_joint, top_right;
  std::string_view middle_left, middle_joint, middle_right;
  std::string_view bottom_left, bottom_joint, bottom_right;
  std::string_view horizontal, vertical;
};

constexpr GridCharacters kAscii = {"+", "+", "+", "+", "+", "+", "+", "+", "+", "-", "|"};
constexpr GridCharacters kBox = {"┌", "┬", "┐", "├", "┼", "┤", "└", "┴", "┘", "─", "│"};

struct Cell {
  std::string text;
  size_t width = 0;
  bool right_aligned = false;
};

Cell MakeCell(std::string text, bool right_aligned) {
  text = EscapeControlCharacters(text);
  size_t width = DisplayWidth(text);
  return {std::move(text), width, right_aligned};
}

void AppendRule(std::string& out, const std::vector<size_t>& widths, std::string_view left,
                std::string_view joint, std::string_view right, std::string_view horizontal) {
  out += left;
  for (size_t i = 0; i < widths.size(); ++i) {
    if (i > 0) out += joint;
    for (size_t k = 0; k < widths[i] + 2; ++k) out += horizontal;
  }
  out += right;
  out += '\n';
}

void AppendRow(std::string& out, const std::vector<Cell>& cells, const std::vector<size_t>& widths,
               std::string_view vertical) {
  for (size_t i = 0; i < cells.size(); ++i) {
    out += vertical;
    out += ' ';
    const std::string padding(widths[i] - cells[i].width, ' ');
    if (cells[i].right_aligned) out += padding;
    out += cells[i].text;
    if (!cells[i].right_aligned) out += padding;
    out += ' ';
  }
  out += vertical;
  out += '\n';
}

}  // namespace

std::string FormatGrid(const Rows& rows, const OutputFormat& format, GridStyle style) {
  const GridCharacters& chars = style == GridStyle::kBox ? kBox : kAscii;
  const size_t column_count = rows.columns.size();
  std::vector<Cell> header;
  std::vector<size_t> widths(column_count, 0);
  if (format.headers) {
    for (size_t i = 0; i < column_count; ++i) {
      header.push_back(MakeCell(rows.columns[i].name, false));
      widths[i] = header[i].width;
    }
  }
  std::vector<std::vector<Cell>> body;
  body.reserve(rows.rows.size());
  for (const std::vector<Value>& row : rows.rows) {
    std::vector<Cell>& cells = body.emplace_back();
    for (size_t i = 0; i < column_count; ++i) {
      const Value& value = i < row.size() ? row[i] : Value(Null{});
      cells.push_back(MakeCell(ValueText(value, NullText(format)), IsNumber(value)));
      widths[i] = std::max(widths[i], cells.back().width);
    }
  }
  std::string out;
  AppendRule(out, widths, chars.top_left, chars.top_joint, chars.top_right, chars.horizontal);
  if (format.headers) {
    AppendRow(out, header, widths, chars.vertical);
    AppendRule(out, widths, chars.middle_left, chars.middle_joint, chars.middle_right,
               chars.horizontal);
  }
  for (const std::vector<Cell>& cells : body) AppendRow(out, cells, widths, chars.vertical);
  AppendRule(out, widths, chars.bottom_left, chars.bottom_joint, chars.bottom_right,
             chars.horizontal);
  return out;
}

}  // namespace edgelite::cli::shell
