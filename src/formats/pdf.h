#pragma once
// A plain text document as PDF (libharu): A4 pages of headings, lines and
// table rows in Helvetica, laid top to bottom, a new page when one is full,
// "page N of M" at the foot of each. Text is UTF-8; what the standard
// fonts cannot show (outside Latin-1) is written as '?'.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace ujumbe::formats::pdf {

struct Column {
    double width = 100;  // points (A4 is 595 wide; margins are 50)
    bool right = false;  // right-aligned (amounts)
};

class Document {
public:
    // `title` goes into the file's information.
    explicit Document(std::string_view title);
    ~Document();
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;

    void heading(std::string_view text);
    void line(std::string_view text);
    void gap();
    // One row of a table; cells beyond the columns are left out, text
    // longer than its column is cut.
    void row(const std::vector<std::string>& cells, const std::vector<Column>& columns,
             bool bold = false);
    // The PDF file; the document is finished (no more content).
    Result<std::string> bytes();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The text as the standard fonts' WinAnsi encoding can show it.
std::string win_ansi(std::string_view utf8);

}  // namespace ujumbe::formats::pdf
